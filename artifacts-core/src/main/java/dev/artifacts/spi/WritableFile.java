package dev.artifacts.spi;

import java.nio.ByteBuffer;

/**
 * A pack-shaped file being written. Written bytes are invisible to every reader of the store
 * until the pack that owns the file is {@linkplain ObjectStore#commit committed}.
 *
 * <p>Used by one thread. After {@link #close()} the file is complete: its bytes are final, and
 * a later {@link ObjectStore#commit} of its pack must make them durable before they become
 * visible.
 */
public interface WritableFile extends AutoCloseable {

  /**
   * Appends bytes.
   *
   * @throws StorageException if the backend cannot write (for example the disk is full)
   */
  void write(byte[] buf, int off, int len);

  /**
   * Reads back bytes this writer has already written; the engine needs this while it indexes a
   * pack it is still receiving.
   *
   * @param position offset in the bytes written so far
   * @return bytes read, or -1 when {@code position} is at or past the bytes written so far
   * @throws StorageException if the backend cannot read
   */
  int read(long position, ByteBuffer dst);

  /**
   * Finishes the file. After close the file's length and bytes are fixed.
   *
   * @throws StorageException if the bytes could not be handed to the backend
   */
  @Override
  void close();
}
