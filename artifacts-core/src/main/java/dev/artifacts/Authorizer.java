package dev.artifacts;

/**
 * Decides whether a principal may read, write or administer a repository. A host adds its own
 * through {@link Artifacts.Builder#authorizer}; a request is allowed when the built-in authorizer
 * or the host's allows it. The built-in one allows {@link AdminPrincipal} everything and a
 * {@link TokenPrincipal} what its scope grants on its own repository.
 *
 * <p>Whatever any authorizer says, a read-only repository is never written: {@link
 * Artifacts#isAllowed} refuses {@link Permission#WRITE} on it.
 *
 * <p>Called for every request, possibly from many threads at once: implementations must be
 * thread-safe, fast, and must not throw.
 */
@FunctionalInterface
public interface Authorizer {

  /**
   * @param principal the caller, never null
   * @param repositoryId the repository, or null for an instance-wide action (list or create
   *     repositories, the instance-wide event stream)
   * @param permission what the caller wants to do
   * @return true to allow
   */
  boolean isAllowed(Principal principal, String repositoryId, Permission permission);
}
