package dev.artifacts.storage.mem.internal;

import dev.artifacts.spi.ObjectStore;
import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.ReadableFile;
import dev.artifacts.spi.WritableFile;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Packs as byte arrays. The visible set is an immutable map swapped under a lock, so a commit is
 * atomic and readers never block.
 */
final class MemObjectStore implements ObjectStore {
  private record Pack(PackDescriptor descriptor, Map<String, byte[]> files) {}

  private record Retired(Pack pack, long retiredNanos) {}

  /**
   * How long a replaced pack stays readable: readers that listed it before a compaction may
   * still be serving a clone from it.
   */
  static final long RETIRED_GRACE_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(10);

  private volatile Map<String, Retired> retired = Map.of();

  private final Object commitLock = new Object();
  private volatile Map<String, Pack> visible = Map.of();
  private final ConcurrentHashMap<String, Map<String, Buffer>> pending = new ConcurrentHashMap<>();

  @Override
  public List<PackDescriptor> listPacks() {
    return visible.values().stream().map(Pack::descriptor).toList();
  }

  @Override
  public Optional<ReadableFile> open(String packName, String ext) {
    Pack pack = visible.get(packName);
    if (pack == null) {
      Retired r = retired.get(packName);
      pack = r == null ? null : r.pack();
    }
    byte[] data = pack == null ? null : pack.files().get(ext);
    return data == null ? Optional.empty() : Optional.of(new ByteArrayFile(data));
  }

  @Override
  public WritableFile create(String packName, String ext) {
    Buffer buffer = new Buffer();
    Buffer previous =
        pending.computeIfAbsent(packName, k -> new ConcurrentHashMap<>()).putIfAbsent(ext, buffer);
    if (previous != null) {
      throw new IllegalStateException("file " + packName + "." + ext + " is already being written");
    }
    return buffer;
  }

  @Override
  public void commit(Collection<PackDescriptor> added, Collection<String> replaced) {
    synchronized (commitLock) {
      Map<String, Pack> next = new LinkedHashMap<>(visible);
      for (PackDescriptor d : added) {
        Map<String, Buffer> written = pending.getOrDefault(d.name(), Map.of());
        Map<String, byte[]> files = new HashMap<>();
        d.requireWritten(written::get, b -> b.closed, b -> b.length)
            .forEach((ext, b) -> files.put(ext, b.toArray()));
        next.put(d.name(), new Pack(d, Map.copyOf(files)));
      }
      long now = System.nanoTime();
      Map<String, Retired> nextRetired = new HashMap<>();
      for (Map.Entry<String, Retired> r : retired.entrySet()) {
        if (now - r.getValue().retiredNanos() < RETIRED_GRACE_NANOS) {
          nextRetired.put(r.getKey(), r.getValue());
        }
      }
      for (String name : replaced) {
        Pack gone = next.remove(name);
        if (gone != null) {
          nextRetired.put(name, new Retired(gone, now));
        }
      }
      visible = Map.copyOf(next);
      retired = Map.copyOf(nextRetired);
      for (PackDescriptor d : added) {
        pending.remove(d.name());
      }
    }
  }

  @Override
  public void rollback(Collection<String> packNames) {
    if (packNames == null) {
      return;
    }
    for (String name : packNames) {
      if (name != null) {
        pending.remove(name);
      }
    }
  }

  private static final class Buffer implements WritableFile {
    private byte[] data = new byte[8192];
    private int length;
    private volatile boolean closed;

    @Override
    public synchronized void write(byte[] buf, int off, int len) {
      if (closed) {
        throw new IllegalStateException("file is closed");
      }
      if (length + len > data.length) {
        long want = Math.max((long) data.length * 2, (long) length + len);
        if (want > Integer.MAX_VALUE - 8) {
          throw new dev.artifacts.spi.StorageException(
              "in-memory pack file exceeds 2 GiB", null, false);
        }
        data = Arrays.copyOf(data, (int) want);
      }
      System.arraycopy(buf, off, data, length, len);
      length += len;
    }

    @Override
    public synchronized int read(long position, ByteBuffer dst) {
      if (position >= length) {
        return -1;
      }
      int n = (int) Math.min(dst.remaining(), length - position);
      dst.put(data, (int) position, n);
      return n;
    }

    @Override
    public synchronized void close() {
      closed = true;
    }

    synchronized byte[] toArray() {
      return Arrays.copyOf(data, length);
    }
  }

  private static final class ByteArrayFile implements ReadableFile {
    private final byte[] data;

    ByteArrayFile(byte[] data) {
      this.data = data;
    }

    @Override
    public long size() {
      return data.length;
    }

    @Override
    public int read(long position, ByteBuffer dst) {
      if (position >= data.length) {
        return -1;
      }
      int n = (int) Math.min(dst.remaining(), data.length - position);
      dst.put(data, (int) position, n);
      return n;
    }

    @Override
    public int blockSize() {
      return 0;
    }

    @Override
    public void close() {}
  }
}
