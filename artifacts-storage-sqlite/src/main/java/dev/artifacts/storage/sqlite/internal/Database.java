package dev.artifacts.storage.sqlite.internal;

import dev.artifacts.spi.StorageException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database file: one writer connection (behind {@link Writer}, which serializes and
 * group-commits every change) and a small pool of read-only connections that run in parallel
 * under WAL. Owns the sidecar lock file that keeps a second process (or instance) away.
 */
public final class Database {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  /** {@code PRAGMA application_id} of our files: "ARTF". */
  static final int APPLICATION_ID = 0x41525446;

  /** {@code PRAGMA user_version}: the schema version this code reads and writes. */
  static final int SCHEMA_VERSION = 1;

  static final List<String> SCHEMA =
      List.of(
          """
          CREATE TABLE repos(
            rid INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            parent_rid INTEGER,
            read_only INTEGER NOT NULL,
            created INTEGER NOT NULL)""",
          "CREATE INDEX repos_by_parent ON repos(parent_rid) WHERE parent_rid IS NOT NULL",
          """
          CREATE TABLE refs(
            rid INTEGER NOT NULL,
            name TEXT NOT NULL,
            oid BLOB,
            peeled BLOB,
            target TEXT,
            PRIMARY KEY(rid, name)) WITHOUT ROWID""",
          """
          CREATE TABLE packs(
            rid INTEGER NOT NULL,
            name TEXT NOT NULL,
            source TEXT NOT NULL,
            object_count INTEGER NOT NULL,
            created_millis INTEGER NOT NULL,
            retired_millis INTEGER,
            PRIMARY KEY(rid, name)) WITHOUT ROWID""",
          """
          CREATE TABLE files(
            fid INTEGER PRIMARY KEY AUTOINCREMENT,
            rid INTEGER NOT NULL,
            pack TEXT NOT NULL,
            ext TEXT NOT NULL,
            length INTEGER NOT NULL,
            committed INTEGER NOT NULL)""",
          "CREATE INDEX files_by_pack ON files(rid, pack, ext)",
          "CREATE TABLE chunks(key INTEGER PRIMARY KEY, data BLOB NOT NULL)",
          """
          CREATE TABLE tokens(
            hash TEXT PRIMARY KEY,
            repo TEXT NOT NULL,
            scope TEXT NOT NULL,
            created_millis INTEGER NOT NULL,
            expires_millis INTEGER NOT NULL) WITHOUT ROWID""",
          "CREATE INDEX tokens_by_repo ON tokens(repo)");

  /** Work run on a read-only connection. */
  @FunctionalInterface
  public interface ReadOp<T> {
    T run(Conn conn) throws SQLException;
  }

  private final Path file;
  private final SqliteOptions options;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Writer writer;
  private final ArrayBlockingQueue<Conn> readers;
  private final int readerCount;
  private volatile boolean closed;

  private Database(
      Path file,
      SqliteOptions options,
      FileChannel lockChannel,
      FileLock lock,
      Writer writer,
      List<Conn> readerConns) {
    this.file = file;
    this.options = options;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.writer = writer;
    this.readerCount = readerConns.size();
    this.readers = new ArrayBlockingQueue<>(readerConns.size(), false, readerConns);
  }

  /**
   * Opens (creating when missing) the database file, takes the sidecar lock {@code <file>.lock},
   * creates or checks the schema, and removes leftovers of interrupted writes (staging rows and
   * retired packs of an earlier process).
   *
   * @throws StorageException when the file is locked by another instance, is not a database of
   *     this backend, has an unknown schema version, or cannot be opened
   */
  public static Database open(Path databaseFile, SqliteOptions options) {
    Path file = databaseFile.toAbsolutePath().normalize();
    Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
    FileChannel ch = null;
    FileLock lock = null;
    Conn writerConn = null;
    List<Conn> readerConns = new ArrayList<>();
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new StorageException(
            "SQLite database " + file + " is in use by another process or storage instance (lock"
                + " held on " + lockFile + "); one database file must be served by one process",
            null);
      }
      writerConn = Conn.open(file.toString());
      initialize(writerConn, file);
      Writer writer = new Writer(writerConn, options, file);
      for (int i = 0; i < options.readers(); i++) {
        Conn r = Conn.open(file.toString());
        readerConns.add(r);
        r.exec("PRAGMA busy_timeout=50");
        r.exec("PRAGMA query_only=ON");
        r.exec("PRAGMA mmap_size=" + options.mmapBytes());
        r.exec("PRAGMA temp_store=MEMORY");
      }
      Database db = new Database(file, options, ch, lock, writer, readerConns);
      db.removeLeftovers();
      return db;
    } catch (IOException | SQLException | RuntimeException e) {
      for (Conn r : readerConns) {
        r.close();
      }
      if (writerConn != null) {
        writerConn.close();
      }
      if (lock != null) {
        try {
          lock.release();
        } catch (IOException ignored) {
          // closing the channel releases it too
        }
      }
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException ignored) {
          // nothing left to do
        }
      }
      if (e instanceof StorageException se) {
        throw se;
      }
      if (e instanceof SQLException se) {
        throw Sql.failure("cannot open SQLite database " + file, se);
      }
      throw new StorageException("cannot open SQLite database " + file + ": " + e, e);
    }
  }

  private static void initialize(Conn c, Path file) throws SQLException {
    c.exec("PRAGMA busy_timeout=50");
    long tables = c.queryLong("SELECT count(*) FROM sqlite_schema");
    long appId = c.queryLong("PRAGMA application_id");
    long version = c.queryLong("PRAGMA user_version");
    if (tables == 0 && version == 0) {
      c.exec("PRAGMA page_size=4096");
    } else if (appId != APPLICATION_ID) {
      throw new StorageException(
          file + " is an SQLite database of another application (application_id " + appId + ")",
          null);
    } else if (version != SCHEMA_VERSION) {
      throw new StorageException(
          file + " has schema version " + version + "; this version of the backend reads "
              + SCHEMA_VERSION,
          null);
    }
    String mode = c.queryString("PRAGMA journal_mode=WAL");
    if (!"wal".equalsIgnoreCase(mode)) {
      throw new StorageException(
          "cannot switch " + file + " to WAL mode (journal_mode is " + mode + ")", null);
    }
    // the writer fsyncs the WAL itself before acknowledging a durable change (see Writer)
    c.exec("PRAGMA synchronous=NORMAL");
    c.exec("PRAGMA temp_store=MEMORY");
    c.exec("PRAGMA cache_size=-16384");
    c.exec("PRAGMA journal_size_limit=67108864");
    if (tables == 0 && version == 0) {
      c.exec("BEGIN IMMEDIATE");
      try {
        for (String ddl : SCHEMA) {
          c.exec(ddl);
        }
        c.exec("PRAGMA application_id=" + APPLICATION_ID);
        c.exec("PRAGMA user_version=" + SCHEMA_VERSION);
        c.exec("COMMIT");
      } catch (SQLException | RuntimeException e) {
        try {
          c.exec("ROLLBACK");
        } catch (SQLException ignored) {
          // the transaction is gone already
        }
        throw e;
      }
    }
  }

  /**
   * Staging files (uncommitted writes of a process that stopped) and retired packs (no reader
   * of an earlier process can still need them) are deleted. Neither was ever visible.
   */
  private void removeLeftovers() {
    int[] removed =
        write(
            "removing leftovers of interrupted writes",
            true,
            tx -> {
              int staging = 0;
              List<Long> fids = new ArrayList<>();
              PreparedStatement q = tx.prepare("SELECT fid FROM files WHERE committed = 0");
              try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                  fids.add(rs.getLong(1));
                }
              }
              for (long fid : fids) {
                deleteChunks(tx, fid);
                staging++;
              }
              tx.prepare("DELETE FROM files WHERE committed = 0").executeUpdate();
              List<Object[]> retired = new ArrayList<>();
              q = tx.prepare("SELECT rid, name FROM packs WHERE retired_millis IS NOT NULL");
              try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                  retired.add(new Object[] {rs.getLong(1), rs.getString(2)});
                }
              }
              for (Object[] r : retired) {
                deletePackRows(tx, (Long) r[0], (String) r[1]);
              }
              return new int[] {staging, retired.size()};
            });
    if (removed[0] > 0 || removed[1] > 0) {
      LOG.info(
          "{}: removed {} uncommitted files and {} retired packs left by an earlier process",
          file, removed[0], removed[1]);
    }
  }

  /** Deletes every chunk of file {@code fid}: one range delete on the rowid. */
  static void deleteChunks(Writer.Tx tx, long fid) throws SQLException {
    PreparedStatement d = tx.prepare("DELETE FROM chunks WHERE key >= ? AND key < ?");
    d.setLong(1, Sql.firstKey(fid));
    d.setLong(2, Sql.endKey(fid));
    d.executeUpdate();
  }

  /** Deletes a pack's row, its file rows and their chunks. */
  static void deletePackRows(Writer.Tx tx, long rid, String pack) throws SQLException {
    PreparedStatement q = tx.prepare("SELECT fid FROM files WHERE rid = ? AND pack = ?");
    q.setLong(1, rid);
    q.setString(2, pack);
    List<Long> fids = new ArrayList<>();
    try (ResultSet rs = q.executeQuery()) {
      while (rs.next()) {
        fids.add(rs.getLong(1));
      }
    }
    for (long fid : fids) {
      deleteChunks(tx, fid);
    }
    PreparedStatement d = tx.prepare("DELETE FROM files WHERE rid = ? AND pack = ?");
    d.setLong(1, rid);
    d.setString(2, pack);
    d.executeUpdate();
    d = tx.prepare("DELETE FROM packs WHERE rid = ? AND name = ?");
    d.setLong(1, rid);
    d.setString(2, pack);
    d.executeUpdate();
  }

  /** @return the absolute, normalized database file */
  public Path file() {
    return file;
  }

  public SqliteOptions options() {
    return options;
  }

  /** @throws StorageException when the database was closed */
  public void checkOpen() {
    if (closed) {
      throw new StorageException("SQLite storage " + file + " is closed", null, false);
    }
  }

  /**
   * Runs {@code op} on a pooled read-only connection; it sees the latest committed state.
   * Busy errors are retried with backoff for the busy budget, then surface as a transient
   * {@link StorageException}; other SQL errors as a permanent one.
   */
  public <T> T read(String what, ReadOp<T> op) {
    checkOpen();
    Conn c;
    try {
      c = readers.poll(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException(what + ": interrupted while waiting for a connection", e, true);
    }
    if (c == null) {
      throw new StorageException(what + ": no read connection free for a minute", null, true);
    }
    try {
      long start = System.nanoTime();
      int attempt = 0;
      while (true) {
        try {
          return op.run(c);
        } catch (SQLException e) {
          if (!Sql.isBusy(e)
              || !Sql.backoff(start, attempt++, options.busyBudget().toNanos())) {
            throw Sql.failure(what, e);
          }
        }
      }
    } finally {
      if (closed) {
        c.close();
      } else {
        readers.add(c);
      }
    }
  }

  /**
   * Reads one chunk: a single SELECT by rowid.
   *
   * @return the chunk's bytes, or null when there is no such row
   */
  byte[] readChunk(String what, long fid, long seq) {
    return read(
        what,
        c -> {
          PreparedStatement q = c.prepare("SELECT data FROM chunks WHERE key = ?");
          q.setLong(1, Sql.chunkKey(fid, seq));
          try (ResultSet rs = q.executeQuery()) {
            return rs.next() ? rs.getBytes(1) : null;
          }
        });
  }

  /** See {@link Writer#submit}. */
  public <T> T write(String what, boolean durable, Writer.Op<T> op) {
    checkOpen();
    return writer.submit(what, durable, op);
  }

  /** See {@link Writer#submitAsync}. */
  <T> Writer.Pending<T> writeAsync(String what, boolean durable, Writer.Op<T> op) {
    checkOpen();
    return writer.submitAsync(what, durable, op);
  }

  /** See {@link Writer#exclusive}. */
  public <T> T exclusive(String what, Writer.Exclusive<T> work) {
    checkOpen();
    return writer.exclusive(what, work);
  }

  /**
   * Waits for the write in progress, closes every connection (read connections in use are
   * closed when returned) and releases the lock file. Never throws; closing twice is harmless.
   */
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      writer.close();
      for (int i = 0; i < readerCount; i++) {
        Conn c = readers.poll(5, TimeUnit.SECONDS);
        if (c == null) {
          LOG.warn("{}: a read connection is still in use at close", file);
          break;
        }
        c.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.warn("error while closing {}: {}", file, e.toString());
    } finally {
      try {
        lock.release();
      } catch (IOException | RuntimeException e) {
        LOG.debug("lock release failed: {}", e.toString());
      }
      try {
        lockChannel.close();
      } catch (IOException e) {
        LOG.debug("lock file close failed: {}", e.toString());
      }
    }
  }
}
