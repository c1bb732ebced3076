package dev.artifacts.storage.sqlite.internal;

import dev.artifacts.spi.RefBatchResult;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefStore;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.StorageException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;

/**
 * Refs of one repository: rows of {@code refs (rid, name, oid, peeled, target)}.
 *
 * <p>Reads are served from an immutable in-memory snapshot, loaded on first use (a fork's refs
 * are not read back when it is created: many forks are never read). {@link #apply} runs in a write
 * transaction: it reads each named ref's row, compares it with the expectation, and when all
 * match writes every change, all in the same transaction (compare-and-swap in SQL, linearized by
 * the single writer); the snapshot is replaced after the commit, in commit order.
 *
 * <p>Row encoding: an object ref stores its 20-byte id in {@code oid}; {@code peeled} is NULL
 * when unknown, an empty blob when equal to {@code oid} (a ref known not to point at a tag), or
 * the 20-byte peeled id. A symbolic ref has NULL {@code oid} and {@code peeled} and its target in
 * {@code target}.
 */
final class SqliteRefStore implements RefStore {
  private static final byte[] SAME_AS_OID = new byte[0];

  private final SqliteRepository repo;
  /**
   * Never modified after publication; null until loaded. Written only on the writer thread (by
   * the load and by after-commit hooks), so it follows the commit order.
   */
  private volatile TreeMap<String, RefValue> refs;

  /** @param initial the refs, or null to load them from the database on first use */
  SqliteRefStore(SqliteRepository repo, TreeMap<String, RefValue> initial) {
    this.repo = repo;
    this.refs = initial;
  }

  private TreeMap<String, RefValue> snapshot() {
    TreeMap<String, RefValue> r = refs;
    if (r != null) {
      return r;
    }
    return repo.db.exclusive(
        "loading refs of repository " + repo.id(),
        c -> {
          TreeMap<String, RefValue> loaded = refs;
          if (loaded == null) {
            loaded = load(c, repo.rid);
            refs = loaded;
          }
          return loaded;
        });
  }

  static TreeMap<String, RefValue> load(Conn c, long rid) throws SQLException {
    TreeMap<String, RefValue> out = new TreeMap<>();
    PreparedStatement q = c.prepare("SELECT name, oid, peeled, target FROM refs WHERE rid = ?");
    q.setLong(1, rid);
    try (ResultSet rs = q.executeQuery()) {
      while (rs.next()) {
        out.put(rs.getString(1), decode(rs.getBytes(2), rs.getBytes(3), rs.getString(4)));
      }
    }
    return out;
  }

  @Override
  public Optional<RefValue> get(String name) {
    repo.checkUsable();
    return Optional.ofNullable(snapshot().get(name));
  }

  @Override
  public Map<String, RefValue> list(String prefix) {
    repo.checkUsable();
    TreeMap<String, RefValue> snapshot = snapshot();
    if (prefix.isEmpty()) {
      return Collections.unmodifiableMap(snapshot);
    }
    TreeMap<String, RefValue> out = new TreeMap<>();
    for (Map.Entry<String, RefValue> e : snapshot.tailMap(prefix, true).entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        break;
      }
      out.put(e.getKey(), e.getValue());
    }
    return Collections.unmodifiableMap(out);
  }

  @Override
  public RefBatchResult apply(List<RefChange> changes) {
    Objects.requireNonNull(changes, "changes");
    Set<String> seen = new HashSet<>();
    for (RefChange c : changes) {
      if (!seen.add(c.name())) {
        throw new IllegalArgumentException("batch names ref " + c.name() + " twice");
      }
    }
    repo.checkUsable();
    if (changes.isEmpty()) {
      return RefBatchResult.APPLIED;
    }
    List<RefChange> batch = List.copyOf(changes);
    return repo.db.write(
        "ref update of repository " + repo.id(),
        true,
        tx -> {
          repo.requireExists(tx);
          PreparedStatement q =
              tx.prepare("SELECT oid, peeled, target FROM refs WHERE rid = ? AND name = ?");
          for (RefChange c : batch) {
            q.setLong(1, repo.rid);
            q.setString(2, c.name());
            RefValue current = null;
            try (ResultSet rs = q.executeQuery()) {
              if (rs.next()) {
                current = decode(rs.getBytes(1), rs.getBytes(2), rs.getString(3));
              }
            }
            boolean matches =
                c.expected() == null ? current == null : c.expected().sameTarget(current);
            if (!matches) {
              return new RefBatchResult.Conflict(c.name(), current);
            }
          }
          PreparedStatement put =
              tx.prepare(
                  "INSERT OR REPLACE INTO refs(rid, name, oid, peeled, target) VALUES (?, ?, ?, ?, ?)");
          PreparedStatement del = tx.prepare("DELETE FROM refs WHERE rid = ? AND name = ?");
          for (RefChange c : batch) {
            if (c.newValue() == null) {
              del.setLong(1, repo.rid);
              del.setString(2, c.name());
              del.executeUpdate();
            } else {
              RefValue v = c.newValue();
              put.setLong(1, repo.rid);
              put.setString(2, c.name());
              put.setBytes(3, v.objectId() == null ? null : raw(v.objectId()));
              put.setBytes(4, encodePeeled(v));
              put.setString(5, v.symbolicTarget());
              put.executeUpdate();
            }
          }
          tx.fault(SqliteOptions.FaultInjector.REFS);
          tx.afterCommit(() -> publish(batch));
          return RefBatchResult.APPLIED;
        });
  }

  /** After-commit hook: the new snapshot (nothing to do while none is loaded). */
  private void publish(List<RefChange> batch) {
    TreeMap<String, RefValue> current = refs;
    if (current == null) {
      return;
    }
    TreeMap<String, RefValue> next = new TreeMap<>(current);
    for (RefChange c : batch) {
      if (c.newValue() == null) {
        next.remove(c.name());
      } else {
        next.put(c.name(), c.newValue());
      }
    }
    refs = next;
  }

  static byte[] raw(ObjectId id) {
    byte[] b = new byte[Constants.OBJECT_ID_LENGTH];
    id.copyRawTo(b, 0);
    return b;
  }

  private static byte[] encodePeeled(RefValue v) {
    if (v.peeledId() == null) {
      return null;
    }
    return v.peeledId().equals(v.objectId()) ? SAME_AS_OID : raw(v.peeledId());
  }

  static RefValue decode(byte[] oid, byte[] peeled, String target) {
    if (target != null) {
      return RefValue.symbolic(target);
    }
    if (oid == null
        || oid.length != Constants.OBJECT_ID_LENGTH
        || (peeled != null && peeled.length != 0 && peeled.length != Constants.OBJECT_ID_LENGTH)) {
      throw new StorageException("damaged ref row: no valid object id or symbolic target", null);
    }
    ObjectId id = ObjectId.fromRaw(oid);
    if (peeled == null) {
      return RefValue.of(id);
    }
    return RefValue.peeled(id, peeled.length == 0 ? id : ObjectId.fromRaw(peeled));
  }
}
