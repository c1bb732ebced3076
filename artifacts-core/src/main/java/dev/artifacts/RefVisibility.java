package dev.artifacts;

/**
 * Hides refs from some callers, for example so that a viewer sees only {@code
 * refs/heads/published}. A hidden ref is not advertised to git clients, cannot be pushed to, is
 * not readable over REST, and objects reachable only from hidden refs cannot be fetched by id.
 * A symbolic ref is visible only when its own name and every name along its chain are (so an
 * alias can neither reveal nor move a hidden ref, and a hidden alias cannot be read through its
 * target); {@code HEAD} is visible exactly when the ref it points at is. Git, REST reads and REST
 * writes all apply this one rule.
 *
 * <p>Set through {@link Artifacts.Builder#refVisibility}; the default shows every ref. Called
 * for many refs per request, possibly from many threads: implementations must be thread-safe,
 * fast, and must not throw.
 */
@FunctionalInterface
public interface RefVisibility {

  /** Every ref is visible to everyone. */
  RefVisibility ALL = (principal, repositoryId, refName) -> true;

  /**
   * @param principal the caller, never null
   * @param repositoryId the repository
   * @param refName the full ref name, for example {@code refs/heads/main}
   * @return true when the caller may see the ref
   */
  boolean isVisible(Principal principal, String repositoryId, String refName);
}
