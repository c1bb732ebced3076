package dev.artifacts.storage.mem;

import dev.artifacts.spi.DeleteResult;
import dev.artifacts.spi.RepositoryIds;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.Storage;
import dev.artifacts.spi.TokenStore;
import dev.artifacts.storage.mem.internal.MemRepositoryStore;
import dev.artifacts.storage.mem.internal.MemTokenStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The reference storage backend: everything lives on the Java heap and is lost when the
 * process exits. It is the simplest correct implementation of the SPI, meant for tests, demos
 * and ephemeral workspaces; every operation is atomic and thread-safe as the SPI requires.
 */
public final class InMemoryStorage implements Storage {
  private final ConcurrentSkipListMap<String, MemRepositoryStore> repositories =
      new ConcurrentSkipListMap<>();
  private final MemTokenStore tokens = new MemTokenStore();
  /** Serializes create, fork and delete, so a fork never races the deletion of its parent. */
  private final Object registryLock = new Object();

  /** Creates an empty storage. */
  public InMemoryStorage() {}

  @Override
  public Optional<RepositoryStore> create(String id) {
    RepositoryIds.requireValid(id);
    synchronized (registryLock) {
      MemRepositoryStore fresh = new MemRepositoryStore(id, null, false, Map.of());
      MemRepositoryStore existing = repositories.putIfAbsent(id, fresh);
      return existing == null ? Optional.of(fresh) : Optional.empty();
    }
  }

  @Override
  public Optional<RepositoryStore> open(String id) {
    RepositoryIds.requireValid(id);
    return Optional.ofNullable(repositories.get(id));
  }

  @Override
  public List<String> list(String afterId, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
    var view = afterId == null ? repositories : repositories.tailMap(afterId, false);
    List<String> out = new ArrayList<>(Math.min(limit, 256));
    for (String id : view.keySet()) {
      if (out.size() == limit) {
        break;
      }
      out.add(id);
    }
    return out;
  }

  @Override
  public Optional<RepositoryStore> fork(String parentId, String childId, boolean readOnly) {
    RepositoryIds.requireValid(parentId);
    RepositoryIds.requireValid(childId);
    synchronized (registryLock) {
      MemRepositoryStore parent = repositories.get(parentId);
      if (parent == null) {
        throw new IllegalArgumentException("no repository '" + parentId + "' to fork");
      }
      if (repositories.containsKey(childId)) {
        return Optional.empty();
      }
      MemRepositoryStore child =
          new MemRepositoryStore(childId, parentId, readOnly, parent.refsSnapshot());
      repositories.put(childId, child);
      return Optional.of(child);
    }
  }

  @Override
  public List<String> forks(String id) {
    RepositoryIds.requireValid(id);
    List<String> out = new ArrayList<>();
    for (MemRepositoryStore r : repositories.values()) {
      if (r.parentId().filter(id::equals).isPresent()) {
        out.add(r.id());
      }
    }
    return out;
  }

  @Override
  public DeleteResult delete(String id) {
    RepositoryIds.requireValid(id);
    synchronized (registryLock) {
      if (!repositories.containsKey(id)) {
        return DeleteResult.NOT_FOUND;
      }
      if (!forks(id).isEmpty()) {
        return DeleteResult.HAS_FORKS;
      }
      repositories.remove(id);
      tokens.removeRepository(id);
    }
    return DeleteResult.DELETED;
  }

  @Override
  public TokenStore tokens() {
    return tokens;
  }

  @Override
  public void close() {}
}
