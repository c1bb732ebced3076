package dev.artifacts.storage.sqlite.internal;

import dev.artifacts.spi.StorageException;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer connection, with group commit.
 *
 * <p>Every change to the database is an {@link Op} submitted here. Ops are queued; the thread
 * that holds the writer lock (the "leader", one of the submitting threads) takes every queued op,
 * runs them in one {@code BEGIN IMMEDIATE} transaction, each inside its own savepoint (an op that
 * fails is undone alone and reports its own failure), and commits once: with {@code
 * synchronous=FULL} when any op of the batch needs durability, so one fsync of the WAL covers
 * the whole batch. Then it runs the ops' {@linkplain Tx#afterCommit after-commit hooks} in
 * order (they publish the change to the in-memory caches, so caches follow the commit order)
 * and completes the ops. Threads whose op a leader ran find it done when they get the lock.
 *
 * <p>Ops must not change shared Java state while running: a busy database makes the leader roll
 * the batch back and run it again; only hooks, which run once after the commit, may.
 *
 * <p>SQLITE_BUSY / SQLITE_LOCKED (another process holds a lock) roll the batch back and retry it
 * with backoff for up to {@link SqliteOptions#busyBudget()}; then every op fails with a
 * transient {@link StorageException}.
 */
final class Writer {
  private static final Logger LOG = LoggerFactory.getLogger(Writer.class);
  private static final int MAX_BATCH = 256;

  /** One unit of work run inside the writer's transaction. */
  @FunctionalInterface
  interface Op<T> {
    T run(Tx tx) throws SQLException;
  }

  /** Work run on the writer connection while no write can happen, outside a transaction. */
  @FunctionalInterface
  interface Exclusive<T> {
    T run(Conn conn) throws SQLException;
  }

  /** What an op sees: the writer connection's statements, and a place to leave hooks. */
  static final class Tx {
    private final Conn conn;
    private final SqliteOptions.FaultInjector faults;
    private final List<Runnable> hooks = new ArrayList<>(2);

    private Tx(Conn conn, SqliteOptions.FaultInjector faults) {
      this.conn = conn;
      this.faults = faults;
    }

    PreparedStatement prepare(String sql) throws SQLException {
      return conn.prepare(sql);
    }

    /** Runs {@code hook} after the transaction committed, in commit order, under the writer lock. */
    void afterCommit(Runnable hook) {
      hooks.add(hook);
    }

    void fault(String point) throws SQLException {
      faults.at(point);
    }
  }

  private static final class Task<T> {
    final String what;
    final boolean durable;
    final Op<T> op;
    T result;
    RuntimeException failure;
    List<Runnable> hooks = List.of();
    boolean done;

    Task(String what, boolean durable, Op<T> op) {
      this.what = what;
      this.durable = durable;
      this.op = op;
    }

    void run(Tx tx) throws SQLException {
      result = op.run(tx);
    }

    void reset() {
      result = null;
      failure = null;
      hooks = List.of();
    }

    T outcome() {
      RuntimeException f = failure;
      if (f == null) {
        return result;
      }
      // rethrown in the submitting thread, so its stack shows the caller
      if (f instanceof StorageException se) {
        throw new StorageException(se.getMessage(), se, se.isTransient());
      }
      if (f instanceof IllegalArgumentException) {
        throw new IllegalArgumentException(f.getMessage(), f);
      }
      if (f instanceof IllegalStateException) {
        throw new IllegalStateException(f.getMessage(), f);
      }
      throw f;
    }
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final ConcurrentLinkedQueue<Task<?>> queue = new ConcurrentLinkedQueue<>();
  private final Conn conn;
  private final SqliteOptions options;
  private final String file;
  /** The connection's current {@code synchronous} setting: null unknown, true FULL, false NORMAL. */
  private Boolean fullSync;
  private boolean closed;

  Writer(Conn conn, SqliteOptions options, String file) {
    this.conn = conn;
    this.options = options;
    this.file = file;
  }

  /**
   * Runs {@code op} in a write transaction (possibly together with ops of other threads) and
   * returns its result once committed.
   *
   * @param durable true when the change must survive power loss once this returns ({@code
   *     synchronous=FULL}); false for data nothing refers to yet (staging rows, purges)
   * @throws StorageException when the op or the commit failed; nothing of the op is applied then
   */
  <T> T submit(String what, boolean durable, Op<T> op) {
    Task<T> task = new Task<>(what, durable, op);
    queue.add(task);
    lock.lock();
    try {
      while (!task.done) {
        runBatch();
      }
    } finally {
      lock.unlock();
    }
    return task.outcome();
  }

  /**
   * Runs {@code work} on the writer connection while holding the writer lock: no write of this
   * process commits meanwhile, and no after-commit hook runs. Used to load a repository into the
   * cache consistently.
   */
  <T> T exclusive(String what, Exclusive<T> work) {
    lock.lock();
    try {
      if (closed) {
        throw closedException();
      }
      long start = System.nanoTime();
      int attempt = 0;
      while (true) {
        try {
          return work.run(conn);
        } catch (SQLException e) {
          if (!Sql.isBusy(e) || !backoff(start, attempt++)) {
            throw Sql.failure(what, e);
          }
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Fails queued ops and closes the connection; waits for a batch in progress. Never throws. */
  void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      Task<?> t;
      while ((t = queue.poll()) != null) {
        t.failure = closedException();
        t.done = true;
      }
      try {
        // leave a small WAL behind; the last connection to close checkpoints anyway
        conn.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      } catch (SQLException | RuntimeException e) {
        LOG.debug("final checkpoint of {} failed: {}", file, e.toString());
      }
      conn.close();
    } finally {
      lock.unlock();
    }
  }

  private StorageException closedException() {
    return new StorageException("SQLite storage " + file + " is closed", null, false);
  }

  /** Called with the lock held: runs one batch of queued ops to completion. */
  private void runBatch() {
    List<Task<?>> batch = new ArrayList<>();
    Task<?> next;
    while (batch.size() < MAX_BATCH && (next = queue.poll()) != null) {
      batch.add(next);
    }
    if (batch.isEmpty()) {
      return;
    }
    if (closed) {
      for (Task<?> t : batch) {
        t.failure = closedException();
        t.done = true;
      }
      return;
    }
    boolean durable = false;
    for (Task<?> t : batch) {
      durable |= t.durable;
    }
    long start = System.nanoTime();
    int attempt = 0;
    try {
      while (true) {
        try {
          attempt(batch, durable);
          break;
        } catch (SQLException e) {
          rollbackQuietly();
          if (Sql.isBusy(e) && backoff(start, attempt++)) {
            continue;
          }
          StorageException f = Sql.failure(describe(batch), e);
          for (Task<?> t : batch) {
            t.failure = f;
          }
          return;
        } catch (RuntimeException e) {
          rollbackQuietly();
          StorageException f =
              new StorageException(describe(batch) + " failed: " + e.getMessage(), e, false);
          for (Task<?> t : batch) {
            t.failure = f;
          }
          return;
        }
      }
      for (Task<?> t : batch) {
        if (t.failure == null) {
          for (Runnable hook : t.hooks) {
            try {
              hook.run();
            } catch (RuntimeException e) {
              LOG.error("{}: after-commit hook of {} failed", file, t.what, e);
            }
          }
        }
      }
    } catch (Error e) {
      rollbackQuietly();
      for (Task<?> t : batch) {
        if (t.failure == null) {
          t.failure = new StorageException(t.what + " failed: " + e, e, false);
        }
      }
      throw e;
    } finally {
      for (Task<?> t : batch) {
        t.done = true;
      }
    }
  }

  private void attempt(List<Task<?>> batch, boolean durable) throws SQLException {
    if (fullSync == null || fullSync != durable) {
      conn.exec(durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
      fullSync = durable;
    }
    conn.prepare("BEGIN IMMEDIATE").execute();
    for (Task<?> task : batch) {
      task.reset();
      Tx tx = new Tx(conn, options.faults());
      conn.prepare("SAVEPOINT op").execute();
      try {
        task.run(tx);
        conn.prepare("RELEASE op").execute();
        task.hooks = tx.hooks;
      } catch (SQLException e) {
        if (Sql.isBusy(e)) {
          throw e;
        }
        undo(e);
        task.failure = Sql.failure(task.what, e);
      } catch (RuntimeException e) {
        undo(e);
        task.failure = e;
      }
    }
    options.faults().at(SqliteOptions.FaultInjector.BEFORE_COMMIT);
    conn.prepare("COMMIT").execute();
  }

  /** Undoes the failed op's changes; if that is impossible the whole batch fails. */
  private void undo(Exception cause) throws SQLException {
    try {
      conn.prepare("ROLLBACK TO op").execute();
      conn.prepare("RELEASE op").execute();
    } catch (SQLException e) {
      // some errors (I/O, disk full) abort the whole transaction; report the original cause
      if (cause instanceof SQLException se) {
        se.addSuppressed(e);
        throw se;
      }
      e.addSuppressed(cause);
      throw e;
    }
  }

  private void rollbackQuietly() {
    try {
      conn.prepare("ROLLBACK").execute();
    } catch (SQLException | RuntimeException e) {
      // "no transaction is active" when BEGIN failed or SQLite already rolled back
      LOG.trace("rollback: {}", e.toString());
    }
  }

  private boolean backoff(long startNanos, int attempt) {
    return Sql.backoff(startNanos, attempt, options.busyBudget().toNanos());
  }

  private static String describe(List<Task<?>> batch) {
    if (batch.size() == 1) {
      return batch.get(0).what;
    }
    return batch.get(0).what + " (committed together with " + (batch.size() - 1) + " other writes)";
  }
}
