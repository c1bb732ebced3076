package dev.artifacts.storage.fs;

import dev.artifacts.spi.ObjectStore;
import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.ReadableFile;
import dev.artifacts.spi.WritableFile;
import dev.artifacts.storage.fs.internal.FsOptions;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

final class TestSupport {
  private TestSupport() {}

  static FileSystemStorage open(Path dir) {
    return FileSystemStorage.open(dir);
  }

  static FileSystemStorage open(Path dir, Duration grace, FsOptions.FaultInjector faults) {
    return FileSystemStorage.open(dir, new FsOptions(grace, faults));
  }

  static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Writes one file in uneven chunks. */
  static void writeFile(ObjectStore store, String pack, String ext, byte[] data) {
    try (WritableFile w = store.create(pack, ext)) {
      int off = 0;
      int step = 1;
      while (off < data.length) {
        int n = Math.min(step, data.length - off);
        w.write(data, off, n);
        off += n;
        step = step * 3 + 1;
      }
    }
  }

  /** Writes and commits a pack with the given files. */
  static PackDescriptor writePack(ObjectStore store, String pack, Map<String, byte[]> files) {
    Map<String, Long> lengths = new LinkedHashMap<>();
    files.forEach(
        (ext, data) -> {
          writeFile(store, pack, ext, data);
          lengths.put(ext, (long) data.length);
        });
    return new PackDescriptor(pack, "RECEIVE", lengths, 3, 1_700_000_000_000L);
  }

  static byte[] readAll(ReadableFile f) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer buf = ByteBuffer.allocate(1000);
    long pos = 0;
    while (true) {
      buf.clear();
      int n = f.read(pos, buf);
      if (n < 0) {
        break;
      }
      out.write(buf.array(), 0, n);
      pos += n;
    }
    return out.toByteArray();
  }

  static byte[] readAll(ObjectStore store, String pack, String ext) {
    Optional<ReadableFile> f = store.open(pack, ext);
    if (f.isEmpty()) {
      throw new AssertionError("no file " + pack + "." + ext);
    }
    try (ReadableFile r = f.get()) {
      return readAll(r);
    }
  }
}
