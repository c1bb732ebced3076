package dev.artifacts.storage.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.spi.DeleteResult;
import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.RefBatchResult;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.StorageException;
import dev.artifacts.spi.TokenRecord;
import dev.artifacts.storage.fs.internal.FsOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForkTest {
  private static final ObjectId C1 = ObjectId.fromString("1111111111111111111111111111111111111111");
  private static final ObjectId C2 = ObjectId.fromString("2222222222222222222222222222222222222222");
  private static final ObjectId C3 = ObjectId.fromString("3333333333333333333333333333333333333333");
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
  void forkCopiesRefsOwnsNoPacksAndChangesStayIndependent() {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      RepositoryStore p = parentWithPackAndRefs(s, "p");
      Map<String, RefValue> before = Map.copyOf(p.refs().list(""));

      RepositoryStore c = s.fork("p", "c", false).orElseThrow();
      assertThat(c.id()).isEqualTo("c");
      assertThat(c.parentId()).contains("p");
      assertThat(c.readOnly()).isFalse();
      assertThat(p.parentId()).isEmpty();
      assertThat(p.readOnly()).isFalse();
      assertThat(s.open("c").orElseThrow()).isSameAs(c);
      assertThat(c.refs().list("")).isEqualTo(before);
      assertThat(c.refs().get("HEAD")).contains(RefValue.symbolic("refs/heads/main"));
      assertThat(c.objects().listPacks()).isEmpty();
      assertThat(c.objects().open("p1", "pack")).isEmpty();
      assertThat(s.forks("p")).containsExactly("c");
      assertThat(s.forks("c")).isEmpty();
      assertThat(s.list(null, 10)).containsExactly("c", "p");

      // later changes on either side stay on that side
      p.refs().apply(List.of(RefChange.update("refs/heads/main", RefValue.of(C1), RefValue.of(C2))));
      c.refs().apply(List.of(RefChange.create("refs/heads/topic", RefValue.of(C3))));
      c.refs().apply(
          List.of(
              RefChange.update(
                  "HEAD", RefValue.symbolic("refs/heads/main"), RefValue.symbolic("refs/heads/topic"))));
      assertThat(p.refs().get("refs/heads/main")).contains(RefValue.of(C2));
      assertThat(p.refs().get("refs/heads/topic")).isEmpty();
      assertThat(p.refs().get("HEAD")).contains(RefValue.symbolic("refs/heads/main"));
      assertThat(c.refs().get("refs/heads/main")).contains(RefValue.of(C1));
      assertThat(c.refs().get("HEAD")).contains(RefValue.symbolic("refs/heads/topic"));

      // the child commits packs of its own; the parent does not see them
      PackDescriptor d = TestSupport.writePack(c.objects(), "c1", Map.of("pack", new byte[] {9}));
      c.objects().commit(List.of(d), List.of());
      assertThat(c.objects().listPacks()).containsExactly(d);
      assertThat(p.objects().listPacks()).extracting(PackDescriptor::name).containsExactly("p1");
      assertThat(p.objects().open("c1", "pack")).isEmpty();
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      RepositoryStore c = s.open("c").orElseThrow();
      assertThat(c.objects().listPacks()).extracting(PackDescriptor::name).containsExactly("c1");
      assertThat(TestSupport.readAll(c.objects(), "c1", "pack")).containsExactly(9);
      assertThat(c.refs().get("refs/heads/main")).contains(RefValue.of(C1));
      assertThat(s.open("p").orElseThrow().refs().get("refs/heads/main"))
          .contains(RefValue.of(C2));
    }
  }

  @Test
  void detachedHeadIsCopied() {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      RepositoryStore p = s.create("p").orElseThrow();
      p.refs().apply(List.of(RefChange.create("HEAD", RefValue.of(C3))));
      RepositoryStore c = s.fork("p", "c", true).orElseThrow();
      assertThat(c.refs().list("")).containsExactly(Map.entry("HEAD", RefValue.of(C3)));
      assertThat(s.repositoryDirectory("c").resolve("HEAD")).hasContent(C3.name());
      // a fork of an empty repository is empty
      s.create("e");
      assertThat(s.fork("e", "e2", false).orElseThrow().refs().list("")).isEmpty();
    }
  }

  @Test
  void parentAndReadOnlyAndIndexSurviveReopenIncludingForkOfFork() {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      parentWithPackAndRefs(s, "p");
      assertThat(s.fork("p", "b", true)).isPresent();
      assertThat(s.fork("p", "a", false)).isPresent();
      RepositoryStore gc = s.fork("b", "gc", false).orElseThrow();
      assertThat(gc.parentId()).contains("b");
      assertThat(gc.refs().get("refs/heads/main")).contains(RefValue.of(C1));
      assertThat(s.forks("p")).containsExactly("a", "b");
      assertThat(s.forks("b")).containsExactly("gc");
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.forks("p")).containsExactly("a", "b");
      assertThat(s.forks("b")).containsExactly("gc");
      assertThat(s.forks("gc")).isEmpty();
      assertThat(s.forks("nope")).isEmpty();
      RepositoryStore a = s.open("a").orElseThrow();
      RepositoryStore b = s.open("b").orElseThrow();
      RepositoryStore gc = s.open("gc").orElseThrow();
      RepositoryStore p = s.open("p").orElseThrow();
      assertThat(a.parentId()).contains("p");
      assertThat(a.readOnly()).isFalse();
      assertThat(b.parentId()).contains("p");
      assertThat(b.readOnly()).isTrue();
      assertThat(gc.parentId()).contains("b");
      assertThat(gc.readOnly()).isFalse();
      assertThat(p.parentId()).isEmpty();
      assertThat(p.readOnly()).isFalse();
      assertThat(gc.refs().get("HEAD")).contains(RefValue.symbolic("refs/heads/main"));
      assertThat(gc.objects().listPacks()).isEmpty();
      // a reloaded fork that never committed still accepts its first pack
      PackDescriptor d = TestSupport.writePack(gc.objects(), "g1", Map.of("pack", new byte[] {7}));
      gc.objects().commit(List.of(d), List.of());
      assertThat(gc.objects().listPacks()).containsExactly(d);
    }
  }

  @Test
  void missingParentInvalidIdsAndDuplicateChild() throws IOException {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThatThrownBy(() -> s.fork("nope", "c", false))
          .isInstanceOf(IllegalArgumentException.class);
      s.create("p");
      s.create("other");
      assertThatThrownBy(() -> s.fork("p", "../x", false))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> s.fork("a/b", "c", false))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> s.forks("")).isInstanceOf(IllegalArgumentException.class);
      assertThat(s.fork("p", "c", false)).isPresent();
      assertThat(s.fork("p", "c", true)).isEmpty();
      assertThat(s.fork("p", "other", false)).isEmpty();
      assertThat(s.fork("p", "p", false)).isEmpty();
      assertThat(s.open("c").orElseThrow().readOnly()).isFalse();
      assertThat(s.open("other").orElseThrow().parentId()).isEmpty();
      assertThat(s.forks("p")).containsExactly("c");
      assertThat(s.create("c")).isEmpty();
      assertThat(entries(dir.resolve("tmp"))).isEmpty();
    }
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
  void deleteIsRefusedWhileForksExist() {
    TokenRecord token = new TokenRecord(String.format("%064x", 1), "p", "read", 10, 0);
    try (FileSystemStorage s = TestSupport.open(dir)) {
      RepositoryStore p = parentWithPackAndRefs(s, "p");
      s.tokens().put(token);
      s.fork("p", "c", false).orElseThrow();
      s.fork("c", "gc", false).orElseThrow();
      Map<String, RefValue> refs = Map.copyOf(p.refs().list(""));

      assertThat(s.delete("p")).isEqualTo(DeleteResult.HAS_FORKS);
      assertThat(s.delete("c")).isEqualTo(DeleteResult.HAS_FORKS);
      // nothing was removed, and the held store still works
      assertThat(s.open("p").orElseThrow()).isSameAs(p);
      assertThat(p.refs().list("")).isEqualTo(refs);
      assertThat(p.objects().listPacks()).hasSize(1);
      assertThat(s.tokens().find(token.hash())).contains(token);
      assertThat(s.repositoryDirectory("p")).isDirectory();
      assertThat(s.list(null, 10)).containsExactly("c", "gc", "p");
      p.refs().apply(List.of(RefChange.create("refs/heads/x", RefValue.of(C2))));

      assertThat(s.delete("gc")).isEqualTo(DeleteResult.DELETED);
      assertThat(s.forks("c")).isEmpty();
      assertThat(s.delete("c")).isEqualTo(DeleteResult.DELETED);
      assertThat(s.forks("p")).isEmpty();
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.forks("p")).isEmpty();
      assertThat(s.delete("p")).isEqualTo(DeleteResult.DELETED);
      assertThat(s.delete("p")).isEqualTo(DeleteResult.NOT_FOUND);
      assertThat(s.tokens().find(token.hash())).isEmpty();
      assertThat(s.list(null, 10)).isEmpty();
      // the ids are free again; a new repository of the old child id is an original
      assertThat(s.create("c").orElseThrow().parentId()).isEmpty();
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

  @Test
  void concurrentForksAndDeletesOfTheSameParentNeverOrphanAFork() throws Exception {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      for (int round = 0; round < 20; round++) {
        String parent = "p" + round;
        s.create(parent).orElseThrow();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
          List<Future<?>> futures = new ArrayList<>();
          for (int i = 0; i < 7; i++) {
            String child = parent + "-c" + i;
            futures.add(
                pool.submit(
                    () -> {
                      try {
                        s.fork(parent, child, false);
                      } catch (IllegalArgumentException e) {
                        // the parent was deleted first
                      }
                    }));
          }
          Future<DeleteResult> del = pool.submit(() -> s.delete(parent));
          for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
          }
          DeleteResult r = del.get(60, TimeUnit.SECONDS);
          List<String> forks = s.forks(parent);
          if (r == DeleteResult.DELETED) {
            assertThat(forks).isEmpty();
            assertThat(s.open(parent)).isEmpty();
          } else {
            assertThat(r).isEqualTo(DeleteResult.HAS_FORKS);
            assertThat(forks).isNotEmpty();
            assertThat(s.open(parent)).isPresent();
          }
          for (String id : s.list(parent + "-", 100)) {
            if (id.startsWith(parent + "-c")) {
              assertThat(forks).contains(id);
            }
          }
        } finally {
          pool.shutdown();
        }
      }
    }
    // after a restart, every fork's parent exists
    try (FileSystemStorage s = TestSupport.open(dir)) {
      for (String id : s.list(null, 1000)) {
        s.open(id).orElseThrow().parentId().ifPresent(pid -> assertThat(s.open(pid)).isPresent());
      }
    }
  }
}
