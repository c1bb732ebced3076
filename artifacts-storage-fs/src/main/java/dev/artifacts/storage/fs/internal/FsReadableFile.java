package dev.artifacts.storage.fs.internal;

import dev.artifacts.spi.ReadableFile;
import dev.artifacts.spi.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A committed pack file read with positional {@link FileChannel} reads. The channel stays valid
 * after the file is renamed or unlinked (POSIX), which is what keeps retired packs readable.
 */
final class FsReadableFile implements ReadableFile {
  private final Path path;
  private final FileChannel ch;
  private final long size;

  FsReadableFile(Path path, FileChannel ch, long size) {
    this.path = path;
    this.ch = ch;
    this.size = size;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public int read(long position, ByteBuffer dst) {
    if (position < 0) {
      throw new IllegalArgumentException("negative position " + position);
    }
    if (position >= size) {
      return -1;
    }
    int want = (int) Math.min(dst.remaining(), size - position);
    if (want == 0) {
      return 0;
    }
    int oldLimit = dst.limit();
    dst.limit(dst.position() + want);
    int n = 0;
    try {
      while (dst.hasRemaining()) {
        int r = ch.read(dst, position + n);
        if (r < 0) {
          throw new StorageException("unexpected end of " + path + " at " + (position + n), null);
        }
        n += r;
      }
    } catch (IOException e) {
      throw new StorageException("cannot read " + path, e);
    } finally {
      dst.limit(oldLimit);
    }
    return n;
  }

  @Override
  public int blockSize() {
    return 0;
  }

  @Override
  public void close() {
    FsFiles.closeQuietly(ch);
  }
}
