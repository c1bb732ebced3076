package dev.artifacts.storage.fs.internal;

import dev.artifacts.spi.StorageException;
import dev.artifacts.spi.WritableFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * An uncommitted pack file under {@code artifacts/incoming/}. Small writes are gathered in a
 * buffer; {@link #close} flushes and closes the file without fsync: the commit fsyncs all files
 * of a commit at the same time (see {@link FsFiles#runAll}) before the manifest names them.
 */
final class FsWritableFile implements WritableFile {
  private static final int BUFFER_SIZE = 64 * 1024;

  final String packName;
  final String ext;
  final Path path;
  private FileChannel ch;
  private ByteBuffer buf;
  private long flushed;
  private boolean closed;
  private boolean complete;
  private long length = -1;

  FsWritableFile(String packName, String ext, Path path) {
    this.packName = packName;
    this.ext = ext;
    this.path = path;
  }

  synchronized void openChannel() throws IOException {
    ch =
        FileChannel.open(
            path,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE,
            StandardOpenOption.READ);
    buf = ByteBuffer.allocate(BUFFER_SIZE);
  }

  private void checkWritable() {
    if (closed) {
      throw new IllegalStateException("file " + ext + " of pack " + packName + " is closed");
    }
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) {
    Objects.checkFromIndexSize(off, len, b.length);
    checkWritable();
    try {
      if (len > buf.remaining()) {
        flushBuffer();
      }
      if (len >= buf.capacity()) {
        FsFiles.writeFully(ch, ByteBuffer.wrap(b, off, len), flushed);
        flushed += len;
      } else {
        buf.put(b, off, len);
      }
    } catch (IOException e) {
      throw new StorageException("cannot write " + path, e);
    }
  }

  private void flushBuffer() throws IOException {
    if (buf.position() > 0) {
      buf.flip();
      int n = buf.remaining();
      FsFiles.writeFully(ch, buf, flushed);
      flushed += n;
      buf.clear();
    }
  }

  @Override
  public synchronized int read(long position, ByteBuffer dst) {
    if (position < 0) {
      throw new IllegalArgumentException("negative position " + position);
    }
    checkWritable();
    long total = flushed + buf.position();
    if (position >= total) {
      return -1;
    }
    int n = 0;
    try {
      if (position < flushed && dst.hasRemaining()) {
        int want = (int) Math.min(dst.remaining(), flushed - position);
        int oldLimit = dst.limit();
        dst.limit(dst.position() + want);
        try {
          while (dst.hasRemaining()) {
            int r = ch.read(dst, position + n);
            if (r < 0) {
              throw new StorageException("unexpected end of " + path, null);
            }
            n += r;
          }
        } finally {
          dst.limit(oldLimit);
        }
      }
    } catch (IOException e) {
      throw new StorageException("cannot read back " + path, e);
    }
    if (dst.hasRemaining()) {
      long p = position + n;
      if (p >= flushed) {
        int off = (int) (p - flushed);
        int count = Math.min(dst.remaining(), buf.position() - off);
        if (count > 0) {
          dst.put(buf.array(), off, count);
          n += count;
        }
      }
    }
    return n;
  }

  /**
   * Flushes and closes the file; its bytes are then final but not yet durable: {@link
   * FsObjectStore#commit} fsyncs the file before its pack becomes visible.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      flushBuffer();
      length = flushed;
      ch.close();
      complete = true;
    } catch (IOException e) {
      FsFiles.closeQuietly(ch);
      throw new StorageException("cannot finish " + path, e);
    } finally {
      buf = null;
    }
  }

  /** @return true once closed successfully */
  synchronized boolean isComplete() {
    return complete;
  }

  /** @return the final length; valid when {@link #isComplete()} */
  synchronized long length() {
    return length;
  }

  /** Closes without flushing and deletes the file. Never throws. */
  synchronized void abort() {
    closed = true;
    buf = null;
    FsFiles.closeQuietly(ch);
    FsFiles.deleteQuietly(path);
  }
}
