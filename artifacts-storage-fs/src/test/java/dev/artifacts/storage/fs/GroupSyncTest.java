package dev.artifacts.storage.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.spi.TokenRecord;
import dev.artifacts.storage.fs.internal.GroupSync;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared fsync behind concurrent token puts, creates and forks. */
class GroupSyncTest {
  @TempDir Path dir;

  @Test
  void concurrentCallersAllReturn() throws Exception {
    GroupSync sync = GroupSync.ofDirectory(dir);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> calls = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        int n = i;
        calls.add(
            pool.submit(
                () -> {
                  go.await();
                  Files.writeString(dir.resolve("f" + n), "x");
                  sync.sync();
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : calls) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    sync.sync(); // and alone afterwards
  }

  @Test
  void everyCallerReturnsOnlyAfterAnFsyncThatStartedAfterItsCall() throws Exception {
    AtomicInteger started = new AtomicInteger();
    AtomicInteger newestCompleted = new AtomicInteger();
    GroupSync sync =
        new GroupSync(
            () -> {
              int n = started.incrementAndGet();
              try {
                Thread.sleep(2);
              } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException();
              }
              newestCompleted.accumulateAndGet(n, Math::max);
            });
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<Boolean>> calls = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        calls.add(
            pool.submit(
                () -> {
                  int before = started.get();
                  sync.sync();
                  return newestCompleted.get() > before;
                }));
      }
      for (Future<Boolean> f : calls) {
        assertThat(f.get(60, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
    // and they shared: far fewer fsyncs than calls
    assertThat(started.get()).isLessThan(400);
  }

  @Test
  void aFailedFsyncIsReportedAndTheNextCallTriesAgain() throws IOException {
    Path missing = dir.resolve("missing");
    GroupSync sync = GroupSync.ofDirectory(missing);
    assertThatThrownBy(sync::sync).isInstanceOf(IOException.class);
    Files.createDirectory(missing);
    sync.sync();
  }

  @Test
  void concurrentTokenPutsAreAllStoredAndSurviveReopen() throws Exception {
    Path data = dir.resolve("data");
    List<TokenRecord> records = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      byte[] h = new byte[32];
      h[0] = (byte) i;
      h[31] = (byte) (i * 7);
      records.add(new TokenRecord(HexFormat.of().formatHex(h), "repo" + (i % 5), "write", 1L, 0L));
    }
    try (FileSystemStorage s = FileSystemStorage.open(data)) {
      ExecutorService pool = Executors.newFixedThreadPool(16);
      try {
        List<Future<?>> puts = new ArrayList<>();
        for (TokenRecord r : records) {
          puts.add(pool.submit(() -> s.tokens().put(r)));
        }
        for (Future<?> f : puts) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      for (TokenRecord r : records) {
        assertThat(s.tokens().find(r.hash())).contains(r);
      }
    }
    try (FileSystemStorage s = FileSystemStorage.open(data)) {
      for (TokenRecord r : records) {
        assertThat(s.tokens().find(r.hash())).contains(r);
      }
      assertThat(s.tokens().forRepository("repo0")).hasSize(20);
    }
  }
}
