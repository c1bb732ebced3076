package dev.artifacts.spi;

import java.nio.ByteBuffer;

/**
 * A committed, immutable pack-shaped file opened for positional reads.
 *
 * <p>Instances are used by one thread at a time; the engine opens one per reader. The content never
 * changes while the file is open, even if the pack is retired by a concurrent {@link
 * ObjectStore#commit}: a backend must keep serving an open file until it is closed.
 */
public interface ReadableFile extends AutoCloseable {

  /** @return the file length in bytes; constant for the life of the file */
  long size();

  /**
   * Reads bytes starting at {@code position} into {@code dst}, filling as much of its remaining
   * space as the file allows.
   *
   * @param position absolute offset in the file, {@code 0 <= position}
   * @param dst receives the bytes; its position advances by the count read
   * @return the number of bytes read, or -1 when {@code position >= size()}
   * @throws StorageException if the backend cannot read
   */
  int read(long position, ByteBuffer dst);

  /**
   * @return the backend's preferred read granularity in bytes (for example the chunk size of a
   *     database backend), or 0 when it has none; the engine aligns its cache blocks to it
   */
  int blockSize();

  /** Releases resources. Never throws; closing twice is harmless. */
  @Override
  void close();
}
