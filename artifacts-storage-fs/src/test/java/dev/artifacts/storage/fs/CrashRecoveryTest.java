package dev.artifacts.storage.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Simulates what a crash in the middle of each write leaves on disk (files the write protocol
 * creates before its commit point) and checks that none of it is visible after reopening and that
 * it is cleaned up.
 */
class CrashRecoveryTest {
  @TempDir Path dir;

  private static final ObjectId C1 = ObjectId.fromString("1111111111111111111111111111111111111111");

  private static List<String> entries(Path p) throws IOException {
    try (Stream<Path> s = Files.list(p)) {
      return s.map(x -> x.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void leftoversOfInterruptedWritesAreInvisibleAndRemoved() throws IOException {
    PackDescriptor p1;
    Path repo;
    try (FileSystemStorage s = TestSupport.open(dir)) {
      RepositoryStore r = s.create("r").orElseThrow();
      p1 = TestSupport.writePack(r.objects(), "p1", Map.of("pack", new byte[] {1, 2}));
      r.objects().commit(List.of(p1), List.of());
      r.refs().apply(List.of(RefChange.create("refs/heads/main", RefValue.of(C1))));
      repo = s.repositoryDirectory("r");
    }
    byte[] manifestBefore = Files.readAllBytes(repo.resolve("artifacts/packs"));
    byte[] refsBefore = Files.readAllBytes(repo.resolve("artifacts/refs"));

    // a push interrupted while writing: file in incoming/
    Files.write(repo.resolve("artifacts/incoming/p2.pack"), new byte[] {5, 5});
    // a commit interrupted after renaming into objects/pack, before the manifest rename
    Files.write(repo.resolve("objects/pack/pack-p3.pack"), new byte[] {6});
    Files.write(repo.resolve("objects/pack/pack-p3.idx"), new byte[] {7});
    // half-written replacement manifests and refs files
    String half = new String(manifestBefore, StandardCharsets.UTF_8);
    Files.writeString(
        repo.resolve("artifacts/.packs.abc123.tmp"),
        half + "p3\tRECEIVE\t1\t1\tpack=1\n"); // no checksum: torn
    Files.write(repo.resolve("artifacts/.refs.77.tmp"), new byte[] {'a', 'r'});
    // mirror temp files and a torn HEAD mirror (mirrors are not fsynced)
    Files.writeString(repo.resolve(".packed-refs.1.tmp"), "# pack-refs");
    Files.writeString(repo.resolve("HEAD"), "");
    // an interrupted create and an interrupted delete
    Files.createDirectories(dir.resolve("tmp/new-123/objects/pack"));
    Files.createDirectories(dir.resolve("trash/old-456/refs"));
    // a token write interrupted before its rename
    Files.writeString(dir.resolve("tokens/." + "ab".repeat(32) + ".9.tmp"), "artifacts-token v1\n");

    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.list(null, 10)).containsExactly("r");
      assertThat(s.tokens().find("ab".repeat(32))).isEmpty();
      RepositoryStore r = s.open("r").orElseThrow();
      assertThat(r.objects().listPacks()).containsExactly(p1);
      assertThat(r.objects().open("p2", "pack")).isEmpty();
      assertThat(r.objects().open("p3", "pack")).isEmpty();
      assertThat(r.refs().list("")).containsExactly(Map.entry("refs/heads/main", RefValue.of(C1)));

      assertThat(entries(repo.resolve("artifacts/incoming"))).isEmpty();
      assertThat(entries(repo.resolve("objects/pack"))).containsExactly("pack-p1.pack");
      assertThat(entries(repo.resolve("artifacts"))).containsExactly("incoming", "packs", "refs");
      assertThat(repo.resolve(".packed-refs.1.tmp")).doesNotExist();
      assertThat(repo.resolve("HEAD")).hasContent("ref: refs/heads/main");
      assertThat(repo.resolve("packed-refs"))
          .hasContent("# pack-refs with: peeled fully-peeled sorted \n" + C1.name()
              + " refs/heads/main");
      assertThat(entries(dir.resolve("tmp"))).isEmpty();
      assertThat(entries(dir.resolve("trash"))).isEmpty();
      assertThat(entries(dir.resolve("tokens"))).containsExactly("journal");
      assertThat(Files.readAllBytes(repo.resolve("artifacts/packs"))).isEqualTo(manifestBefore);
      assertThat(Files.readAllBytes(repo.resolve("artifacts/refs"))).isEqualTo(refsBefore);

      // and the repository keeps working: the leftover names can be written again
      PackDescriptor p3 = TestSupport.writePack(r.objects(), "p3", Map.of("pack", new byte[] {8}));
      r.objects().commit(List.of(p3), List.of());
      assertThat(TestSupport.readAll(r.objects(), "p3", "pack")).containsExactly(8);
    }
  }

  @Test
  void damagedManifestIsReportedNotIgnored() throws IOException {
    Path repo;
    try (FileSystemStorage s = TestSupport.open(dir)) {
      s.create("r");
      repo = s.repositoryDirectory("r");
    }
    Files.writeString(repo.resolve("artifacts/packs"), "artifacts-packs v1\np\tX\t1\t1\tpack=1\n");
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThatThrownBy(() -> s.open("r"))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("damaged");
    }
  }
}
