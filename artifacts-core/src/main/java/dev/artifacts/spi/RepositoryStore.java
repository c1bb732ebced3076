package dev.artifacts.spi;

import java.util.Optional;

/**
 * One repository's storage: its objects and its refs. Obtained from {@link Storage}; stays
 * usable until the repository is deleted or the storage closed. Thread-safe.
 */
public interface RepositoryStore {

  /** @return the repository id, as validated by {@link RepositoryIds} */
  String id();

  /** @return the id of the repository this one was forked from, or empty for an original */
  Optional<String> parentId();

  /** @return true when the repository was created read-only; never changes */
  boolean readOnly();

  /**
   * @return the object database holding the packs this repository owns (a fork's own packs
   *     only; the engine reads its parent's packs through the parent's store); the same instance
   *     on every call
   */
  ObjectStore objects();

  /** @return the refs; the same instance on every call */
  RefStore refs();
}
