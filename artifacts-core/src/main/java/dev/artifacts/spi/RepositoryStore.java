package dev.artifacts.spi;

/**
 * One repository's storage: its objects and its refs. Obtained from {@link Storage}; stays
 * usable until the repository is deleted or the storage closed. Thread-safe.
 */
public interface RepositoryStore {

  /** @return the repository id, as validated by {@link RepositoryIds} */
  String id();

  /** @return the object database; the same instance on every call */
  ObjectStore objects();

  /** @return the refs; the same instance on every call */
  RefStore refs();
}
