package dev.artifacts.internal.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZipWriterTest {
  @TempDir Path tmp;

  private static final long MTIME = 1_600_000_000L;

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private static byte[] text(int lines) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lines; i++) {
      sb.append("line ").append(i).append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private Path write(boolean zip64, byte[] small, byte[] incompressible, byte[] large) throws IOException {
    Path zip = tmp.resolve(zip64 ? "z64.zip" : "z.zip");
    try (OutputStream out = Files.newOutputStream(zip)) {
      ZipWriter w = new ZipWriter(out, MTIME, "c0ffee", java.util.zip.Deflater.DEFAULT_COMPRESSION, zip64);
      w.directory("dir");
      w.file("dir/small.txt", false, small.length, new ByteArrayInputStream(small));
      w.file("dir/run.sh", true, 3, new ByteArrayInputStream("hi\n".getBytes(StandardCharsets.UTF_8)));
      w.file("random.bin", false, incompressible.length, new ByteArrayInputStream(incompressible));
      w.file("large.txt", false, large.length, new ByteArrayInputStream(large));
      w.file("empty", false, 0, new ByteArrayInputStream(new byte[0]));
      w.file("ünï.txt", false, 1, new ByteArrayInputStream(new byte[] {'u'}));
      w.symlink("link", "dir/small.txt".getBytes(StandardCharsets.UTF_8));
      w.finish();
    }
    return zip;
  }

  @Test
  void entriesReadBackWithMethodsModesAndSymlinks() throws Exception {
    checkMixed(false);
  }

  @Test
  void forcedZip64RecordsReadBack() throws Exception {
    checkMixed(true);
  }

  private void checkMixed(boolean zip64) throws Exception {
    byte[] small = text(100);
    byte[] incompressible = random(200_000);
    byte[] large = text(300_000); // > 1 MiB: streamed with a data descriptor
    assertThat(large.length).isGreaterThan(ZipWriter.BUFFERED_LIMIT);
    Path zip = write(zip64, small, incompressible, large);
    try (ZipFile z = new ZipFile(zip.toFile())) {
      assertThat(z.size()).isEqualTo(8);
      assertThat(z.getComment()).isEqualTo("c0ffee");
      assertThat(z.getInputStream(z.getEntry("dir/small.txt")).readAllBytes()).isEqualTo(small);
      assertThat(z.getEntry("dir/small.txt").getMethod()).isEqualTo(ZipEntry.DEFLATED);
      assertThat(z.getInputStream(z.getEntry("random.bin")).readAllBytes()).isEqualTo(incompressible);
      assertThat(z.getEntry("random.bin").getMethod()).isEqualTo(ZipEntry.STORED);
      assertThat(z.getInputStream(z.getEntry("large.txt")).readAllBytes()).isEqualTo(large);
      assertThat(z.getInputStream(z.getEntry("ünï.txt")).readAllBytes()).isEqualTo(new byte[] {'u'});
      assertThat(z.getEntry("dir/").isDirectory()).isTrue();
      assertThat(z.getEntry("empty").getSize()).isZero();
    }
    ArchiveTestSupport.run(tmp, "unzip", "-tq", zip.toString());
    String listing = ArchiveTestSupport.run(tmp, "zipinfo", zip.toString());
    assertThat(listing).containsPattern("-rwxr-xr-x .* dir/run.sh").containsPattern("lrwxrwxrwx .* link")
        .containsPattern("-rw-r--r-- .* dir/small.txt").containsPattern("drwxr-xr-x .* dir/");
    Path into = tmp.resolve("x" + zip64);
    Files.createDirectories(into);
    ArchiveTestSupport.run(into, "unzip", "-q", zip.toString());
    assertThat(Files.readSymbolicLink(into.resolve("link")).toString()).isEqualTo("dir/small.txt");
    assertThat(Files.getPosixFilePermissions(into.resolve("dir/run.sh"))).contains(PosixFilePermission.OWNER_EXECUTE);
    assertThat(Files.readAllBytes(into.resolve("large.txt"))).isEqualTo(large);
  }

  @Test
  void moreThan65535EntriesUseZip64() throws Exception {
    Path zip = tmp.resolve("many.zip");
    int n = 70_000;
    try (OutputStream out = Files.newOutputStream(zip)) {
      ZipWriter w = new ZipWriter(out, MTIME, null);
      byte[] one = {'x'};
      for (int i = 0; i < n; i++) {
        w.file("f/" + i, false, 1, new ByteArrayInputStream(one));
      }
      w.finish();
    }
    try (ZipFile z = new ZipFile(zip.toFile())) {
      assertThat(z.size()).isEqualTo(n);
      assertThat(z.getInputStream(z.getEntry("f/69999")).readAllBytes()).isEqualTo(new byte[] {'x'});
    }
    ArchiveTestSupport.run(tmp, "unzip", "-tq", zip.toString());
  }

  @Test
  void wrongSizeIsRefused() {
    ZipWriter w = new ZipWriter(OutputStream.nullOutputStream(), MTIME, null);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> w.file("a", false, 5, new ByteArrayInputStream(new byte[3])))
        .isInstanceOf(IOException.class);
  }

  /** An input of {@code size} zero bytes, produced on the fly. */
  private static java.io.InputStream zeros(long size) {
    return new java.io.InputStream() {
      long left = size;

      @Override
      public int read() {
        if (left == 0) {
          return -1;
        }
        left--;
        return 0;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left == 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        java.util.Arrays.fill(b, off, off + n, (byte) 0);
        left -= n;
        return n;
      }
    };
  }

  @Test
  void entryLargerThan4GiBUsesZip64SizesAndReadsBack() throws Exception {
    long size = (1L << 32) + 12345; // past the 32-bit limit, all zeros so it deflates to ~4 MiB
    Path zip = tmp.resolve("huge.zip");
    try (OutputStream out = Files.newOutputStream(zip)) {
      ZipWriter w = new ZipWriter(out, MTIME, null, java.util.zip.Deflater.BEST_SPEED, false);
      w.file("before.txt", false, 2, new ByteArrayInputStream("b\n".getBytes(StandardCharsets.UTF_8)));
      w.file("huge.bin", false, size, zeros(size));
      w.file("after.txt", false, 2, new ByteArrayInputStream("a\n".getBytes(StandardCharsets.UTF_8)));
      w.finish();
    }
    try (ZipFile z = new ZipFile(zip.toFile())) {
      assertThat(z.getEntry("huge.bin").getSize()).isEqualTo(size);
      assertThat(z.getInputStream(z.getEntry("after.txt")).readAllBytes()).isEqualTo("a\n".getBytes(StandardCharsets.UTF_8));
    }
    String listing = ArchiveTestSupport.run(tmp, "unzip", "-l", zip.toString());
    assertThat(listing).contains(Long.toString(size));
  }
}
