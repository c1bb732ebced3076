package dev.artifacts.spi;

/** Outcome of {@link Storage#delete}. */
public enum DeleteResult {
  /** The repository and everything it owned are gone. */
  DELETED,
  /** There was no repository with this id. */
  NOT_FOUND,
  /** Nothing was deleted: forks of the repository still read its objects. */
  HAS_FORKS
}
