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
   * @throws IllegalArgumentException if {@code limit < 1}
   * @throws StorageException on backend failure
   */
  List<String> list(String afterId, int limit);

  /**
   * Creates a fork of {@code parentId}, atomically: the fork starts with a copy of the parent's
   * refs (including {@code HEAD}) taken at one instant, owns no packs, and records the parent so
   * the engine reads objects it lacks from the parent (and its ancestors). Nothing is copied but
   * the refs, so the cost does not grow with the size of the parent. Later changes to either
   * side never show in the other. A failed fork leaves nothing behind.
   *
   * @param readOnly stored with the fork; the engine refuses every write to a read-only repository
   * @return the fork, or empty when a repository with id {@code childId} already exists
   * @throws IllegalArgumentException when {@code parentId} does not exist (or an id is invalid)
   * @throws StorageException on backend failure
   */
  Optional<RepositoryStore> fork(String parentId, String childId, boolean readOnly);

  /**
   * @return ids of the direct forks of {@code id}, ascending; empty when it has none or does not
   *     exist
   * @throws StorageException on backend failure
   */
  List<String> forks(String id);

  /**
   * Deletes a repository with its objects, refs and tokens, unless forks of it exist (they read
   * its packs). Once this returns {@link DeleteResult#DELETED} the id is free and {@link #open}
   * returns empty; readers that already hold the {@link RepositoryStore} may fail. A crash during
   * delete never leaves a half-deleted repository visible.
   *
   * @throws StorageException on backend failure
   */
  DeleteResult delete(String id);

  /** @return the token records; the same instance on every call */
  TokenStore tokens();

  /** Releases resources. Never throws; closing twice is harmless. */
  @Override
  void close();
}
