package dev.artifacts.storage.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.RefBatchResult;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.StorageException;
import dev.artifacts.storage.fs.internal.FsOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the conformance kit cannot see of this backend's forks: a fork failing before its rename,
 * its size on disk and its alternates file, and what a crash can leave of it.
 */
class ForkTest {
  private static final ObjectId C1 = ObjectId.fromString("1111111111111111111111111111111111111111");
  private static final ObjectId T1 = ObjectId.fromString("4444444444444444444444444444444444444444");

  @TempDir Path dir;

  private static List<String> entries(Path p) throws IOException {
    try (Stream<Path> s = Files.list(p)) {
      return s.map(x -> x.getFileName().toString()).sorted().toList();
    }
  }

  /** @return the total size of the regular files below {@code p} */
  static long fileBytes(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  private static RepositoryStore parentWithPackAndRefs(FileSystemStorage s, String id) {
    RepositoryStore p = s.create(id).orElseThrow();
    PackDescriptor d = TestSupport.writePack(p.objects(), "p1", Map.of("pack", new byte[] {1, 2}));
    p.objects().commit(List.of(d), List.of());
    assertThat(
            p.refs()
                .apply(
                    List.of(
                        RefChange.create("HEAD", RefValue.symbolic("refs/heads/main")),
                        RefChange.create("refs/heads/main", RefValue.of(C1)),
                        RefChange.create("refs/tags/v1", RefValue.peeled(T1, C1)))))
        .isEqualTo(RefBatchResult.APPLIED);
    return p;
  }

  @Test
  void failedForkLeavesNothing() throws IOException {
    AtomicBoolean fail = new AtomicBoolean(true);
    FsOptions.FaultInjector faults =
        point -> {
          if (fail.get() && point.equals(FsOptions.FaultInjector.FORK_BEFORE_RENAME)) {
            throw new IOException("injected");
          }
        };
    try (FileSystemStorage s = TestSupport.open(dir, Duration.ofMinutes(1), faults)) {
      parentWithPackAndRefs(s, "p");
      assertThatThrownBy(() -> s.fork("p", "c", false)).isInstanceOf(StorageException.class);
      assertThat(s.open("c")).isEmpty();
      assertThat(s.forks("p")).isEmpty();
      assertThat(s.repositoryDirectory("c")).doesNotExist();
      assertThat(entries(dir.resolve("tmp"))).isEmpty();
      fail.set(false);
      assertThat(s.fork("p", "c", false)).isPresent();
      assertThat(s.forks("p")).containsExactly("c");
    }
  }

  @Test
  void forkCostsUnderOneKibAndOnlyReferencesTheParent() throws IOException {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      RepositoryStore p = parentWithPackAndRefs(s, "parent-repository");
      // a big parent costs the fork nothing more
      PackDescriptor big =
          TestSupport.writePack(
              p.objects(), "big", Map.of("pack", TestSupport.randomBytes(1 << 20, 1)));
      p.objects().commit(List.of(big), List.of());
      s.fork("parent-repository", "fork-of-parent-0001", false).orElseThrow();
      Path fork = s.repositoryDirectory("fork-of-parent-0001");
      long bytes = fileBytes(fork);
      System.out.println(
          "bytes per fork (HEAD + 2 refs, alternates path of "
              + Files.size(fork.resolve("objects/info/alternates")) + " bytes): " + bytes);
      try (Stream<Path> files = Files.walk(fork)) {
        files.filter(Files::isRegularFile)
            .forEach(f -> System.out.println("  " + fork.relativize(f) + " " + f.toFile().length()));
      }
      assertThat(bytes).isLessThan(1024);
      assertThat(fork.resolve("objects/info/alternates"))
          .hasContent(s.repositoryDirectory("parent-repository").resolve("objects").toString());
      assertThat(fork.resolve("objects/pack")).doesNotExist();
      // a fork of a fork costs the same: only its direct parent is named
      s.fork("fork-of-parent-0001", "fork-of-parent-0002", false).orElseThrow();
      Path fork2 = s.repositoryDirectory("fork-of-parent-0002");
      assertThat(fileBytes(fork2)).isLessThan(1024);
      assertThat(fork2.resolve("objects/info/alternates"))
          .hasContent(fork.resolve("objects").toString());
    }
  }

  @Test
  void packFilesWithoutManifestInAForkAreDamage() throws IOException {
    Path fork;
    try (FileSystemStorage s = TestSupport.open(dir)) {
      s.create("p");
      s.fork("p", "c", false);
      fork = s.repositoryDirectory("c");
    }
    assertThat(fork.resolve("artifacts/packs")).doesNotExist();
    Files.createDirectories(fork.resolve("objects/pack"));
    Files.write(fork.resolve("objects/pack/pack-x.pack"), new byte[] {1});
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThatThrownBy(() -> s.open("c"))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("damaged");
    }
  }

  @Test
  void derivedFilesOfAForkAreRebuiltOnLoad() throws IOException {
    Path fork;
    try (FileSystemStorage s = TestSupport.open(dir)) {
      parentWithPackAndRefs(s, "p");
      s.fork("p", "c", false);
      fork = s.repositoryDirectory("c");
    }
    // none of these is fsynced at fork time: after a crash they may be empty or missing
    Files.write(fork.resolve("HEAD"), new byte[0]);
    Files.delete(fork.resolve("packed-refs"));
    Files.write(fork.resolve("config"), new byte[0]);
    Files.delete(fork.resolve("objects/info/alternates"));
    Files.delete(fork.resolve("objects/info"));
    try (FileSystemStorage s = TestSupport.open(dir)) {
      s.open("c").orElseThrow();
      assertThat(fork.resolve("HEAD")).hasContent("ref: refs/heads/main");
      assertThat(fork.resolve("packed-refs")).content().contains(C1.name() + " refs/heads/main");
      assertThat(fork.resolve("config")).content().contains("bare = true");
      assertThat(fork.resolve("objects/info/alternates"))
          .hasContent(s.repositoryDirectory("p").resolve("objects").toString());
    }
  }
}
