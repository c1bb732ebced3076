package dev.artifacts;

import java.util.Optional;

/**
 * Says who is calling. A host supplies its own (for example one that reads its session cookie)
 * through {@link Artifacts.Builder#authenticator}; it is asked first, and when it answers empty
 * the built-in one is asked: the admin token or a repository token, as a Bearer token or as the
 * password of HTTP Basic.
 *
 * <p>Whether the caller may do what it asks is a separate decision, the {@link Authorizer}'s.
 *
 * <p>Called once per request, possibly from many threads at once: implementations must be
 * thread-safe and should be fast. An exception thrown here fails the request with HTTP 500.
 */
@FunctionalInterface
public interface Authenticator {

  /**
   * @return the caller, or empty when the request carries no credentials this authenticator
   *     accepts (HTTP answers 401 when no authenticator knows the caller)
   */
  Optional<Principal> authenticate(AuthRequest request);
}
