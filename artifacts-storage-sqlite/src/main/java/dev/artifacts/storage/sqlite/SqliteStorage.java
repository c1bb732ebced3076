package dev.artifacts.storage.sqlite;

import dev.artifacts.spi.DeleteResult;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.Storage;
import dev.artifacts.spi.StorageException;
import dev.artifacts.spi.TokenStore;
import dev.artifacts.storage.sqlite.internal.Database;
import dev.artifacts.storage.sqlite.internal.Registry;
import dev.artifacts.storage.sqlite.internal.SqliteOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link Storage} that keeps everything (packs, refs, the repository registry with forks,
 * tokens) in one SQLite database file in WAL mode.
 *
 * <p><b>Layout.</b> Pack files are stored as rows of 64 KiB chunks, the engine's read block:
 * {@link dev.artifacts.spi.ReadableFile#blockSize()} returns the chunk size, and reading a chunk
 * is one SELECT by rowid. Refs are rows changed by compare-and-swap inside one transaction per
 * batch. A fork is a registry row plus a copy of its parent's ref rows, written in one
 * transaction; no pack data is copied. The module README describes the schema.
 *
 * <p><b>Durability.</b> Every acknowledged change (repository created, forked or deleted, packs
 * committed, refs applied, token stored or removed) is in the fsynced write-ahead log before the
 * call returns, so it survives a crash or power loss. Writes are serialized through one writer
 * connection and group-committed: concurrent changes share one transaction, each still
 * all-or-nothing on its own. Transactions commit with {@code synchronous=NORMAL} and a separate
 * thread fsyncs the WAL before the calls return, which is what {@code synchronous=FULL} would do
 * at every commit, without holding up the next transaction. A change is visible to this
 * process's readers from its commit, up to one fsync before its call returns; a power loss in
 * that window loses only unacknowledged changes. Bytes of a pack being written go to staging
 * rows that nothing refers to until the pack's commit, so they are never visible before it;
 * staging rows left by an interrupted process are deleted when the file is next opened.
 *
 * <p><b>One process.</b> The committed pack lists and refs of opened repositories are cached in
 * memory and never re-read: a database file must be served by one process (one instance) at a
 * time. {@link #open} takes an exclusive lock on the sidecar file {@code <databaseFile>.lock}
 * and fails with a {@link StorageException} when another process or instance holds it; {@link
 * #close} releases it. Nothing else may write to the database file.
 *
 * <p><b>Busy database.</b> If another process nevertheless holds a lock on the file, a statement
 * or transaction that meets SQLITE_BUSY or SQLITE_LOCKED is retried with backoff for about two
 * seconds, then fails with a {@link StorageException} whose {@link StorageException#isTransient()
 * isTransient()} is true. Other SQL failures are permanent ({@code isTransient() == false}).
 *
 * <p><b>Retired packs.</b> A pack replaced by a commit leaves {@code listPacks} at once; it stays
 * openable for a grace period (10 minutes), and its rows are deleted at a later commit of the
 * repository once the grace period is over and no {@link dev.artifacts.spi.ReadableFile} on it
 * is open any more (or when the database is next opened).
 *
 * <p>Thread-safe. Opened repositories are cached: {@link #open} returns the same instance until
 * the repository is deleted or the storage closed.
 */
public final class SqliteStorage implements Storage {
  private final Registry registry;

  private SqliteStorage(Registry registry) {
    this.registry = registry;
  }

  /**
   * Opens the database file, creating it (and its parent directories) when missing.
   *
   * @param databaseFile the SQLite file; a relative path is resolved against the current
   *     directory once, here. SQLite keeps {@code <file>-wal} and {@code <file>-shm} beside it,
   *     and this backend the lock file {@code <file>.lock}.
   * @return the storage, holding the file's lock until {@link #close()}
   * @throws StorageException if the file cannot be opened or created, is not a database of this
   *     backend (or of a newer schema version), or another process or instance has it open
   */
  public static SqliteStorage open(Path databaseFile) {
    return open(databaseFile, SqliteOptions.defaults());
  }

  /** {@link #open(Path)} with explicit options (tests, tuning). */
  static SqliteStorage open(Path databaseFile, SqliteOptions options) {
    Objects.requireNonNull(databaseFile, "databaseFile");
    Objects.requireNonNull(options, "options");
    return new SqliteStorage(new Registry(Database.open(databaseFile, options)));
  }

  /** @return the absolute, normalized path of the database file */
  public Path databaseFile() {
    return registry.database().file();
  }

  @Override
  public Optional<RepositoryStore> create(String id) {
    return registry.create(id);
  }

  @Override
  public Optional<RepositoryStore> open(String id) {
    return registry.open(id);
  }

  @Override
  public List<String> list(String afterId, int limit) {
    return registry.list(afterId, limit);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One durable transaction: the fork's registry row and a copy of the parent's ref rows
   * (read in the same transaction, so they are one instant's refs). The parent's existence is
   * checked in the same transaction, so a fork can never race a delete of its parent.
   */
  @Override
  public Optional<RepositoryStore> fork(String parentId, String childId, boolean readOnly) {
    return registry.fork(parentId, childId, readOnly);
  }

  @Override
  public List<String> forks(String id) {
    return registry.forks(id);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One durable transaction removes the registry row, the pack, file and chunk rows, the refs
   * and the repository's tokens; whether forks exist is checked in the same transaction, so a
   * concurrent fork either commits first (and the result is {@link DeleteResult#HAS_FORKS}) or
   * finds the parent gone.
   */
  @Override
  public DeleteResult delete(String id) {
    return registry.delete(id);
  }

  @Override
  public TokenStore tokens() {
    return registry.tokens();
  }

  /**
   * Waits for the write in progress, closes the connections and releases the lock file. Every
   * later call, also on repositories and files obtained before, fails with {@link
   * StorageException}. Never throws; closing twice is harmless.
   */
  @Override
  public void close() {
    registry.close();
  }

  @Override
  public String toString() {
    return "SqliteStorage[" + databaseFile() + "]";
  }
}
