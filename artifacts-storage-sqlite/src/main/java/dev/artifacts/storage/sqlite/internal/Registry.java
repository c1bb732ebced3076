package dev.artifacts.storage.sqlite.internal;

import dev.artifacts.spi.DeleteResult;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryIds;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.TokenStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The repository registry ({@code repos} rows) and the cache of opened repositories; the
 * implementation behind {@code SqliteStorage}.
 *
 * <p>Every change (create, fork, delete) is one durable write transaction that checks its
 * preconditions in SQL, so create, fork and delete are linearized by the single writer: a fork
 * and a delete of its parent can never both succeed. The cache of {@link SqliteRepository}
 * instances is changed only by after-commit hooks and by loads, both on the writer thread, so it
 * always reflects the committed registry, in commit order.
 */
public final class Registry {
  private final Database db;
  private final Map<String, SqliteRepository> cache = new ConcurrentHashMap<>();
  private final SqliteTokenStore tokens;

  public Registry(Database db) {
    this.db = db;
    this.tokens = new SqliteTokenStore(db);
  }

  public Database database() {
    return db;
  }

  public Optional<RepositoryStore> create(String id) {
    RepositoryIds.requireValid(id);
    db.checkOpen();
    long now = System.currentTimeMillis();
    return db.write(
        "creating repository " + id,
        true,
        tx -> {
          if (ridOf(tx, id) != 0) {
            return Optional.empty();
          }
          long rid = insertRepo(tx, id, 0, false, now);
          tx.fault(SqliteOptions.FaultInjector.CREATE);
          SqliteRepository repo =
              new SqliteRepository(db, rid, id, null, false, Map.of(), new TreeMap<>());
          tx.afterCommit(() -> cache.put(id, repo));
          return Optional.of(repo);
        });
  }

  public Optional<RepositoryStore> open(String id) {
    RepositoryIds.requireValid(id);
    db.checkOpen();
    SqliteRepository cached = cache.get(id);
    if (cached != null) {
      return Optional.of(cached);
    }
    // cheap negative answer without a trip to the writer thread
    boolean exists =
        db.read(
            "looking up repository " + id,
            c -> {
              PreparedStatement q = c.prepare("SELECT 1 FROM repos WHERE id = ?");
              q.setString(1, id);
              try (ResultSet rs = q.executeQuery()) {
                return rs.next();
              }
            });
    if (!exists) {
      return Optional.empty();
    }
    // load while no write commits, so no change can slip between the load and the caching
    return db.exclusive(
        "loading repository " + id,
        c -> {
          SqliteRepository again = cache.get(id);
          if (again != null) {
            return Optional.of(again);
          }
          PreparedStatement q =
              c.prepare(
                  "SELECT r.rid, p.id, r.read_only FROM repos r"
                      + " LEFT JOIN repos p ON p.rid = r.parent_rid WHERE r.id = ?");
          q.setString(1, id);
          long rid;
          String parent;
          boolean readOnly;
          try (ResultSet rs = q.executeQuery()) {
            if (!rs.next()) {
              return Optional.empty();
            }
            rid = rs.getLong(1);
            parent = rs.getString(2);
            readOnly = rs.getInt(3) != 0;
          }
          SqliteRepository repo = SqliteRepository.load(db, c, rid, id, parent, readOnly);
          cache.put(id, repo);
          return Optional.of(repo);
        });
  }

  public List<String> list(String afterId, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
    db.checkOpen();
    return db.read(
        "listing repositories",
        c -> {
          PreparedStatement q = c.prepare("SELECT id FROM repos WHERE id > ? ORDER BY id LIMIT ?");
          q.setString(1, afterId == null ? "" : afterId);
          q.setInt(2, limit);
          List<String> out = new ArrayList<>();
          try (ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
              out.add(rs.getString(1));
            }
          }
          return out;
        });
  }

  public Optional<RepositoryStore> fork(String parentId, String childId, boolean readOnly) {
    RepositoryIds.requireValid(parentId);
    RepositoryIds.requireValid(childId);
    db.checkOpen();
    long now = System.currentTimeMillis();
    return db.write(
        "forking repository " + parentId + " as " + childId,
        true,
        tx -> {
          PreparedStatement ids =
              tx.prepare(
                  "SELECT (SELECT rid FROM repos WHERE id = ?), EXISTS (SELECT 1 FROM repos WHERE id = ?)");
          ids.setString(1, parentId);
          ids.setString(2, childId);
          long parentRid;
          boolean childExists;
          try (ResultSet rs = ids.executeQuery()) {
            rs.next();
            parentRid = rs.getLong(1);
            childExists = rs.getInt(2) != 0;
          }
          if (parentRid == 0) {
            throw new IllegalArgumentException("no repository '" + parentId + "' to fork");
          }
          if (childExists) {
            return Optional.empty();
          }
          long rid = insertRepo(tx, childId, parentRid, readOnly, now);
          PreparedStatement copy =
              tx.prepare(
                  "INSERT INTO refs(rid, name, oid, peeled, target)"
                      + " SELECT ?, name, oid, peeled, target FROM refs WHERE rid = ?");
          copy.setLong(1, rid);
          copy.setLong(2, parentRid);
          copy.executeUpdate();
          tx.fault(SqliteOptions.FaultInjector.FORK);
          SqliteRepository repo =
              new SqliteRepository(db, rid, childId, parentId, readOnly, Map.of(), null);
          tx.afterCommit(() -> cache.put(childId, repo));
          return Optional.of(repo);
        });
  }

  public List<String> forks(String id) {
    RepositoryIds.requireValid(id);
    db.checkOpen();
    return db.read(
        "listing forks of " + id,
        c -> {
          PreparedStatement q =
              c.prepare(
                  "SELECT id FROM repos WHERE parent_rid = (SELECT rid FROM repos WHERE id = ?)"
                      + " ORDER BY id");
          q.setString(1, id);
          List<String> out = new ArrayList<>();
          try (ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
              out.add(rs.getString(1));
            }
          }
          return out;
        });
  }

  public DeleteResult delete(String id) {
    RepositoryIds.requireValid(id);
    db.checkOpen();
    return db.write(
        "deleting repository " + id,
        true,
        tx -> {
          long rid = ridOf(tx, id);
          if (rid == 0) {
            return DeleteResult.NOT_FOUND;
          }
          PreparedStatement q = tx.prepare("SELECT 1 FROM repos WHERE parent_rid = ? LIMIT 1");
          q.setLong(1, rid);
          try (ResultSet rs = q.executeQuery()) {
            if (rs.next()) {
              return DeleteResult.HAS_FORKS;
            }
          }
          List<Long> fids = new ArrayList<>();
          q = tx.prepare("SELECT fid FROM files WHERE rid = ?");
          q.setLong(1, rid);
          try (ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
              fids.add(rs.getLong(1));
            }
          }
          for (long fid : fids) {
            Database.deleteChunks(tx, fid);
          }
          for (String sql :
              List.of(
                  "DELETE FROM files WHERE rid = ?",
                  "DELETE FROM packs WHERE rid = ?",
                  "DELETE FROM refs WHERE rid = ?",
                  "DELETE FROM repos WHERE rid = ?")) {
            PreparedStatement d = tx.prepare(sql);
            d.setLong(1, rid);
            d.executeUpdate();
          }
          PreparedStatement d = tx.prepare("DELETE FROM tokens WHERE repo = ?");
          d.setString(1, id);
          d.executeUpdate();
          tx.fault(SqliteOptions.FaultInjector.DELETE);
          tx.afterCommit(
              () -> {
                SqliteRepository gone = cache.remove(id);
                if (gone != null) {
                  gone.markDeleted();
                }
              });
          return DeleteResult.DELETED;
        });
  }

  public TokenStore tokens() {
    return tokens;
  }

  /** Closes the database; cached repositories fail from now on. Never throws. */
  public void close() {
    db.close();
    cache.clear();
  }

  /** @return the rid of repository {@code id}, or 0 when there is none */
  private static long ridOf(Writer.Tx tx, String id) throws SQLException {
    PreparedStatement q = tx.prepare("SELECT rid FROM repos WHERE id = ?");
    q.setString(1, id);
    try (ResultSet rs = q.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  private static long insertRepo(
      Writer.Tx tx, String id, long parentRid, boolean readOnly, long now) throws SQLException {
    PreparedStatement ins =
        tx.prepare(
            "INSERT INTO repos(id, parent_rid, read_only, created) VALUES (?, ?, ?, ?) RETURNING rid");
    ins.setString(1, id);
    if (parentRid == 0) {
      ins.setNull(2, java.sql.Types.INTEGER);
    } else {
      ins.setLong(2, parentRid);
    }
    ins.setInt(3, readOnly ? 1 : 0);
    ins.setLong(4, now);
    try (ResultSet rs = ins.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
