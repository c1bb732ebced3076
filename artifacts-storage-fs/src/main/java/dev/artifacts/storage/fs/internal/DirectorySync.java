package dev.artifacts.storage.fs.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;

/**
 * Group commit of one directory's fsync. A caller that has just created, renamed or deleted an
 * entry in the directory calls {@link #sync()}, which returns once an fsync of the directory that
 * <em>started after the call</em> has completed. Concurrent callers share fsyncs: while one
 * fsync runs, every caller arriving meanwhile waits for it and then for one more fsync, which
 * covers all of them at once. So N concurrent changes cost about two fsyncs instead of N, and
 * each caller still returns only once its own change is durable.
 *
 * <p>When an fsync fails, its caller gets the {@link IOException}; the callers it would have
 * covered retry with an fsync of their own (they are never acknowledged by a failed one).
 */
public final class DirectorySync {
  private final Path dir;
  private final Object lock = new Object();
  /** Requests registered so far; a request's number is its ticket. */
  private long requested;
  /** Every ticket up to this one is covered by a completed fsync. */
  private long completed;
  private boolean running;

  public DirectorySync(Path dir) {
    this.dir = dir;
  }

  /** Makes every change made to the directory before this call durable. */
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
          throw new InterruptedIOException("interrupted while waiting for a directory fsync");
        }
      }
      running = true;
      // every ticket taken so far was taken after its change: this fsync, which starts now,
      // covers all of them
      covers = requested;
    }
    boolean ok = false;
    try {
      FsFiles.fsyncDirectory(dir);
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
