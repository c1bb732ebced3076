package dev.artifacts.storage.mem.internal;

import dev.artifacts.spi.ObjectStore;
import dev.artifacts.spi.RefStore;
import dev.artifacts.spi.RepositoryStore;

/** One in-memory repository. */
public final class MemRepositoryStore implements RepositoryStore {
  private final String id;
  private final MemObjectStore objects = new MemObjectStore();
  private final MemRefStore refs = new MemRefStore();

  public MemRepositoryStore(String id) {
    this.id = id;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public ObjectStore objects() {
    return objects;
  }

  @Override
  public RefStore refs() {
    return refs;
  }
}
