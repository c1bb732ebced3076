package dev.artifacts.storage.fs.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;

/**
 * Group commit of one fsync: of a directory (after creating, renaming or deleting an entry in it)
 * or of an append-only file (after appending a record). A caller that has just made its change
 * calls {@link #sync()}, which returns once an fsync that <em>started after the call</em> has
 * completed. Concurrent callers share fsyncs: while one fsync runs, every caller arriving
 * meanwhile waits for it and then for one more fsync, which covers all of them at once. So N
 * concurrent changes cost about two fsyncs instead of N, and each caller still returns only once
 * its own change is durable.
 *
 * <p>When an fsync fails, its caller gets the {@link IOException}; the callers it would have
 * covered retry with an fsync of their own (they are never acknowledged by a failed one).
 */
public final class GroupSync {
  private final FsFiles.IoTask fsync;
  private final Object lock = new Object();
  /** Requests registered so far; a request's number is its ticket. */
  private long requested;
  /** Every ticket up to this one is covered by a completed fsync. */
  private long completed;
  private boolean running;

  /** @param fsync makes every change made before it started durable */
  public GroupSync(FsFiles.IoTask fsync) {
    this.fsync = fsync;
  }

  /** @return a group commit of the fsync of directory {@code dir} */
  public static GroupSync ofDirectory(Path dir) {
    return new GroupSync(() -> FsFiles.fsyncDirectory(dir));
  }

  /** Makes every change made before this call durable. */
  public void sync() throws IOException {
    long covers;
    synchronized (lock) {
      long ticket = ++requested;
      while (true) {
        if (completed >= ticket) {
          return;
        }
        if (!running) {
          break;
        }
        try {
          lock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while waiting for an fsync");
        }
      }
      running = true;
      // every ticket taken so far was taken after its change: this fsync, which starts now,
      // covers all of them
      covers = requested;
    }
    boolean ok = false;
    try {
      fsync.run();
      ok = true;
    } finally {
      synchronized (lock) {
        running = false;
        if (ok && covers > completed) {
          completed = covers;
        }
        lock.notifyAll();
      }
    }
  }
}
