package dev.artifacts.conformance;

import dev.artifacts.spi.ObjectStore;
import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.ReadableFile;
import dev.artifacts.spi.WritableFile;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/** Helpers to write, describe and read back pack-shaped files through the SPI. */
final class Packs {
  private static final AtomicLong NAMES = new AtomicLong();

  private Packs() {}

  /** @return a pack name never returned before in this JVM */
  static String uniqueName() {
    return "kit-" + Long.toHexString(System.nanoTime()) + "-" + NAMES.incrementAndGet();
  }

  /** @return {@code length} pseudo-random bytes determined by {@code seed} */
  static byte[] content(long seed, int length) {
    byte[] b = new byte[length];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < length; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  /** Writes one file in chunks of varying size, and closes it. */
  static void writeFile(ObjectStore store, String pack, String ext, byte[] data) {
    WritableFile f = store.create(pack, ext);
    try {
      SplittableRandom r = new SplittableRandom(data.length * 31L + ext.hashCode());
      int off = 0;
      while (off < data.length) {
        int n = Math.min(data.length - off, 1 + r.nextInt(16 * 1024));
        f.write(data, off, n);
        off += n;
      }
    } finally {
      f.close();
    }
  }

  /** Writes every file of a pack (closing each) and returns the descriptor to commit. */
  static PackDescriptor writePack(ObjectStore store, String pack, Map<String, byte[]> files) {
    Map<String, Long> lengths = new TreeMap<>();
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      writeFile(store, pack, e.getKey(), e.getValue());
      lengths.put(e.getKey(), (long) e.getValue().length);
    }
    return descriptor(pack, lengths);
  }

  /** A descriptor with fixed, recognisable metadata the backend must return unchanged. */
  static PackDescriptor descriptor(String pack, Map<String, Long> lengths) {
    return new PackDescriptor(pack, "INSERT", lengths, 7 + pack.length(), 1_700_000_000_000L + pack.hashCode());
  }

  /** Writes and commits a small pack with {@code pack} and {@code idx} files. */
  static Written commitSmallPack(ObjectStore store, long seed) {
    String name = uniqueName();
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("pack", content(seed, 1000 + (int) (seed % 500)));
    files.put("idx", content(seed + 1, 100));
    PackDescriptor d = writePack(store, name, files);
    store.commit(List.of(d), List.of());
    return new Written(d, files);
  }

  /** A pack the test wrote, with its expected content. */
  record Written(PackDescriptor descriptor, Map<String, byte[]> files) {
    String name() {
      return descriptor.name();
    }
  }

  /** Reads a whole committed file, failing the test if it cannot be opened. */
  static byte[] readAll(ObjectStore store, String pack, String ext) {
    ReadableFile f =
        store
            .open(pack, ext)
            .orElseThrow(
                () -> new AssertionError("committed file " + pack + "." + ext + " cannot be opened"));
    try {
      return readAll(f);
    } finally {
      f.close();
    }
  }

  /** Reads a whole open file from position 0, checking the read contract on the way. */
  static byte[] readAll(ReadableFile f) {
    long size = f.size();
    if (size < 0) {
      throw new AssertionError("ReadableFile.size() is negative: " + size);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) size);
    ByteBuffer buf = ByteBuffer.allocate(8192);
    long pos = 0;
    while (true) {
      buf.clear();
      int n = f.read(pos, buf);
      if (n < 0) {
        break;
      }
      int expected = (int) Math.min(buf.capacity(), size - pos);
      if (n != expected) {
        throw new AssertionError(
            "ReadableFile.read(" + pos + ") into " + buf.capacity() + " free bytes of a " + size
                + "-byte file must fill as much as the file allows (" + expected + "), but read " + n);
      }
      if (buf.position() != n) {
        throw new AssertionError(
            "ReadableFile.read must advance the buffer's position by the count read: read " + n
                + ", position " + buf.position());
      }
      out.write(buf.array(), 0, n);
      pos += n;
    }
    if (pos != size) {
      throw new AssertionError("read " + pos + " bytes before -1 from a file whose size() is " + size);
    }
    return out.toByteArray();
  }

  /** @return visible pack names */
  static Set<String> names(ObjectStore store) {
    return store.listPacks().stream().map(PackDescriptor::name).collect(Collectors.toSet());
  }
}
