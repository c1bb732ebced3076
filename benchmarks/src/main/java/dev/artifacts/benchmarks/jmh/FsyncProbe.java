package dev.artifacts.benchmarks.jmh;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * What one durable step costs on the disk under a directory, sequentially, so the fs backend's
 * figures can be read against the disk they ran on (a virtual disk's flush latency varies from
 * run to run). Usage: {@code FsyncProbe DIR [iterations]} (default 300); DIR is created and
 * deleted afterwards. Prints p50 and p90 per step.
 */
public final class FsyncProbe {
  private static final int RECORD = 300;

  private FsyncProbe() {}

  @FunctionalInterface
  private interface Step {
    void run(int i) throws IOException;
  }

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: FsyncProbe DIR [iterations]");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    Files.createDirectories(dir);
    byte[] record = new byte[RECORD];
    Arrays.fill(record, (byte) 'x');
    Path target = dir.resolve("target");
    Files.write(target, record);
    try (FileChannel inPlace = FileChannel.open(target, WRITE);
        FileChannel log = FileChannel.open(dir.resolve("log"), CREATE, WRITE, APPEND)) {
      measure("temp + fsync + rename + directory fsync (durable replace)", n, i -> {
        Path tmp = dir.resolve("tmp" + i);
        try (FileChannel c = FileChannel.open(tmp, CREATE_NEW, WRITE)) {
          c.write(ByteBuffer.wrap(record));
          c.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(dir);
      });
      measure("overwrite in place + fdatasync", n, i -> {
        inPlace.write(ByteBuffer.wrap(record), (i % 2) * 4096L);
        inPlace.force(false);
      });
      measure("append 100 B + fdatasync (journal record)", n, i -> {
        log.write(ByteBuffer.wrap(record, 0, 100));
        log.force(false);
      });
      byte[] page = new byte[4096];
      measure("new 4 KiB file + fsync", n, i -> {
        try (FileChannel c = FileChannel.open(dir.resolve("new" + i), CREATE_NEW, WRITE)) {
          c.write(ByteBuffer.wrap(page));
          c.force(true);
        }
      });
      measure("directory fsync, nothing changed", n, i -> fsyncDirectory(dir));
    } finally {
      try (Stream<Path> all = Files.walk(dir)) {
        all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel c = FileChannel.open(dir, READ)) {
      c.force(true);
    }
  }

  private static void measure(String name, int n, Step step) throws IOException {
    long[] nanos = new long[n];
    for (int i = 0; i < n; i++) {
      long start = System.nanoTime();
      step.run(i);
      nanos[i] = System.nanoTime() - start;
    }
    Arrays.sort(nanos);
    System.out.printf("%-60s p50 %.3f ms  p90 %.3f ms%n", name, nanos[n / 2] / 1e6, nanos[n * 9 / 10] / 1e6);
  }
}
