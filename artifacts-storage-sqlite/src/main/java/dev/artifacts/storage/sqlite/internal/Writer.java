package dev.artifacts.storage.sqlite.internal;

import dev.artifacts.spi.StorageException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer connection, with group commit and a pipelined WAL sync.
 *
 * <p>Every change to the database is an {@link Op} submitted here and run by one dedicated
 * writer thread, which owns the connection. The thread takes every queued op (up to {@value
 * #MAX_BATCH}), runs them in one {@code BEGIN IMMEDIATE} transaction and commits once. An op
 * that throws reports its own failure: the transaction is rolled back and the batch runs again
 * without it, so the other ops are not affected.
 * Then it runs the ops' {@linkplain Tx#afterCommit after-commit hooks} in order (they publish
 * the change to the in-memory caches, so caches follow the commit order).
 *
 * <p><b>Durability.</b> The connection commits with {@code synchronous=NORMAL}: SQLite writes
 * the transaction's WAL frames but does not fsync. A durable op is acknowledged (its submitter
 * returns) only after a second thread, the syncer, has fsynced the WAL file ({@code
 * FileChannel.force}, fdatasync) after that commit. That is exactly what {@code
 * synchronous=FULL} does at the end of every commit, except that the fsync no longer blocks the
 * writer: while the syncer waits for the disk, the writer already runs the next batch, and one
 * fsync acknowledges every batch committed before it. WAL frames are appended in commit order
 * and recovery replays a prefix of them, so an acknowledged change never depends on a lost one.
 * Ops that need no durability (staging rows, purges) are acknowledged at commit.
 *
 * <p>Ops must not change shared Java state while running: a busy database makes the writer roll
 * the batch back and run it again; only hooks, which run once after the commit, may. Ops and
 * hooks run on the writer thread and must never submit work themselves.
 *
 * <p>SQLITE_BUSY / SQLITE_LOCKED (another process holds a lock) roll the batch back and retry it
 * with backoff for up to {@link SqliteOptions#busyBudget()}; then every op fails with a
 * transient {@link StorageException}.
 */
final class Writer {
  private static final Logger LOG = LoggerFactory.getLogger(Writer.class);
  static final int MAX_BATCH = 256;

  /** One unit of work run inside the writer's transaction. */
  @FunctionalInterface
  interface Op<T> {
    T run(Tx tx) throws SQLException;
  }

  /** Work run on the writer connection between transactions (no write commits meanwhile). */
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

    /** Runs {@code hook} after the transaction committed, in commit order, on the writer thread. */
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
    final Exclusive<T> exclusive;
    private volatile Thread waiter;
    T result;
    RuntimeException failure;
    List<Runnable> hooks = List.of();
    private volatile boolean done;

    Task(String what, boolean durable, Op<T> op, Exclusive<T> exclusive) {
      this.what = what;
      this.durable = durable;
      this.op = op;
      this.exclusive = exclusive;
    }

    void run(Tx tx) throws SQLException {
      result = op.run(tx);
    }

    void reset() {
      result = null;
      failure = null;
      hooks = List.of();
    }

    void complete() {
      done = true;
      Thread w = waiter;
      if (w != null) {
        LockSupport.unpark(w);
      }
    }

    void fail(RuntimeException e) {
      failure = e;
      complete();
    }

    /** Waits for completion; an interrupt is remembered but cannot abandon a submitted op. */
    void await() {
      boolean interrupted = false;
      waiter = Thread.currentThread();
      while (!done) {
        LockSupport.park(this);
        if (Thread.interrupted()) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
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

  private final ConcurrentLinkedQueue<Task<?>> queue = new ConcurrentLinkedQueue<>();
  private final Conn conn;
  private final SqliteOptions options;
  private final String file;
  private final Thread thread;
  private volatile boolean closing;
  private volatile boolean exited;
  private final Syncer syncer;

  Writer(Conn conn, SqliteOptions options, Path file) {
    this.conn = conn;
    this.options = options;
    this.file = file.toString();
    this.syncer = new Syncer(file.resolveSibling(file.getFileName() + "-wal"));
    this.thread = new Thread(this::loop, "artifacts-sqlite-writer");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Runs {@code op} in a write transaction (possibly together with ops of other threads) and
   * returns its result once committed (and, when {@code durable}, once the WAL is fsynced).
   *
   * @param durable true when the change must survive power loss once this returns; false for
   *     data nothing refers to yet (staging rows, purges), acknowledged at commit
   * @throws StorageException when the op or the commit failed (nothing of the op is applied
   *     then), or, rarely, when the commit succeeded but the WAL fsync failed (the change is then
   *     visible in this process but may not survive a power loss; the message says so)
   */
  <T> T submit(String what, boolean durable, Op<T> op) {
    Objects.requireNonNull(op, "op");
    return enqueue(new Task<>(what, durable, op, null));
  }

  /**
   * Runs {@code work} on the writer connection between two transactions: no write of this
   * process commits meanwhile, and no after-commit hook runs. Used to load a repository into the
   * cache consistently.
   */
  <T> T exclusive(String what, Exclusive<T> work) {
    return enqueue(new Task<>(what, false, null, work));
  }

  /** A write submitted by {@link #submitAsync}, to be waited for later. */
  static final class Pending<T> {
    private final Task<T> task;

    private Pending(Task<T> task) {
      this.task = task;
    }

    /** Waits for the write; same outcome as {@link Writer#submit}. */
    T get() {
      task.await();
      return task.outcome();
    }
  }

  /**
   * Like {@link #submit}, without waiting: the caller goes on (for example writing the next
   * bytes of a pack) while the writer runs the op, and collects the outcome with {@link
   * Pending#get()}. The op must not use anything the caller changes meanwhile.
   */
  <T> Pending<T> submitAsync(String what, boolean durable, Op<T> op) {
    Objects.requireNonNull(op, "op");
    Task<T> task = new Task<>(what, durable, op, null);
    enqueueOnly(task);
    return new Pending<>(task);
  }

  private <T> T enqueue(Task<T> task) {
    enqueueOnly(task);
    task.await();
    return task.outcome();
  }

  private void enqueueOnly(Task<?> task) {
    if (closing) {
      throw closedException();
    }
    queue.add(task);
    LockSupport.unpark(thread);
    if (exited) {
      failQueued(); // the writer is gone: nobody else will complete what was just queued
    }
  }

  /** Runs what is queued, then closes the connection. Never throws; closing twice is harmless. */
  void close() {
    closing = true;
    LockSupport.unpark(thread);
    if (Thread.currentThread() == thread) {
      return;
    }
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private StorageException closedException() {
    return new StorageException("SQLite storage " + file + " is closed", null, false);
  }

  private void failQueued() {
    Task<?> t;
    while ((t = queue.poll()) != null) {
      t.fail(closedException());
    }
  }

  private void loop() {
    try {
      while (true) {
        if (queue.isEmpty()) {
          if (closing) {
            break;
          }
          LockSupport.park(this);
          continue;
        }
        runBatch();
      }
    } catch (Throwable t) {
      LOG.error("{}: writer thread failed; the storage accepts no more writes", file, t);
    } finally {
      exited = true;
      failQueued();
      syncer.finish();
      try {
        // leave a small WAL behind; the last connection to close checkpoints anyway
        conn.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      } catch (SQLException | RuntimeException e) {
        LOG.debug("final checkpoint of {} failed: {}", file, e.toString());
      }
      conn.close();
    }
  }

  /** On the writer thread: runs up to {@link #MAX_BATCH} queued tasks to completion. */
  private void runBatch() {
    List<Task<?>> batch = new ArrayList<>();
    Task<?> next;
    while (batch.size() < MAX_BATCH && (next = queue.poll()) != null) {
      if (next.exclusive != null) {
        runTransaction(batch);
        batch.clear();
        runExclusive(next);
      } else {
        batch.add(next);
      }
    }
    runTransaction(batch);
  }

  private <T> void runExclusive(Task<T> task) {
    long start = System.nanoTime();
    int attempt = 0;
    try {
      while (true) {
        try {
          task.result = task.exclusive.run(conn);
          break;
        } catch (SQLException e) {
          if (!Sql.isBusy(e) || !backoff(start, attempt++)) {
            task.failure = Sql.failure(task.what, e);
            break;
          }
        } catch (RuntimeException e) {
          task.failure = e;
          break;
        }
      }
    } finally {
      task.complete();
    }
  }

  private void runTransaction(List<Task<?>> batch) {
    if (batch.isEmpty()) {
      return;
    }
    long start = System.nanoTime();
    int attempt = 0;
    for (Task<?> t : batch) {
      t.reset();
    }
    try {
      while (true) {
        try {
          if (attempt(batch)) {
            break;
          }
          // an op failed: the transaction was rolled back; run the others again without it
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
      List<Task<?>> toSync = null;
      for (Task<?> t : batch) {
        if (t.durable && t.failure == null) {
          if (toSync == null) {
            toSync = new ArrayList<>(batch.size());
          }
          toSync.add(t);
        } else {
          t.complete();
        }
      }
      if (toSync != null) {
        syncer.add(toSync);
      }
    }
  }

  /**
   * Runs the batch's ops that have not failed yet in one transaction and commits.
   *
   * @return true when committed; false when an op failed: its failure is recorded, the
   *     transaction is rolled back, and the caller runs the batch again without it (ops fail
   *     rarely, so this is cheaper than a savepoint around every op)
   * @throws SQLException when the database is busy, or BEGIN / COMMIT fail
   */
  private boolean attempt(List<Task<?>> batch) throws SQLException {
    conn.prepare("BEGIN IMMEDIATE").execute();
    for (Task<?> task : batch) {
      if (task.failure != null) {
        continue;
      }
      Tx tx = new Tx(conn, options.faults());
      try {
        task.run(tx);
        task.hooks = tx.hooks;
      } catch (SQLException e) {
        if (Sql.isBusy(e)) {
          throw e;
        }
        task.failure = Sql.failure(task.what, e);
      } catch (RuntimeException e) {
        task.failure = e;
      }
      if (task.failure != null) {
        task.result = null;
        rollbackQuietly();
        return false;
      }
    }
    options.faults().at(SqliteOptions.FaultInjector.BEFORE_COMMIT);
    conn.prepare("COMMIT").execute();
    return true;
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

  /**
   * Fsyncs the WAL file for committed durable ops, then acknowledges them. Every fsync covers
   * all the batches handed over before it started.
   */
  private final class Syncer implements Runnable {
    private final Path wal;
    private final ConcurrentLinkedQueue<List<Task<?>>> pending = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean finishing;
    private FileChannel channel;

    Syncer(Path wal) {
      this.wal = wal;
      this.thread = new Thread(this, "artifacts-sqlite-wal-sync");
      thread.setDaemon(true);
      thread.start();
    }

    void add(List<Task<?>> tasks) {
      pending.add(tasks);
      LockSupport.unpark(thread);
    }

    /** Acknowledges what was handed over, then stops. Called by the writer thread as it exits. */
    void finish() {
      finishing = true;
      LockSupport.unpark(thread);
      boolean interrupted = false;
      while (thread.isAlive()) {
        try {
          thread.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void run() {
      try {
        while (true) {
          if (pending.isEmpty()) {
            if (finishing) {
              break;
            }
            LockSupport.park(this);
            continue;
          }
          List<List<Task<?>>> groups = new ArrayList<>();
          List<Task<?>> g;
          while ((g = pending.poll()) != null) {
            groups.add(g);
          }
          StorageException failure = null;
          try {
            if (channel == null) {
              channel = FileChannel.open(wal, StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
            channel.force(false);
          } catch (IOException | RuntimeException e) {
            LOG.error("{}: fsync of the WAL failed", file, e);
            failure =
                new StorageException(
                    "committed, but the write-ahead log " + wal + " could not be fsynced; the"
                        + " change may not survive a power loss: " + e,
                    e,
                    false);
          }
          for (List<Task<?>> group : groups) {
            for (Task<?> t : group) {
              if (failure != null) {
                t.failure = failure;
              }
              t.complete();
            }
          }
        }
      } finally {
        if (channel != null) {
          try {
            channel.close();
          } catch (IOException ignored) {
            // nothing left to do
          }
        }
      }
    }
  }
}
