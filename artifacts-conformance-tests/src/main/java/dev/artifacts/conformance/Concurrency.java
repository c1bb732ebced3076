package dev.artifacts.conformance;

import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Runs a body on several threads and reports the first failure. */
final class Concurrency {
  /** A safety net against a hung backend; not a timing assertion. */
  private static final long GIVE_UP_MINUTES = 5;

  private Concurrency() {}

  @FunctionalInterface
  interface Body {
    void run(int thread) throws Exception;
  }

  /**
   * Runs {@code body(0..threads-1)} concurrently and waits for all. When one fails, the others
   * are interrupted (so barriers break) and the first failure is rethrown.
   */
  static void run(int threads, Body body) throws Exception {
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "conformance-worker");
              t.setDaemon(true);
              return t;
            });
    try {
      CompletionService<Void> done = new ExecutorCompletionService<>(pool);
      for (int t = 0; t < threads; t++) {
        int index = t;
        done.submit(
            () -> {
              body.run(index);
              return null;
            });
      }
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(GIVE_UP_MINUTES);
      Throwable first = null;
      for (int i = 0; i < threads; i++) {
        Future<Void> f = done.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (f == null) {
          pool.shutdownNow();
          throw new AssertionError(
              "concurrent workers did not finish within " + GIVE_UP_MINUTES + " minutes (hung backend?)",
              first);
        }
        try {
          f.get();
        } catch (ExecutionException e) {
          if (first == null) {
            // The first failure to complete is the cause; interrupt the others so barriers break.
            first = e.getCause();
            pool.shutdownNow();
          }
        }
      }
      if (first instanceof Exception ex) {
        throw ex;
      }
      if (first instanceof Error err) {
        throw err;
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
