package dev.artifacts.spi;

import java.util.List;
import java.util.Optional;

/**
 * The root of a storage backend: the registry of repositories and the durable records the
 * service keeps beside them. One backend is one place where all state lives.
 *
 * <p>Implementations are thread-safe. Repository ids follow {@link RepositoryIds}; methods given
 * an invalid id throw {@link IllegalArgumentException}.
 */
public interface Storage extends AutoCloseable {

  /**
   * Creates an empty repository (no packs, no refs), atomically: if this throws, no trace of the
   * repository is left and a later {@code create} of the same id can succeed.
   *
   * @return the new repository, or empty if a repository with this id already exists
   * @throws StorageException on backend failure
   */
  Optional<RepositoryStore> create(String id);

  /**
   * @return the repository, or empty if there is none with this id
   * @throws StorageException on backend failure
   */
  Optional<RepositoryStore> open(String id);

  /**
   * Lists repository ids in ascending order (by {@link String#compareTo}).
   *
   * @param afterId exclusive lower bound, or null to start at the beginning
   * @param limit maximum number of ids returned, {@code >= 1}
   * @throws StorageException on backend failure
   */
  List<String> list(String afterId, int limit);

  /**
   * Deletes a repository with its objects, refs and tokens. Once this returns the id is free and
   * {@link #open} returns empty; readers that already hold the {@link RepositoryStore} may fail.
   *
   * @return false when there was no such repository
   * @throws StorageException on backend failure
   */
  boolean delete(String id);

  /** @return the token records; the same instance on every call */
  TokenStore tokens();

  /** Releases resources. Never throws; closing twice is harmless. */
  @Override
  void close();
}
