package dev.artifacts.storage.fs;

import static dev.artifacts.storage.fs.TestSupport.randomBytes;
import static dev.artifacts.storage.fs.TestSupport.readAll;
import static dev.artifacts.storage.fs.TestSupport.writeFile;
import static dev.artifacts.storage.fs.TestSupport.writePack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.spi.ObjectStore;
import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.ReadableFile;
import dev.artifacts.spi.StorageException;
import dev.artifacts.spi.WritableFile;
import dev.artifacts.storage.fs.internal.FsObjectStore;
import dev.artifacts.storage.fs.internal.FsOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObjectStoreTest {
  @TempDir Path dir;

  @Test
  void writesAndReadsBackByteExact() {
    byte[] pack = randomBytes(300_000, 1);
    byte[] idx = randomBytes(1234, 2);
    try (FileSystemStorage s = TestSupport.open(dir)) {
      ObjectStore objects = s.create("r").orElseThrow().objects();
      PackDescriptor d = writePack(objects, "p1", Map.of("pack", pack, "idx", idx));
      objects.commit(List.of(d), List.of());

      assertThat(objects.listPacks()).containsExactly(d);
      assertThat(readAll(objects, "p1", "pack")).isEqualTo(pack);
      assertThat(readAll(objects, "p1", "idx")).isEqualTo(idx);
      try (ReadableFile f = objects.open("p1", "pack").orElseThrow()) {
        assertThat(f.size()).isEqualTo(pack.length);
        assertThat(f.blockSize()).isZero();
        ByteBuffer b = ByteBuffer.allocate(10);
        assertThat(f.read(pack.length - 4, b)).isEqualTo(4);
        assertThat(b.position()).isEqualTo(4);
        assertThat(f.read(pack.length, ByteBuffer.allocate(10))).isEqualTo(-1);
        ByteBuffer mid = ByteBuffer.allocate(100);
        assertThat(f.read(1000, mid)).isEqualTo(100);
        assertThat(mid.array()).isEqualTo(java.util.Arrays.copyOfRange(pack, 1000, 1100));
      }
      assertThat(objects.open("p1", "bitmap")).isEmpty();
      assertThat(objects.open("nope", "pack")).isEmpty();
      assertThat(objects.open("../x", "pack")).isEmpty();
      assertThat(s.repositoryDirectory("r").resolve("objects/pack/pack-p1.pack"))
          .hasBinaryContent(pack);
    }
  }

  @Test
  void writableFileReadsBackWhatWasWrittenIncludingBufferedBytes() {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      ObjectStore objects = s.create("r").orElseThrow().objects();
      byte[] big = randomBytes(200_000, 3);
      try (WritableFile w = objects.create("p", "pack")) {
        w.write(big, 0, 100_000); // goes straight to the channel
        w.write(big, 100_000, 10); // buffered
        ByteBuffer b = ByteBuffer.allocate(40);
        assertThat(w.read(99_980, b)).isEqualTo(30); // spans channel and buffer
        assertThat(java.util.Arrays.copyOf(b.array(), 30))
            .isEqualTo(java.util.Arrays.copyOfRange(big, 99_980, 100_010));
        assertThat(w.read(100_010, ByteBuffer.allocate(4))).isEqualTo(-1);
        w.write(big, 100_010, 99_990);
        ByteBuffer all = ByteBuffer.allocate(200_000);
        int n = 0;
        while (all.hasRemaining()) {
          int r = w.read(n, all);
          assertThat(r).isPositive();
          n += r;
        }
        assertThat(all.array()).isEqualTo(big);
      }
      objects.rollback(List.of("p"));
    }
  }

  @Test
  void uncommittedFilesAreInvisible() {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      ObjectStore objects = s.create("r").orElseThrow().objects();
      writeFile(objects, "p1", "pack", randomBytes(100, 1));
      assertThat(objects.listPacks()).isEmpty();
      assertThat(objects.open("p1", "pack")).isEmpty();
      try (Stream<Path> files = Files.list(s.repositoryDirectory("r").resolve("objects/pack"))) {
        assertThat(files).isEmpty();
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void multiPackCommitIsAtomicAndReplaceRetires() {
    try (FileSystemStorage s =
        TestSupport.open(dir, Duration.ofHours(1), FsOptions.FaultInjector.NONE)) {
      FsObjectStore objects = (FsObjectStore) s.create("r").orElseThrow().objects();
      PackDescriptor a = writePack(objects, "a", Map.of("pack", randomBytes(10, 1)));
      PackDescriptor b = writePack(objects, "b", Map.of("pack", randomBytes(20, 2)));
      objects.commit(List.of(a, b), List.of());
      assertThat(objects.listPacks()).containsExactlyInAnyOrder(a, b);

      PackDescriptor c =
          writePack(objects, "c", Map.of("pack", randomBytes(30, 3), "idx", randomBytes(5, 4)));
      try (ReadableFile openBefore = objects.open("a", "pack").orElseThrow()) {
        objects.commit(List.of(c), List.of("a", "b", "unknown"));
        assertThat(objects.listPacks()).containsExactly(c);
        // a reader that listed "a" before may still open it during the grace period
        assertThat(readAll(objects, "a", "pack")).isEqualTo(randomBytes(10, 1));
        objects.purgeRetiredNow();
        assertThat(objects.retiredNames()).isEmpty();
        assertThat(objects.open("a", "pack")).isEmpty();
        assertThat(s.repositoryDirectory("r").resolve("objects/pack/pack-a.pack")).doesNotExist();
        // an already open file keeps working after its deletion (POSIX)
        assertThat(readAll(openBefore)).isEqualTo(randomBytes(10, 1));
      }
    }
  }

  @Test
  void retiredFilesAreDeletedAfterGraceAtNextCommit() {
    try (FileSystemStorage s = TestSupport.open(dir, Duration.ZERO, FsOptions.FaultInjector.NONE)) {
      FsObjectStore objects = (FsObjectStore) s.create("r").orElseThrow().objects();
      PackDescriptor a = writePack(objects, "a", Map.of("pack", randomBytes(10, 1)));
      objects.commit(List.of(a), List.of());
      PackDescriptor b = writePack(objects, "b", Map.of("pack", randomBytes(10, 2)));
      objects.commit(List.of(b), List.of("a"));
      assertThat(objects.retiredNames()).isEmpty();
      assertThat(objects.open("a", "pack")).isEmpty();
      assertThat(s.repositoryDirectory("r").resolve("objects/pack/pack-a.pack")).doesNotExist();
    }
  }

  @Test
  void commitRejectsUnwrittenOrWrongLengthFilesAndChangesNothing() {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      ObjectStore objects = s.create("r").orElseThrow().objects();
      writeFile(objects, "a", "pack", randomBytes(10, 1));
      PackDescriptor missingIdx =
          new PackDescriptor("a", "RECEIVE", Map.of("pack", 10L, "idx", 5L), 1, 0);
      assertThatThrownBy(() -> objects.commit(List.of(missingIdx), List.of()))
          .isInstanceOf(IllegalArgumentException.class);
      PackDescriptor wrongLength = new PackDescriptor("a", "RECEIVE", Map.of("pack", 11L), 1, 0);
      assertThatThrownBy(() -> objects.commit(List.of(wrongLength), List.of()))
          .isInstanceOf(IllegalArgumentException.class);
      WritableFile open = objects.create("b", "pack");
      open.write(new byte[3], 0, 3);
      PackDescriptor notClosed = new PackDescriptor("b", "RECEIVE", Map.of("pack", 3L), 1, 0);
      assertThatThrownBy(() -> objects.commit(List.of(notClosed), List.of()))
          .isInstanceOf(IllegalArgumentException.class);
      open.close();
      assertThat(objects.listPacks()).isEmpty();
      // still committable once correct
      objects.commit(
          List.of(new PackDescriptor("a", "RECEIVE", Map.of("pack", 10L), 1, 0), notClosed),
          List.of());
      assertThat(objects.listPacks()).hasSize(2);
      assertThatThrownBy(() -> objects.create("a", "idx"))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void duplicateCreateIsRejected() {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      ObjectStore objects = s.create("r").orElseThrow().objects();
      try (WritableFile w = objects.create("a", "pack")) {
        assertThatThrownBy(() -> objects.create("a", "pack"))
            .isInstanceOf(IllegalArgumentException.class);
      }
      objects.rollback(List.of("a"));
    }
  }

  @Test
  void rollbackDiscardsAndNeverThrows() {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      ObjectStore objects = s.create("r").orElseThrow().objects();
      writeFile(objects, "a", "pack", randomBytes(10, 1));
      WritableFile stillOpen = objects.create("a", "idx");
      stillOpen.write(new byte[5], 0, 5);
      assertThatCode(() -> objects.rollback(List.of("a", "unknown"))).doesNotThrowAnyException();
      assertThatCode(() -> objects.rollback(List.of())).doesNotThrowAnyException();
      assertThatCode(() -> objects.rollback(java.util.Arrays.asList("x", null)))
          .doesNotThrowAnyException();
      Path incoming = s.repositoryDirectory("r").resolve("artifacts/incoming");
      try (Stream<Path> files = Files.list(incoming)) {
        assertThat(files).isEmpty();
      } catch (IOException e) {
        throw new AssertionError(e);
      }
      PackDescriptor d = new PackDescriptor("a", "RECEIVE", Map.of("pack", 10L), 1, 0);
      assertThatThrownBy(() -> objects.commit(List.of(d), List.of()))
          .isInstanceOf(IllegalArgumentException.class);
      // the same name can be written again after a rollback
      writeFile(objects, "a", "pack", randomBytes(10, 2));
      objects.commit(List.of(d), List.of());
      assertThat(readAll(objects, "a", "pack")).isEqualTo(randomBytes(10, 2));
    }
  }

  @Test
  void failedCommitChangesNothingAndCanBeRetried() {
    String[] failAt = {null};
    FsOptions.FaultInjector faults =
        point -> {
          if (point.equals(failAt[0])) {
            throw new IOException("injected at " + point);
          }
        };
    PackDescriptor a;
    try (FileSystemStorage s = TestSupport.open(dir, Duration.ofHours(1), faults)) {
      ObjectStore objects = s.create("r").orElseThrow().objects();
      PackDescriptor old = writePack(objects, "old", Map.of("pack", randomBytes(7, 7)));
      objects.commit(List.of(old), List.of());
      a =
          writePack(objects, "a", Map.of("pack", randomBytes(10, 1), "idx", randomBytes(4, 2)));
      for (String point :
          List.of(
              FsOptions.FaultInjector.COMMIT_AFTER_PACK_RENAME,
              FsOptions.FaultInjector.COMMIT_BEFORE_MANIFEST_RENAME)) {
        failAt[0] = point;
        PackDescriptor added = a;
        assertThatThrownBy(() -> objects.commit(List.of(added), List.of("old")))
            .isInstanceOf(StorageException.class);
        assertThat(objects.listPacks()).containsExactly(old);
        assertThat(objects.open("a", "pack")).isEmpty();
      }
      failAt[0] = null;
      objects.commit(List.of(a), List.of("old"));
      assertThat(objects.listPacks()).containsExactly(a);
      assertThat(readAll(objects, "a", "idx")).isEqualTo(randomBytes(4, 2));
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      ObjectStore objects = s.open("r").orElseThrow().objects();
      assertThat(objects.listPacks()).containsExactly(a);
      assertThat(readAll(objects, "a", "pack")).isEqualTo(randomBytes(10, 1));
    }
  }

  @Test
  void descriptorSurvivesReopenUnchanged() {
    PackDescriptor d =
        new PackDescriptor(
            "x_Y-1", "we ird\tsource\n%é", Map.of("pack", 3L, "idx", 2L, "bitmap", 1L), 42, 99);
    try (FileSystemStorage s = TestSupport.open(dir)) {
      ObjectStore objects = s.create("r").orElseThrow().objects();
      writeFile(objects, "x_Y-1", "pack", new byte[] {1, 2, 3});
      writeFile(objects, "x_Y-1", "idx", new byte[] {4, 5});
      writeFile(objects, "x_Y-1", "bitmap", new byte[] {6});
      objects.commit(List.of(d), List.of());
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      ObjectStore objects = s.open("r").orElseThrow().objects();
      assertThat(objects.listPacks()).containsExactly(d);
      assertThat(readAll(objects, "x_Y-1", "bitmap")).containsExactly(6);
    }
  }
}
