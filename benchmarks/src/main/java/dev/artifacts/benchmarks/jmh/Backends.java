package dev.artifacts.benchmarks.jmh;

import dev.artifacts.spi.Storage;
import dev.artifacts.storage.fs.FileSystemStorage;
import dev.artifacts.storage.mem.InMemoryStorage;
import dev.artifacts.storage.sqlite.SqliteStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Opens the backend a benchmark's {@code backend} parameter names, over a fresh temporary
 * directory for the durable ones, and removes that directory again on close.
 */
final class Backends {
  /** The values of every benchmark's {@code backend} parameter. */
  static final String MEM = "mem";
  static final String FS = "fs";
  static final String SQLITE = "sqlite";

  private Backends() {}

  /** A storage and the temporary directory it lives in (null for mem). */
  static final class Opened implements AutoCloseable {
    final Storage storage;
    private final Path dir;
    private final Thread cleanupOnExit;

    private Opened(Storage storage, Path dir) {
      this.storage = storage;
      this.dir = dir;
      // Safety net for a fork killed mid-run: the temporary directory still goes away.
      this.cleanupOnExit = dir == null ? null : new Thread(() -> deleteTree(dir), "jmh-tmp-cleanup");
      if (cleanupOnExit != null) {
        Runtime.getRuntime().addShutdownHook(cleanupOnExit);
      }
    }

    /** Closes the storage and deletes its directory. */
    @Override
    public void close() {
      try {
        storage.close();
      } finally {
        if (dir != null) {
          deleteTree(dir);
          try {
            Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
          } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
          }
        }
      }
    }
  }

  /** Opens {@code backend} ({@code mem}, {@code fs} or {@code sqlite}) over a new, empty place. */
  static Opened open(String backend) {
    try {
      switch (backend) {
        case MEM:
          return new Opened(new InMemoryStorage(), null);
        case FS: {
          Path dir = Files.createTempDirectory("artifacts-jmh-fs-");
          return new Opened(FileSystemStorage.open(dir.resolve("data")), dir);
        }
        case SQLITE: {
          Path dir = Files.createTempDirectory("artifacts-jmh-sqlite-");
          return new Opened(SqliteStorage.open(dir.resolve("artifacts.db")), dir);
        }
        default:
          throw new IllegalArgumentException(
              "unknown backend '" + backend + "': expected " + MEM + ", " + FS + " or " + SQLITE);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for " + backend, e);
    }
  }

  /** Deletes a directory tree; missing files are fine, other failures are reported and ignored. */
  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
              if (e instanceof NoSuchFileException) {
                return FileVisitResult.CONTINUE;
              }
              throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
              if (e != null && !(e instanceof NoSuchFileException)) {
                throw e;
              }
              Files.deleteIfExists(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      System.err.println("[jmh] could not delete " + root + ": " + e);
    }
  }
}
