package dev.artifacts.storage.sqlite.internal;

import dev.artifacts.spi.ObjectStore;
import dev.artifacts.spi.RefStore;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.StorageException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One repository: its registry row ({@code rid}, id, parent, read-only flag) and its object and
 * ref stores, whose committed state is cached in memory (this process is the only writer).
 * Exactly one instance exists per repository while it is cached by {@link Registry}; after
 * {@link #markDeleted()} every call fails with {@link StorageException}.
 */
public final class SqliteRepository implements RepositoryStore {
  final Database db;
  final long rid;
  private final String id;
  private final String parentId;
  private final boolean readOnly;
  private final SqliteObjectStore objects;
  private final SqliteRefStore refs;
  private volatile boolean deleted;

  SqliteRepository(
      Database db,
      long rid,
      String id,
      String parentId,
      boolean readOnly,
      Map<String, SqliteObjectStore.Pack> packs,
      TreeMap<String, RefValue> refs) { // refs null: loaded on first use
    this.db = db;
    this.rid = rid;
    this.id = id;
    this.parentId = parentId;
    this.readOnly = readOnly;
    this.objects = new SqliteObjectStore(this, packs);
    this.refs = new SqliteRefStore(this, refs);
  }

  /**
   * Reads a repository's committed packs and refs. Runs on the writer thread between transactions, so no write
   * of this process interleaves.
   */
  static SqliteRepository load(
      Database db, Conn c, long rid, String id, String parentId, boolean readOnly)
      throws SQLException {
    Map<String, SqliteObjectStore.Pack> packs = SqliteObjectStore.load(c, rid);
    TreeMap<String, RefValue> refs = SqliteRefStore.load(c, rid);
    return new SqliteRepository(db, rid, id, parentId, readOnly, packs, refs);
  }

  @Override
  public String id() {
    return id;
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
  public ObjectStore objects() {
    return objects;
  }

  @Override
  public RefStore refs() {
    return refs;
  }

  /** @throws StorageException when the storage is closed or the repository was deleted */
  void checkUsable() {
    db.checkOpen();
    if (deleted) {
      throw deletedException();
    }
  }

  /**
   * Inside a write transaction: fails when the repository's row is gone, so a write through a
   * stale instance never leaves rows behind for a deleted repository.
   */
  void requireExists(Writer.Tx tx) throws SQLException {
    PreparedStatement q = tx.prepare("SELECT 1 FROM repos WHERE rid = ?");
    q.setLong(1, rid);
    try (ResultSet rs = q.executeQuery()) {
      if (!rs.next()) {
        throw deletedException();
      }
    }
  }

  private StorageException deletedException() {
    return new StorageException("repository " + id + " was deleted", null, false);
  }

  /** Called by the delete's after-commit hook. */
  void markDeleted() {
    deleted = true;
    objects.discardPending();
  }

  @Override
  public String toString() {
    return "SqliteRepository[" + id + (parentId == null ? "" : ", fork of " + parentId) + "]";
  }
}
