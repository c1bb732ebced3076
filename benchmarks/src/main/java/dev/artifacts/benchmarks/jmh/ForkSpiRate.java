package dev.artifacts.benchmarks.jmh;

import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.Storage;
import dev.artifacts.spi.TokenRecord;
import dev.artifacts.storage.fs.FileSystemStorage;
import dev.artifacts.storage.mem.InMemoryStorage;
import dev.artifacts.storage.sqlite.SqliteStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.lib.ObjectId;

/**
 * Fork rate through the storage SPI alone, in process (no HTTP, no engine): N threads each call
 * {@code storage.fork(parent, randomId, false)} then {@code tokens().put(...)}, as {@code
 * Artifacts.fork} does. Separates the backend's cost from the REST path's. Usage: {@code
 * ForkSpiRate BACKEND [threads] [seconds]}; prints forks/s.
 */
public final class ForkSpiRate {
  private ForkSpiRate() {}

  public static void main(String[] args) throws Exception {
    String backend = args[0];
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    int secs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    Path tmp = Files.createTempDirectory("artifacts-forkspi-");
    Storage s =
        switch (backend) {
          case "fs" -> FileSystemStorage.open(tmp.resolve("data"));
          case "sqlite" -> SqliteStorage.open(tmp.resolve("artifacts.db"));
          default -> new InMemoryStorage();
        };
    try {
      ObjectId head = ObjectId.fromString("0123456789abcdef0123456789abcdef01234567");
      s.create("parent").orElseThrow().refs().apply(List.of(
          RefChange.create("HEAD", RefValue.symbolic("refs/heads/main")),
          RefChange.create("refs/heads/main", RefValue.peeled(head, head))));
      for (int round = 0; round < 2; round++) {
        AtomicInteger n = new AtomicInteger();
        long stop = System.nanoTime() + secs * 1_000_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> fs = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
          fs.add(pool.submit(() -> {
            while (System.nanoTime() < stop) {
              String id = Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
              s.fork("parent", id, false).orElseThrow();
              byte[] h = new byte[32];
              ThreadLocalRandom.current().nextBytes(h);
              s.tokens().put(new TokenRecord(HexFormat.of().formatHex(h), id, "write", System.currentTimeMillis(), 0));
              n.incrementAndGet();
            }
            return null;
          }));
        }
        for (Future<?> f : fs) {
          f.get();
        }
        pool.shutdown();
        double el = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%s %s: %d threads, %.0f forks/s (fork + token put)%n", backend,
            round == 0 ? "warm-up" : "measured", threads, n.get() / el);
      }
    } finally {
      s.close();
      try (var w = Files.walk(tmp)) {
        w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
