package dev.artifacts.storage.fs.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * File helpers: fsync of files and directories, atomic replacement (write temp, fsync, rename),
 * recursive deletion.
 *
 * <p>Temporary files made by {@link #writeTemp} are named {@code .<target name>.<random>.tmp} in
 * the target's directory; {@link #isTempName} recognizes them so leftovers of a crash can be
 * removed when the directory is next opened.
 */
public final class FsFiles {
  private static final Logger LOG = LoggerFactory.getLogger(FsFiles.class);

  /** Suffix of every temporary file this backend creates. */
  public static final String TMP_SUFFIX = ".tmp";

  private static final boolean CAN_SYNC_DIRECTORIES =
      !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

  private FsFiles() {}

  /** Threads that run independent fsyncs of one commit at the same time. */
  private static final java.util.concurrent.ExecutorService SYNC_THREADS =
      java.util.concurrent.Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "artifacts-fs-sync");
            t.setDaemon(true);
            return t;
          });

  /** A file operation that may fail with an {@link IOException}. */
  @FunctionalInterface
  public interface IoTask {
    void run() throws IOException;
  }

  /**
   * Runs independent file operations (typically fsyncs) at the same time and waits for all of
   * them: the disk and the file system journal can then serve them in one flush instead of one
   * after the other. The first task runs on the calling thread.
   *
   * @throws IOException the first failure, after every task has finished
   */
  public static void runAll(List<IoTask> tasks) throws IOException {
    if (tasks.size() <= 1) {
      for (IoTask t : tasks) {
        t.run();
      }
      return;
    }
    List<java.util.concurrent.Future<?>> others = new ArrayList<>(tasks.size() - 1);
    for (int i = 1; i < tasks.size(); i++) {
      IoTask t = tasks.get(i);
      others.add(
          SYNC_THREADS.submit(
              () -> {
                t.run();
                return null;
              }));
    }
    Throwable failure = null;
    try {
      tasks.get(0).run();
    } catch (IOException | RuntimeException e) {
      failure = e;
    }
    boolean interrupted = false;
    for (java.util.concurrent.Future<?> f : others) {
      while (true) {
        try {
          f.get();
          break;
        } catch (InterruptedException e) {
          interrupted = true; // the fsyncs must finish before the caller goes on
        } catch (java.util.concurrent.ExecutionException e) {
          if (failure == null) {
            failure = e.getCause();
          }
          break;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (failure instanceof IOException io) {
      throw io;
    }
    if (failure instanceof RuntimeException re) {
      throw re;
    }
    if (failure != null) {
      throw new IOException(failure);
    }
  }

  /** Makes the entries of {@code dir} (creations, renames, deletions) durable. */
  public static void fsyncDirectory(Path dir) throws IOException {
    if (!CAN_SYNC_DIRECTORIES) {
      return; // Windows cannot open a directory as a channel; NTFS journals metadata itself.
    }
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** Makes the content of the regular file {@code file} durable. */
  public static void fsyncFile(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  /** @return a fresh random suffix for temporary names */
  public static String randomSuffix() {
    return Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
  }

  /** @return true for a name made by {@link #writeTemp} */
  public static boolean isTempName(String fileName) {
    return fileName.startsWith(".") && fileName.endsWith(TMP_SUFFIX);
  }

  /**
   * Writes {@code content} to a new temporary file beside {@code target}, optionally fsynced.
   *
   * @return the temporary file
   */
  public static Path writeTemp(Path target, byte[] content, boolean durable) throws IOException {
    Path tmp =
        target.resolveSibling("." + target.getFileName() + "." + randomSuffix() + TMP_SUFFIX);
    try (FileChannel ch =
        FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      writeFully(ch, ByteBuffer.wrap(content), 0);
      if (durable) {
        ch.force(true);
      }
    } catch (IOException | RuntimeException e) {
      deleteQuietly(tmp);
      throw e;
    }
    return tmp;
  }

  /**
   * Atomically renames {@code tmp} over {@code target} (POSIX rename). Readers see the old or the
   * new file, never a mix. The caller fsyncs the directory to make the rename durable. The temp
   * file is deleted when the rename fails.
   */
  public static void renameOver(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      deleteQuietly(tmp);
      throw e;
    }
  }

  /**
   * Replaces {@code target} atomically with {@code content}: temp file, fsync, rename, fsync of the
   * directory when {@code durable}; without {@code durable} nothing is fsynced (used for derived
   * files that are regenerated on open).
   */
  public static void replace(Path target, byte[] content, boolean durable) throws IOException {
    renameOver(writeTemp(target, content, durable), target);
    if (durable) {
      fsyncDirectory(target.getParent());
    }
  }

  /** Writes all of {@code src} at {@code position}. */
  public static void writeFully(FileChannel ch, ByteBuffer src, long position) throws IOException {
    long pos = position;
    while (src.hasRemaining()) {
      pos += ch.write(src, pos);
    }
  }

  /** Writes a new small file without fsync (derived data). */
  public static void writeNew(Path file, byte[] content) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      writeFully(ch, ByteBuffer.wrap(content), 0);
    }
  }

  /** Writes a small file and fsyncs it (not its directory). */
  public static void writeDurably(Path file, byte[] content) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      writeFully(ch, ByteBuffer.wrap(content), 0);
      ch.force(true);
    }
  }

  /** @return the content of {@code file}, or null when it does not exist */
  public static byte[] readIfExists(Path file) throws IOException {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Deletes {@code path} and everything below it; a missing path is not an error. */
  public static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        path,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
            if (exc instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw exc;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException exc)
              throws IOException {
            if (exc != null && !(exc instanceof NoSuchFileException)) {
              throw exc;
            }
            Files.deleteIfExists(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** {@link #deleteRecursively}, logging instead of throwing. */
  public static void deleteRecursivelyQuietly(Path path) {
    try {
      deleteRecursively(path);
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not delete {}: {}", path, e.toString());
    }
  }

  /** Deletes one file, logging instead of throwing. */
  public static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not delete {}: {}", path, e.toString());
    }
  }

  /** Deletes every entry of {@code dir} (recursively); keeps {@code dir} itself. */
  public static void emptyDirectoryQuietly(Path dir) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        deleteRecursivelyQuietly(p);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not list {}: {}", dir, e.toString());
    }
  }

  /** Deletes the {@link #isTempName temporary files} directly inside {@code dir}. */
  public static void deleteTempFilesQuietly(Path dir) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        if (isTempName(p.getFileName().toString())) {
          deleteRecursivelyQuietly(p);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not list {}: {}", dir, e.toString());
    }
  }

  /** Closes without throwing. */
  public static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      LOG.debug("close failed: {}", e.toString());
    }
  }
}
