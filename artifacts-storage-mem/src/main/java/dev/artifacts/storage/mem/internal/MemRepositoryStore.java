package dev.artifacts.storage.mem.internal;

import dev.artifacts.spi.ObjectStore;
import dev.artifacts.spi.RefStore;
import dev.artifacts.spi.RefValue;
import java.util.Map;
import java.util.Optional;
import dev.artifacts.spi.RepositoryStore;

/** One in-memory repository. */
public final class MemRepositoryStore implements RepositoryStore {
  private final String id;
  private final String parentId;
  private final boolean readOnly;
  private final MemObjectStore objects = new MemObjectStore();
  private final MemRefStore refs;

  /**
   * @param parentId the repository this one was forked from, or null
   * @param initialRefs the refs it starts with (a fork's copy of its parent's)
   */
  public MemRepositoryStore(
      String id, String parentId, boolean readOnly, Map<String, RefValue> initialRefs) {
    this.id = id;
    this.parentId = parentId;
    this.readOnly = readOnly;
    this.refs = new MemRefStore(initialRefs);
  }

  /** @return a consistent copy of every ref, for a fork to start from */
  public Map<String, RefValue> refsSnapshot() {
    return refs.list("");
  }

  @Override
  public Optional<String> parentId() {
    return Optional.ofNullable(parentId);
  }

  @Override
  public boolean readOnly() {
    return readOnly;
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
