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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the conformance kit cannot see of this backend's object store: the files on disk (pending
 * in {@code artifacts/incoming/}, committed in {@code objects/pack/}), the write buffer, the grace
 * period of retired files, and commits failing between their renames.
 */
class ObjectStoreTest {
  @TempDir Path dir;

  private static List<String> entries(Path p) throws IOException {
    try (Stream<Path> s = Files.list(p)) {
      return s.map(x -> x.getFileName().toString()).sorted().toList();
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
        assertThat(Arrays.copyOf(b.array(), 30)).isEqualTo(Arrays.copyOfRange(big, 99_980, 100_010));
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
  void uncommittedFilesStayInIncomingAndRollbackDeletesThem() throws IOException {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      ObjectStore objects = s.create("r").orElseThrow().objects();
      Path repo = s.repositoryDirectory("r");
      writeFile(objects, "a", "pack", randomBytes(10, 1));
      WritableFile stillOpen = objects.create("a", "idx");
      stillOpen.write(new byte[5], 0, 5);
      // stock git must not see them: nothing reaches objects/pack before the commit
      assertThat(entries(repo.resolve("objects/pack"))).isEmpty();
      assertThat(entries(repo.resolve("artifacts/incoming"))).containsExactly("a.idx", "a.pack");
      assertThatCode(() -> objects.rollback(Arrays.asList("a", null))).doesNotThrowAnyException();
      assertThat(entries(repo.resolve("artifacts/incoming"))).isEmpty();
      // committed: renamed into objects/pack under git's name
      objects.commit(List.of(writePack(objects, "b", Map.of("pack", randomBytes(7, 2)))), List.of());
      assertThat(entries(repo.resolve("artifacts/incoming"))).isEmpty();
      assertThat(repo.resolve("objects/pack/pack-b.pack")).hasBinaryContent(randomBytes(7, 2));
    }
  }

  @Test
  void retiredFilesStayReadableForTheGraceAndOpenFilesOutliveTheirDeletion() {
    try (FileSystemStorage s =
        TestSupport.open(dir, Duration.ofHours(1), FsOptions.FaultInjector.NONE)) {
      FsObjectStore objects = (FsObjectStore) s.create("r").orElseThrow().objects();
      PackDescriptor a = writePack(objects, "a", Map.of("pack", randomBytes(10, 1)));
      objects.commit(List.of(a), List.of());
      PackDescriptor c = writePack(objects, "c", Map.of("pack", randomBytes(30, 3)));
      try (ReadableFile openBefore = objects.open("a", "pack").orElseThrow()) {
        assertThat(openBefore.blockSize()).as("no preferred granularity").isZero();
        objects.commit(List.of(c), List.of("a"));
        assertThat(objects.listPacks()).containsExactly(c);
        // a reader that listed "a" before may still open it during the grace period
        assertThat(objects.retiredNames()).containsExactly("a");
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
  void filesOfACommittedPackCannotBeWrittenAgain() throws IOException {
    // a second file of that name would later be renamed over the visible one in objects/pack
    try (FileSystemStorage s = TestSupport.open(dir)) {
      ObjectStore objects = s.create("r").orElseThrow().objects();
      objects.commit(List.of(writePack(objects, "a", Map.of("pack", randomBytes(10, 1)))), List.of());
      for (String ext : List.of("pack", "idx")) {
        assertThatThrownBy(() -> objects.create("a", ext))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("already committed");
      }
      Path repo = s.repositoryDirectory("r");
      assertThat(entries(repo.resolve("artifacts/incoming"))).isEmpty();
      assertThat(repo.resolve("objects/pack/pack-a.pack")).hasBinaryContent(randomBytes(10, 1));
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
}
