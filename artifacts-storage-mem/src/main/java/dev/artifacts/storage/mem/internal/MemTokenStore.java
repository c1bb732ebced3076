package dev.artifacts.storage.mem.internal;

import dev.artifacts.spi.TokenRecord;
import dev.artifacts.spi.TokenStore;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Token records in a concurrent map keyed by hash. */
public final class MemTokenStore implements TokenStore {
  private final ConcurrentHashMap<String, TokenRecord> byHash = new ConcurrentHashMap<>();

  @Override
  public void put(TokenRecord token) {
    byHash.put(token.hash(), token);
  }

  @Override
  public Optional<TokenRecord> find(String hash) {
    return Optional.ofNullable(byHash.get(hash));
  }

  @Override
  public List<TokenRecord> forRepository(String repositoryId) {
    return byHash.values().stream().filter(t -> t.repositoryId().equals(repositoryId)).toList();
  }

  @Override
  public boolean remove(String hash) {
    return byHash.remove(hash) != null;
  }

  /** Drops every token of a deleted repository. */
  public void removeRepository(String repositoryId) {
    byHash.values().removeIf(t -> t.repositoryId().equals(repositoryId));
  }
}
