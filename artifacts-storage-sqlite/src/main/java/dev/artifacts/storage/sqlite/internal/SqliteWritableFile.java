package dev.artifacts.storage.sqlite.internal;

import dev.artifacts.spi.StorageException;
import dev.artifacts.spi.WritableFile;
import java.nio.ByteBuffer;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Objects;

/**
 * A file of a pack being written. Bytes collect in a memory buffer of {@link #FLUSH_CHUNKS}
 * chunks; when it is full, its chunks are inserted as staging rows (a {@code files} row with
 * {@code committed = 0}, created with the first flush, and its {@code chunks} rows) in one
 * non-durable transaction. Staging rows are invisible: nothing refers to them until the pack's
 * commit flips them; the commit also inserts what is still buffered. A file smaller than the
 * buffer therefore costs no write before its commit.
 *
 * <p>A flush does not block the writing thread: the full buffer is handed to the writer and a
 * second buffer takes the next bytes; the next flush (or a read, or {@link #close}) first waits
 * for the previous one, so at most one is in flight and memory stays at two buffers. A flush
 * that failed makes every later call of this file fail.
 *
 * <p>Used by one thread; {@link #abort} (rollback) may come from another, hence the monitor.
 * After-commit hooks (which run on the writer thread) never take the monitor: a thread holding
 * it may be waiting for the writer.
 */
final class SqliteWritableFile implements WritableFile {
  static final int FLUSH_CHUNKS = 8;
  private static final int FLUSH_BYTES = FLUSH_CHUNKS * Sql.CHUNK_SIZE;

  private final SqliteObjectStore store;
  private final String pack;
  private final String ext;
  private byte[] buf = new byte[8192];
  private int bufLen;
  /** The staging file row, 0 until the first flush completed. */
  private long fid;
  /** Chunks whose staging rows are committed. */
  private long flushedChunks;
  /** The flush in progress (its chunks follow {@link #flushedChunks}), or null. */
  private Writer.Pending<Long> inFlight;
  private byte[] inFlightBuf;
  /** A buffer to reuse, once its flush completed. */
  private byte[] spare;
  private RuntimeException failure;
  private boolean closed;
  /** Volatile: set without the monitor by {@link #markAborted} from an after-commit hook. */
  private volatile boolean aborted;
  private byte[] cachedChunk;
  private long cachedSeq = -1;

  SqliteWritableFile(SqliteObjectStore store, String pack, String ext) {
    this.store = store;
    this.pack = pack;
    this.ext = ext;
  }

  /**
   * What a commit needs of a closed file: its staging row (if any) and the buffered tail. The
   * buffer is not modified after close, so it is shared, not copied.
   */
  record Snapshot(
      String pack, String ext, long fid, long flushedChunks, byte[] tail, int tailLen, long length) {

    /**
     * Inside the commit transaction: makes the file's rows committed and inserts the tail.
     *
     * @return the file id
     */
    long commitRows(Writer.Tx tx, long rid) throws SQLException {
      long id = fid;
      if (id == 0) {
        id = insertFileRow(tx, rid, pack, ext, length, true);
      } else {
        PreparedStatement u =
            tx.prepare(
                "UPDATE files SET length = ?, committed = 1 WHERE fid = ? AND rid = ?"
                    + " AND committed = 0");
        u.setLong(1, length);
        u.setLong(2, id);
        u.setLong(3, rid);
        if (u.executeUpdate() != 1) {
          throw new StorageException(
              "staging rows of file " + pack + "." + ext + " are missing", null, false);
        }
      }
      insertChunks(tx, id, flushedChunks, tail, tailLen);
      return id;
    }
  }

  static long insertFileRow(
      Writer.Tx tx, long rid, String pack, String ext, long length, boolean committed)
      throws SQLException {
    PreparedStatement ins =
        tx.prepare(
            "INSERT INTO files(rid, pack, ext, length, committed) VALUES (?, ?, ?, ?, ?)"
                + " RETURNING fid");
    ins.setLong(1, rid);
    ins.setString(2, pack);
    ins.setString(3, ext);
    ins.setLong(4, length);
    ins.setInt(5, committed ? 1 : 0);
    try (var rs = ins.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Inserts {@code data[0, len)} as chunks {@code firstSeq, firstSeq + 1, ...} of {@code fid}. */
  static void insertChunks(Writer.Tx tx, long fid, long firstSeq, byte[] data, int len)
      throws SQLException {
    if (len == 0) {
      return;
    }
    long chunks = (len + Sql.CHUNK_SIZE - 1) / Sql.CHUNK_SIZE;
    if (firstSeq + chunks > Sql.MAX_CHUNKS_PER_FILE) {
      throw new StorageException(
          "file exceeds " + Sql.MAX_CHUNKS_PER_FILE + " chunks of " + Sql.CHUNK_SIZE + " bytes",
          null,
          false);
    }
    PreparedStatement ins = tx.prepare("INSERT INTO chunks(key, data) VALUES (?, ?)");
    for (int off = 0, seq = 0; off < len; off += Sql.CHUNK_SIZE, seq++) {
      int n = Math.min(Sql.CHUNK_SIZE, len - off);
      ins.setLong(1, Sql.chunkKey(fid, firstSeq + seq));
      ins.setBytes(2, Arrays.copyOfRange(data, off, off + n));
      ins.executeUpdate();
    }
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) {
    Objects.checkFromIndexSize(off, len, b.length);
    checkWritable();
    while (len > 0) {
      if (bufLen == FLUSH_BYTES) {
        flush();
      }
      if (bufLen == buf.length) {
        buf = Arrays.copyOf(buf, Math.min(FLUSH_BYTES, buf.length * 2));
      }
      int n = Math.min(len, buf.length - bufLen);
      System.arraycopy(b, off, buf, bufLen, n);
      bufLen += n;
      off += n;
      len -= n;
    }
  }

  private void checkWritable() {
    if (aborted) {
      throw new IllegalStateException("file " + pack + "." + ext + " was rolled back");
    }
    if (closed) {
      throw new IllegalStateException("file " + pack + "." + ext + " is closed");
    }
    checkFailure();
    store.repo().checkUsable();
  }

  private void checkFailure() {
    if (failure != null) {
      throw new StorageException(
          "file " + pack + "." + ext + " of repository " + store.repo().id()
              + ": an earlier write failed: " + failure.getMessage(),
          failure,
          failure instanceof StorageException se && se.isTransient());
    }
  }

  /** Hands the full buffer to the writer, after the previous flush completed. */
  private void flush() {
    awaitInFlight();
    SqliteRepository repo = store.repo();
    byte[] data = buf;
    long base = flushedChunks;
    long knownFid = fid;
    inFlight =
        store
            .db()
            .writeAsync(
                "writing file " + pack + "." + ext + " of repository " + repo.id(),
                false,
                tx -> {
                  repo.requireExists(tx);
                  tx.fault(SqliteOptions.FaultInjector.STAGE);
                  long f = knownFid;
                  if (f == 0) {
                    f = insertFileRow(tx, repo.rid, pack, ext, 0, false);
                  }
                  insertChunks(tx, f, base, data, FLUSH_BYTES);
                  return f;
                });
    inFlightBuf = data;
    buf = spare != null ? spare : new byte[FLUSH_BYTES];
    spare = null;
    bufLen = 0;
  }

  /** Waits for the flush in flight, if any; rethrows its failure (and remembers it). */
  private void awaitInFlight() {
    if (inFlight == null) {
      checkFailure();
      return;
    }
    try {
      fid = inFlight.get();
      flushedChunks += FLUSH_CHUNKS;
      spare = inFlightBuf;
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    } finally {
      inFlight = null;
      inFlightBuf = null;
    }
  }

  @Override
  public synchronized int read(long position, ByteBuffer dst) {
    if (position < 0) {
      throw new IllegalArgumentException("negative position " + position);
    }
    if (aborted) {
      throw new IllegalStateException("file " + pack + "." + ext + " was rolled back");
    }
    awaitInFlight();
    long total = lengthLocked();
    if (position >= total) {
      return -1;
    }
    long flushedBytes = flushedChunks * Sql.CHUNK_SIZE;
    int count = 0;
    while (dst.hasRemaining() && position < total) {
      int n;
      if (position < flushedBytes) {
        long seq = position / Sql.CHUNK_SIZE;
        int o = (int) (position % Sql.CHUNK_SIZE);
        byte[] c = stagedChunk(seq);
        n = Math.min(dst.remaining(), c.length - o);
        dst.put(c, o, n);
      } else {
        int o = (int) (position - flushedBytes);
        n = Math.min(dst.remaining(), bufLen - o);
        dst.put(buf, o, n);
      }
      position += n;
      count += n;
    }
    return count;
  }

  private byte[] stagedChunk(long seq) {
    if (seq == cachedSeq) {
      return cachedChunk;
    }
    byte[] c = store.db().readChunk("reading back file " + pack + "." + ext, fid, seq);
    if (c == null || c.length != Sql.CHUNK_SIZE) {
      throw new StorageException(
          "file " + pack + "." + ext + " of repository " + store.repo().id()
              + ": staged chunk " + seq + " is missing",
          null,
          false);
    }
    cachedChunk = c;
    cachedSeq = seq;
    return c;
  }

  /**
   * Finishes the file: waits for the flush in flight.
   *
   * @throws StorageException when a flush of this file failed
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    cachedChunk = null;
    if (!aborted) {
      awaitInFlight();
    }
  }

  synchronized boolean isClosed() {
    return closed && !aborted && failure == null && inFlight == null;
  }

  synchronized long length() {
    return lengthLocked();
  }

  private long lengthLocked() {
    return (flushedChunks + (inFlight == null ? 0 : FLUSH_CHUNKS)) * Sql.CHUNK_SIZE + bufLen;
  }

  synchronized Snapshot snapshot() {
    return new Snapshot(pack, ext, fid, flushedChunks, buf, bufLen, lengthLocked());
  }

  /**
   * Discards the file (rollback, or the repository was deleted).
   *
   * @return its staging file id for the caller to delete, or 0 when nothing was flushed
   */
  synchronized long abort() {
    aborted = true;
    closed = true;
    if (inFlight != null) {
      try {
        awaitInFlight(); // learn the staging row's id, so the caller can delete it
      } catch (RuntimeException ignored) {
        // the failed flush left nothing
      }
    }
    buf = new byte[0];
    spare = null;
    bufLen = 0;
    cachedChunk = null;
    return fid;
  }

  /**
   * Marks the file discarded without taking its monitor (the repository was deleted, its rows
   * are gone): called from an after-commit hook, which must never wait for a writing thread.
   */
  void markAborted() {
    aborted = true;
  }
}
