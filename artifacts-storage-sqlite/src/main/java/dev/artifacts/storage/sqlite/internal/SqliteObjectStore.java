package dev.artifacts.storage.sqlite.internal;

import dev.artifacts.spi.ObjectStore;
import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.ReadableFile;
import dev.artifacts.spi.WritableFile;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packs of one repository.
 *
 * <p>A committed pack is a row of {@code packs} plus one row of {@code files} per file ({@code
 * committed = 1}), whose bytes are rows of {@code chunks}, 64 KiB each, keyed {@code fid << 24 |
 * seq}. A file being written is invisible: its full chunks are inserted as staging rows ({@code
 * committed = 0}, nothing refers to them) in batches as they accumulate, the rest stays in memory.
 * {@link #commit} is one durable transaction that inserts the remaining chunks, flips the staging
 * rows to committed, inserts the pack rows and marks replaced packs retired; the in-memory set of
 * visible packs is replaced after the commit.
 *
 * <p>Retired packs leave {@link #listPacks} at the commit but stay openable for the grace period
 * ({@link SqliteOptions#retiredGrace()}); their rows are deleted afterwards, at a later commit of
 * this repository, as soon as no {@link ReadableFile} opened on them is still open. Rows of
 * retired packs left by an earlier process are deleted when the database is opened.
 */
public final class SqliteObjectStore implements ObjectStore {
  private static final Logger LOG = LoggerFactory.getLogger(SqliteObjectStore.class);

  /** A committed file: its id and exact length. */
  record FileRef(long fid, long length) {}

  private record Key(String pack, String ext) {}

  /** A committed pack, visible or retired, with the count of open readers of its files. */
  static final class Pack {
    final PackDescriptor descriptor;
    final Map<String, FileRef> files;
    /** Guarded by {@code this}. */
    private int handles;
    /** Guarded by {@code this}: set when retired; after it, {@link #open} refuses the pack. */
    private long graceDeadlineNanos = Long.MAX_VALUE;
    private boolean retired;
    /** Guarded by {@code this}: its rows are being (or were) deleted. */
    private boolean purging;

    Pack(PackDescriptor descriptor, Map<String, FileRef> files) {
      this.descriptor = descriptor;
      this.files = Map.copyOf(files);
    }

    synchronized boolean acquire(long nowNanos) {
      if (purging || (retired && nowNanos - graceDeadlineNanos >= 0)) {
        return false;
      }
      handles++;
      return true;
    }

    synchronized void release() {
      handles--;
    }

    synchronized void retire(long deadlineNanos) {
      retired = true;
      graceDeadlineNanos = deadlineNanos;
    }

    /** @return true when the caller may delete the rows now (and must call {@link #unpurge} if that fails) */
    synchronized boolean startPurge(long nowNanos, boolean force) {
      if (force) {
        graceDeadlineNanos = Math.min(graceDeadlineNanos, nowNanos);
      }
      if (purging || handles > 0 || nowNanos - graceDeadlineNanos < 0) {
        return false;
      }
      purging = true;
      return true;
    }

    synchronized void unpurge() {
      purging = false;
    }
  }

  private final SqliteRepository repo;
  private final Object commitLock = new Object();
  /** Visible packs by name; never modified after publication. */
  private volatile Map<String, Pack> visible;
  private final Map<String, Pack> retired = new ConcurrentHashMap<>();
  private final Map<Key, SqliteWritableFile> pending = new ConcurrentHashMap<>();

  SqliteObjectStore(SqliteRepository repo, Map<String, Pack> packs) {
    this.repo = repo;
    this.visible = Collections.unmodifiableMap(new LinkedHashMap<>(packs));
  }

  /** Reads the visible packs of repository {@code rid}. */
  static Map<String, Pack> load(Conn c, long rid) throws SQLException {
    Map<String, Map<String, FileRef>> files = new HashMap<>();
    Map<String, Long> lengths;
    PreparedStatement q =
        c.prepare("SELECT pack, ext, fid, length FROM files WHERE rid = ? AND committed = 1");
    q.setLong(1, rid);
    try (ResultSet rs = q.executeQuery()) {
      while (rs.next()) {
        files
            .computeIfAbsent(rs.getString(1), k -> new HashMap<>())
            .put(rs.getString(2), new FileRef(rs.getLong(3), rs.getLong(4)));
      }
    }
    Map<String, Pack> packs = new LinkedHashMap<>();
    q =
        c.prepare(
            "SELECT name, source, object_count, created_millis FROM packs"
                + " WHERE rid = ? AND retired_millis IS NULL ORDER BY created_millis, name");
    q.setLong(1, rid);
    try (ResultSet rs = q.executeQuery()) {
      while (rs.next()) {
        String name = rs.getString(1);
        Map<String, FileRef> f = files.getOrDefault(name, Map.of());
        lengths = new HashMap<>();
        for (Map.Entry<String, FileRef> e : f.entrySet()) {
          lengths.put(e.getKey(), e.getValue().length());
        }
        PackDescriptor d =
            new PackDescriptor(name, rs.getString(2), lengths, rs.getLong(3), rs.getLong(4));
        packs.put(name, new Pack(d, f));
      }
    }
    return packs;
  }

  SqliteRepository repo() {
    return repo;
  }

  Database db() {
    return repo.db;
  }

  @Override
  public List<PackDescriptor> listPacks() {
    repo.checkUsable();
    Map<String, Pack> v = visible;
    List<PackDescriptor> out = new ArrayList<>(v.size());
    for (Pack p : v.values()) {
      out.add(p.descriptor);
    }
    return out;
  }

  @Override
  public Optional<ReadableFile> open(String packName, String ext) {
    repo.checkUsable();
    if (packName == null || ext == null) {
      return Optional.empty();
    }
    Pack p = visible.get(packName);
    if (p == null) {
      p = retired.get(packName);
    }
    if (p == null) {
      return Optional.empty();
    }
    FileRef f = p.files.get(ext);
    if (f == null || !p.acquire(System.nanoTime())) {
      return Optional.empty();
    }
    return Optional.of(new SqliteReadableFile(this, p, packName + "." + ext, f.fid(), f.length()));
  }

  @Override
  public WritableFile create(String packName, String ext) {
    Objects.requireNonNull(packName, "packName");
    Objects.requireNonNull(ext, "ext");
    PackDescriptor.requireValidName(packName);
    PackDescriptor.requireValidExtension(ext);
    repo.checkUsable();
    if (visible.containsKey(packName) || retired.containsKey(packName)) {
      throw new IllegalArgumentException(
          "pack " + packName + " is already committed in repository " + repo.id());
    }
    Key key = new Key(packName, ext);
    SqliteWritableFile w = new SqliteWritableFile(this, packName, ext);
    if (pending.putIfAbsent(key, w) != null) {
      throw new IllegalArgumentException(
          "file " + ext + " of pack " + packName + " is already being written");
    }
    return w;
  }

  @Override
  public void commit(Collection<PackDescriptor> added, Collection<String> replaced) {
    Objects.requireNonNull(added, "added");
    Objects.requireNonNull(replaced, "replaced");
    repo.checkUsable();
    List<PackDescriptor> adds = List.copyOf(added);
    List<String> replacing = List.copyOf(replaced);
    synchronized (commitLock) {
      commitLocked(adds, replacing);
    }
    purgeRetired(false);
  }

  private void commitLocked(List<PackDescriptor> added, List<String> replaced) {
    Map<String, Pack> current = visible;
    // 1. validate; nothing touched yet
    Set<String> addedNames = new HashSet<>();
    List<Key> keys = new ArrayList<>();
    List<SqliteWritableFile.Snapshot> snapshots = new ArrayList<>();
    for (PackDescriptor d : added) {
      if (!addedNames.add(d.name())) {
        throw new IllegalArgumentException("pack " + d.name() + " added twice");
      }
      if (current.containsKey(d.name()) || retired.containsKey(d.name())) {
        throw new IllegalArgumentException("pack " + d.name() + " is already committed");
      }
      d.requireWritten(
              ext -> pending.get(new Key(d.name(), ext)),
              SqliteWritableFile::isClosed,
              SqliteWritableFile::length)
          .forEach(
              (ext, w) -> {
                keys.add(new Key(d.name(), ext));
                snapshots.add(w.snapshot());
              });
    }
    List<String> retiring = new ArrayList<>();
    for (String r : replaced) {
      if (r == null) {
        continue;
      }
      if (addedNames.contains(r)) {
        throw new IllegalArgumentException("pack " + r + " is both added and replaced");
      }
      if (current.containsKey(r)) {
        retiring.add(r);
      }
    }
    if (added.isEmpty() && retiring.isEmpty()) {
      return;
    }

    // 2. one durable transaction
    long now = System.currentTimeMillis();
    repo.db.write(
        "commit of packs " + addedNames + " in repository " + repo.id(),
        true,
        tx -> {
          repo.requireExists(tx);
          Map<String, Map<String, FileRef>> committed = new HashMap<>();
          PreparedStatement insPack =
              tx.prepare(
                  "INSERT INTO packs(rid, name, source, object_count, created_millis, retired_millis)"
                      + " VALUES (?, ?, ?, ?, ?, NULL)");
          for (PackDescriptor d : added) {
            insPack.setLong(1, repo.rid);
            insPack.setString(2, d.name());
            insPack.setString(3, d.source());
            insPack.setLong(4, d.objectCount());
            insPack.setLong(5, d.createdMillis());
            insPack.executeUpdate();
            committed.put(d.name(), new HashMap<>());
          }
          for (SqliteWritableFile.Snapshot s : snapshots) {
            long fid = s.commitRows(tx, repo.rid);
            committed.get(s.pack()).put(s.ext(), new FileRef(fid, s.length()));
          }
          PreparedStatement retire =
              tx.prepare(
                  "UPDATE packs SET retired_millis = ? WHERE rid = ? AND name = ?"
                      + " AND retired_millis IS NULL");
          for (String r : retiring) {
            retire.setLong(1, now);
            retire.setLong(2, repo.rid);
            retire.setString(3, r);
            retire.executeUpdate();
          }
          tx.fault(SqliteOptions.FaultInjector.PACK_COMMIT);
          tx.afterCommit(() -> publish(added, committed, retiring, keys));
          return null;
        });

    // 3. files written for an added pack but not named by its descriptor are not part of it
    List<Long> orphans = new ArrayList<>();
    for (Map.Entry<Key, SqliteWritableFile> e : pending.entrySet()) {
      if (addedNames.contains(e.getKey().pack()) && pending.remove(e.getKey(), e.getValue())) {
        long fid = e.getValue().abort();
        if (fid != 0) {
          orphans.add(fid);
        }
      }
    }
    deleteStagingQuietly(orphans);
  }

  /** After-commit hook of a pack commit. */
  private void publish(
      List<PackDescriptor> added,
      Map<String, Map<String, FileRef>> committed,
      List<String> retiring,
      List<Key> keys) {
    Map<String, Pack> current = visible;
    Map<String, Pack> next = new LinkedHashMap<>(current);
    long deadline = System.nanoTime() + repo.db.options().retiredGrace().toNanos();
    for (String r : retiring) {
      Pack p = next.remove(r);
      if (p != null) {
        p.retire(deadline);
        retired.put(r, p);
      }
    }
    for (PackDescriptor d : added) {
      next.put(d.name(), new Pack(d, committed.get(d.name())));
    }
    visible = Collections.unmodifiableMap(next);
    for (Key k : keys) {
      pending.remove(k);
    }
  }

  @Override
  public void rollback(Collection<String> packNames) {
    if (packNames == null) {
      return;
    }
    try {
      Set<String> names = new HashSet<>();
      for (String n : packNames) {
        if (n != null) {
          names.add(n);
        }
      }
      if (names.isEmpty()) {
        return;
      }
      List<Long> fids = new ArrayList<>();
      for (Map.Entry<Key, SqliteWritableFile> e : pending.entrySet()) {
        if (names.contains(e.getKey().pack()) && pending.remove(e.getKey(), e.getValue())) {
          long fid = e.getValue().abort();
          if (fid != 0) {
            fids.add(fid);
          }
        }
      }
      deleteStagingQuietly(fids);
    } catch (RuntimeException e) {
      LOG.warn(
          "repository {}: rollback of {} incomplete (leftovers stay invisible): {}",
          repo.id(), packNames, e.toString());
    }
  }

  /** Deletes staging rows of discarded files; on failure they stay invisible until next open. */
  private void deleteStagingQuietly(List<Long> fids) {
    if (fids.isEmpty()) {
      return;
    }
    try {
      repo.db.write(
          "discarding uncommitted files of repository " + repo.id(),
          false,
          tx -> {
            PreparedStatement d = tx.prepare("DELETE FROM files WHERE fid = ? AND committed = 0");
            for (long fid : fids) {
              Database.deleteChunks(tx, fid);
              d.setLong(1, fid);
              d.executeUpdate();
            }
            return null;
          });
    } catch (RuntimeException e) {
      LOG.warn(
          "repository {}: could not delete uncommitted files {} now (invisible; removed when the"
              + " database is next opened): {}",
          repo.id(), fids, e.toString());
    }
  }

  /** The repository was deleted: in-memory buffers of files being written are dropped. */
  void discardPending() {
    for (Map.Entry<Key, SqliteWritableFile> e : pending.entrySet()) {
      if (pending.remove(e.getKey(), e.getValue())) {
        e.getValue().markAborted();
      }
    }
  }

  /**
   * Deletes the rows of retired packs whose grace period is over and that no reader has open.
   * Never throws: what cannot be deleted now is retried at a later commit.
   *
   * @param force treat every grace period as over (tests, shutdown)
   */
  void purgeRetired(boolean force) {
    long now = System.nanoTime();
    List<Pack> due = new ArrayList<>();
    for (Pack p : retired.values()) {
      if (p.startPurge(now, force)) {
        due.add(p);
      }
    }
    if (due.isEmpty()) {
      return;
    }
    try {
      repo.db.write(
          "deleting retired packs of repository " + repo.id(),
          false,
          tx -> {
            for (Pack p : due) {
              Database.deletePackRows(tx, repo.rid, p.descriptor.name());
            }
            tx.afterCommit(
                () -> {
                  for (Pack p : due) {
                    retired.remove(p.descriptor.name(), p);
                  }
                });
            return null;
          });
    } catch (RuntimeException e) {
      for (Pack p : due) {
        p.unpurge();
      }
      LOG.warn("repository {}: could not delete retired packs now: {}", repo.id(), e.toString());
    }
  }

  /** Deletes every retired pack no reader has open, whatever its grace period (for tests). */
  public void purgeRetiredNow() {
    purgeRetired(true);
  }

  /** @return names of retired packs whose rows are still kept (for tests) */
  public Set<String> retiredNames() {
    return Set.copyOf(retired.keySet());
  }
}
