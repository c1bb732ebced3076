package dev.artifacts.storage.sqlite.internal;

import dev.artifacts.spi.StorageException;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

/** Error classification and the layout of chunk keys. */
final class Sql {
  private Sql() {}

  /** Bytes per chunk row: the engine's read block (its JGit block cache uses 64 KiB blocks). */
  static final int CHUNK_SIZE = 64 * 1024;

  /** Bits of a chunk key that number the chunks of one file: 2^24 chunks = 1 TiB per file. */
  static final int SEQ_BITS = 24;

  static final long MAX_CHUNKS_PER_FILE = 1L << SEQ_BITS;

  /** @return the rowid of chunk {@code seq} of file {@code fid} */
  static long chunkKey(long fid, long seq) {
    return (fid << SEQ_BITS) | seq;
  }

  /** @return the first chunk key of file {@code fid} */
  static long firstKey(long fid) {
    return fid << SEQ_BITS;
  }

  /** @return the first chunk key after every chunk of file {@code fid} */
  static long endKey(long fid) {
    return (fid + 1) << SEQ_BITS;
  }

  private static final int SQLITE_BUSY = 5;
  private static final int SQLITE_LOCKED = 6;

  /**
   * @return true when {@code e} (or a cause) is SQLITE_BUSY or SQLITE_LOCKED, with any extended
   *     code: another connection or process holds a lock; retrying later may succeed
   */
  static boolean isBusy(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.sqlite.SQLiteException se) {
        int primary = se.getResultCode().code & 0xff;
        if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
          return true;
        }
      }
      if (t instanceof SQLException s) {
        int primary = s.getErrorCode() & 0xff;
        if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
          return true;
        }
        String m = s.getMessage();
        if (m != null && (m.contains("SQLITE_BUSY") || m.contains("SQLITE_LOCKED"))) {
          return true;
        }
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /** @return {@code e} as the backend's failure: transient exactly when the database was busy */
  static StorageException failure(String what, SQLException e) {
    boolean busy = isBusy(e);
    return new StorageException(
        what + (busy ? ": database busy or locked (retried, still busy): " : ": ") + e.getMessage(),
        e,
        busy);
  }

  /**
   * Sleeps before the next attempt of an operation that found the database busy: 2, 4, 8 ... 64
   * ms, never past the budget.
   *
   * @return false when the budget is spent (or the thread was interrupted): give up
   */
  static boolean backoff(long startNanos, int attempt, long budgetNanos) {
    long elapsed = System.nanoTime() - startNanos;
    if (elapsed >= budgetNanos) {
      return false;
    }
    long sleep =
        Math.min(TimeUnit.MILLISECONDS.toNanos(2L << Math.min(attempt, 5)), budgetNanos - elapsed);
    try {
      TimeUnit.NANOSECONDS.sleep(sleep);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
