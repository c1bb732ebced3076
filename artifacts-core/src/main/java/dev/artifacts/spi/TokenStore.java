package dev.artifacts.spi;

import java.util.List;
import java.util.Optional;

/**
 * Durable token records, keyed by the hash of the secret. Thread-safe; each call is atomic.
 */
public interface TokenStore {

  /**
   * Stores a record, replacing any record with the same hash.
   *
   * @throws StorageException on backend failure; nothing stored in that case
   */
  void put(TokenRecord token);

  /** @return the record with this hash, or empty */
  Optional<TokenRecord> find(String hash);

  /** @return every record of the repository, in no particular order */
  List<TokenRecord> forRepository(String repositoryId);

  /** @return true if a record was removed; removing an unknown hash is not an error */
  boolean remove(String hash);
}
