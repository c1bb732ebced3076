package dev.artifacts.storage.sqlite.internal;

import dev.artifacts.spi.ReadableFile;
import dev.artifacts.spi.StorageException;
import java.nio.ByteBuffer;

/**
 * A committed file opened for reading. Each chunk is one SELECT by rowid on a pooled read
 * connection; the last chunk read is kept for small, unaligned reads. {@link #blockSize()} is the
 * chunk size, so the engine's cache blocks are whole chunks. While open, the file counts as a
 * reader of its pack: a retired pack's rows are not deleted before every reader closed.
 */
final class SqliteReadableFile implements ReadableFile {
  private final SqliteObjectStore store;
  private final SqliteObjectStore.Pack pack;
  private final String name;
  private final long fid;
  private final long size;
  private byte[] cached;
  private long cachedSeq = -1;
  private boolean closed;

  SqliteReadableFile(
      SqliteObjectStore store, SqliteObjectStore.Pack pack, String name, long fid, long size) {
    this.store = store;
    this.pack = pack;
    this.name = name;
    this.fid = fid;
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
    if (closed) {
      throw new StorageException("file " + name + " is closed", null, false);
    }
    if (position >= size) {
      return -1;
    }
    int count = 0;
    while (dst.hasRemaining() && position < size) {
      long seq = position / Sql.CHUNK_SIZE;
      int off = (int) (position % Sql.CHUNK_SIZE);
      byte[] chunk = chunk(seq);
      int n = Math.min(dst.remaining(), chunk.length - off);
      dst.put(chunk, off, n);
      position += n;
      count += n;
    }
    return count;
  }

  private byte[] chunk(long seq) {
    if (seq == cachedSeq) {
      return cached;
    }
    byte[] data =
        store.db().readChunk("reading " + name + " of repository " + store.repo().id(), fid, seq);
    long expected = Math.min(Sql.CHUNK_SIZE, size - seq * Sql.CHUNK_SIZE);
    if (data == null || data.length != expected) {
      throw new StorageException(
          "file " + name + " of repository " + store.repo().id() + ": chunk " + seq
              + (data == null ? " is missing" : " has " + data.length + " bytes, expected " + expected)
              + " (repository deleted?)",
          null,
          false);
    }
    cached = data;
    cachedSeq = seq;
    return data;
  }

  @Override
  public int blockSize() {
    return Sql.CHUNK_SIZE;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      cached = null;
      pack.release();
    }
  }
}
