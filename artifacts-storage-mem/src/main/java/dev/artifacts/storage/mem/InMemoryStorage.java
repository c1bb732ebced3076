package dev.artifacts.storage.mem;

import dev.artifacts.spi.RepositoryIds;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.Storage;
import dev.artifacts.spi.TokenStore;
import dev.artifacts.storage.mem.internal.MemRepositoryStore;
import dev.artifacts.storage.mem.internal.MemTokenStore;
import java.util.ArrayList;
import java.util.List;
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

  /** Creates an empty storage. */
  public InMemoryStorage() {}

  @Override
  public Optional<RepositoryStore> create(String id) {
    RepositoryIds.requireValid(id);
    MemRepositoryStore fresh = new MemRepositoryStore(id);
    MemRepositoryStore existing = repositories.putIfAbsent(id, fresh);
    return existing == null ? Optional.of(fresh) : Optional.empty();
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
  public boolean delete(String id) {
    RepositoryIds.requireValid(id);
    if (repositories.remove(id) == null) {
      return false;
    }
    tokens.removeRepository(id);
    return true;
  }

  @Override
  public TokenStore tokens() {
    return tokens;
  }

  @Override
  public void close() {}
}
