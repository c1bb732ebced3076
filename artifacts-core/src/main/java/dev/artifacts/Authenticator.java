package dev.artifacts;

/**
 * Decides who may use a repository. A host application supplies its own (for example one that
 * reads its session cookie) through {@link Artifacts.Builder#authenticator}; the default accepts
 * the built-in repository tokens and the admin token as the password of HTTP Basic
 * authentication.
 *
 * <p>Called once per request, possibly from many threads at once: implementations must be
 * thread-safe and should be fast. An exception thrown here fails the request with HTTP 500.
 */
@FunctionalInterface
public interface Authenticator {

  /**
   * @return the caller's access to {@link AuthRequest#repositoryId()}; never null
   */
  Access authenticate(AuthRequest request);
}
