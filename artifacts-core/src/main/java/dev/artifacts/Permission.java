package dev.artifacts;

/** What a principal wants to do, as {@link Authorizer} decides it. */
public enum Permission {
  /** Clone, fetch, and every REST read. */
  READ,
  /** Push, REST commit and merge. */
  WRITE,
  /**
   * Administer: create, fork, delete, compact, manage tokens, and the instance-wide event
   * stream when asked without a repository.
   */
  ADMIN
}
