package dev.artifacts.internal.archive;

import java.io.IOException;
import java.io.InputStream;

/**
 * Writes the entries of an archive one after the other, streaming: no entry's content is held
 * in memory beyond a small buffer. Paths are {@code /}-separated, relative, without a trailing
 * slash. Not thread-safe.
 */
public interface ArchiveWriter {

  /** Adds a directory. */
  void directory(String path) throws IOException;

  /**
   * Adds a regular file.
   *
   * @param size exactly the number of bytes {@code content} yields
   * @param content read to its end; not closed
   * @throws IOException also when {@code content} yields more or fewer than {@code size} bytes
   */
  void file(String path, boolean executable, long size, InputStream content) throws IOException;

  /** Adds a symbolic link pointing at {@code target} (the raw bytes git stores). */
  void symlink(String path, byte[] target) throws IOException;

  /**
   * Writes the archive's trailer and flushes; the underlying stream is not closed. No entry may
   * be added afterwards.
   */
  void finish() throws IOException;

  /**
   * Releases what the writer holds (native compression state, temporary files) when the archive
   * will not be finished, for example because writing failed. Writes nothing; safe to call more
   * than once and after {@link #finish()}.
   */
  void abandon();
}
