package dev.artifacts.storage.fs;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
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
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

  /**
   * Starts a write that changes no file the tests look at: a fork gets its own directory (is
   * settled) before its first write.
   */
  private static void settle(RepositoryStore fork) {
    fork.objects().create("settle", "pack").close();
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

  /** @return the bytes of the files below {@code p} whose inode is not in {@code known} */
  static long newBytes(Path p, Set<Object> known) throws IOException {
    long sum = 0;
    try (Stream<Path> s = Files.walk(p)) {
      for (Path f : s.toList()) {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, NOFOLLOW_LINKS);
        if (a.isRegularFile() && !known.contains(a.fileKey())) {
          sum += a.size();
        }
      }
    }
    return sum;
  }

  private static Object fileKey(Path f) throws IOException {
    return Files.readAttributes(f, BasicFileAttributes.class, NOFOLLOW_LINKS).fileKey();
  }

  static Set<Object> inodes(Path... roots) throws IOException {
    Set<Object> out = new HashSet<>();
    for (Path root : roots) {
      try (Stream<Path> s = Files.walk(root)) {
        for (Path f : s.toList()) {
          out.add(Files.readAttributes(f, BasicFileAttributes.class, NOFOLLOW_LINKS).fileKey());
        }
      }
    }
    return out;
  }

  @Test
  void aForkLinksItsRefsRecordAndConfigSoItsCostDoesNotGrowWithTheRefs() throws IOException {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      RepositoryStore p = parentWithPackAndRefs(s, "p");
      List<RefChange> many = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        many.add(RefChange.create("refs/heads/topic-" + i, RefValue.of(C1)));
      }
      assertThat(p.refs().apply(many)).isEqualTo(RefBatchResult.APPLIED);
      Path parent = s.repositoryDirectory("p");
      s.fork("p", "c1", false).orElseThrow(); // the first fork of p also writes its view
      long before = fileBytes(dir);
      s.fork("p", "c2", false).orElseThrow();
      Path c2 = s.repositoryDirectory("c2");
      // forks made while the parent's refs do not change are links to one view
      assertThat(Files.isSymbolicLink(c2)).isTrue();
      assertThat(Files.readSymbolicLink(c2))
          .isEqualTo(Files.readSymbolicLink(s.repositoryDirectory("c1")));
      assertThat(fileBytes(dir) - before).as("its fork journal record").isLessThan(128);
      assertThat(c2.resolve("objects/info/alternates")).hasContent(parent.resolve("objects").toString());
      assertThat(c2.resolve("packed-refs")).content().contains("refs/heads/topic-199");

      // its first write gives it a directory of its own, every file a link to a shared file
      settle(s.open("c2").orElseThrow());
      assertThat(Files.isSymbolicLink(c2)).isFalse();
      Set<Object> known = inodes(parent, dir.resolve("shared"));
      long added = newBytes(c2, known);
      System.out.println("new bytes of a settled fork of a parent with 203 refs: " + added
          + " (parent's refs file " + Files.size(parent.resolve("artifacts/refs")) + " bytes)");
      assertThat(added).isZero();
      for (String f : List.of("artifacts/refs", "packed-refs", "HEAD", "artifacts/fork", "config",
          "objects/info/alternates")) {
        assertThat(fileKey(c2.resolve(f))).as(f).isIn(inodes(dir.resolve("shared")));
      }
      assertThat(c2.resolve("artifacts/refs")).hasSameBinaryContentAs(parent.resolve("artifacts/refs"));

      // updates replace names, never write through a link: each side keeps its own refs
      RepositoryStore c = s.open("c2").orElseThrow();
      ObjectId c2Head = ObjectId.fromString("2222222222222222222222222222222222222222");
      ObjectId pHead = ObjectId.fromString("3333333333333333333333333333333333333333");
      assertThat(c.refs().apply(List.of(RefChange.update("refs/heads/main", RefValue.of(C1),
          RefValue.of(c2Head))))).isEqualTo(RefBatchResult.APPLIED);
      assertThat(p.refs().apply(List.of(RefChange.update("refs/heads/main", RefValue.of(C1),
          RefValue.of(pHead))))).isEqualTo(RefBatchResult.APPLIED);
      assertThat(s.open("c1").orElseThrow().refs().get("refs/heads/main"))
          .contains(RefValue.of(C1));
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.open("p").orElseThrow().refs().get("refs/heads/main").orElseThrow().objectId())
          .isEqualTo(ObjectId.fromString("3333333333333333333333333333333333333333"));
      assertThat(s.open("c2").orElseThrow().refs().get("refs/heads/main").orElseThrow().objectId())
          .isEqualTo(ObjectId.fromString("2222222222222222222222222222222222222222"));
      assertThat(s.open("c1").orElseThrow().refs().get("refs/heads/main"))
          .contains(RefValue.of(C1));
      assertThat(s.open("c1").orElseThrow().refs().list("refs/heads/topic-")).hasSize(200);
      assertThat(s.open("c1").orElseThrow().readOnly()).isFalse();
      assertThat(s.repositoryDirectory("c1").resolve("packed-refs"))
          .content().contains(C1.name() + " refs/heads/main");
    }
  }

  @Test
  void whereLinksCannotBeMadeAForkWritesPrivateCopies() throws IOException {
    FsOptions.FaultInjector noLinks =
        point -> {
          if (point.equals(FsOptions.FaultInjector.BEFORE_LINK)) {
            throw new java.nio.file.FileSystemException("injected: no hard links here");
          }
        };
    try (FileSystemStorage s = TestSupport.open(dir, Duration.ofMinutes(1), noLinks)) {
      parentWithPackAndRefs(s, "p");
      settle(s.fork("p", "c", true).orElseThrow());
      Path c = s.repositoryDirectory("c");
      for (String f : List.of("artifacts/refs", "artifacts/fork", "config", "HEAD", "packed-refs",
          "objects/info/alternates")) {
        assertThat(Files.readAttributes(c.resolve(f), BasicFileAttributes.class).fileKey())
            .as(f)
            .isNotIn(inodes(s.repositoryDirectory("p"), dir.resolve("shared")));
      }
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      RepositoryStore c = s.open("c").orElseThrow();
      assertThat(c.readOnly()).isTrue();
      assertThat(c.parentId()).contains("p");
      assertThat(c.refs().get("refs/tags/v1")).contains(RefValue.peeled(T1, C1));
      assertThat(c.refs().get("HEAD")).contains(RefValue.symbolic("refs/heads/main"));
    }
  }

  @Test
  void whereSymbolicLinksCannotBeMadeEveryForkGetsItsDurableDirectoryAtOnce() throws IOException {
    java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
    FsOptions.FaultInjector noSymlinks =
        point -> {
          if (point.equals(FsOptions.FaultInjector.BEFORE_SYMLINK)) {
            attempts.incrementAndGet();
            throw new java.nio.file.FileSystemException("injected: no symbolic links here");
          }
        };
    try (FileSystemStorage s = TestSupport.open(dir, Duration.ofMinutes(1), noSymlinks)) {
      parentWithPackAndRefs(s, "p");
      s.fork("p", "c1", true).orElseThrow();
      s.fork("p", "c2", false).orElseThrow();
      assertThat(attempts.get()).isEqualTo(1); // later forks stop trying
      for (String id : List.of("c1", "c2")) {
        Path c = s.repositoryDirectory(id);
        assertThat(Files.isDirectory(c, NOFOLLOW_LINKS)).as(id).isTrue();
        assertThat(c.resolve("artifacts/fork")).exists();
        assertThat(Files.readString(dir.resolve("forks/journal"))).contains("S\t" + id + "\t");
      }
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      RepositoryStore c1 = s.open("c1").orElseThrow();
      assertThat(c1.readOnly()).isTrue();
      assertThat(c1.refs().get("refs/tags/v1")).contains(RefValue.peeled(T1, C1));
      assertThat(s.forks("p")).containsExactly("c1", "c2");
    }
  }

  @Test
  void aFileAtItsLinkLimitIsReplacedByAFreshCopyThatForksLinkTo() throws IOException {
    // every first link attempt fails as at ext4's 65,000-link limit; the retry after the fresh
    // copy succeeds
    AtomicBoolean failNext = new AtomicBoolean(true);
    FsOptions.FaultInjector linkLimit =
        point -> {
          if (point.equals(FsOptions.FaultInjector.BEFORE_LINK) && failNext.getAndSet(!failNext.get())) {
            throw new java.nio.file.FileSystemException("injected: Too many links");
          }
        };
    Path p;
    try (FileSystemStorage s = TestSupport.open(dir, Duration.ofMinutes(1), linkLimit)) {
      parentWithPackAndRefs(s, "p");
      p = s.repositoryDirectory("p");
      Object parentRefs = fileKey(p.resolve("artifacts/refs"));
      for (String id : List.of("c1", "c2")) {
        settle(s.fork("p", id, false).orElseThrow());
        Path c = s.repositoryDirectory(id);
        for (String f : List.of("artifacts/refs", "HEAD", "packed-refs", "artifacts/fork",
            "config", "objects/info/alternates")) {
          assertThat(fileKey(c.resolve(f))).as(id + " " + f).isIn(inodes(dir.resolve("shared")));
        }
        assertThat(c.resolve("artifacts/refs")).hasSameBinaryContentAs(p.resolve("artifacts/refs"));
      }
      // the parent's own files are never linked
      assertThat(fileKey(p.resolve("artifacts/refs"))).isEqualTo(parentRefs);
      assertThat(Files.getAttribute(p.resolve("artifacts/refs"), "unix:nlink")).isEqualTo(1);
      assertThat(Files.isSameFile(
              s.repositoryDirectory("c1").resolve("artifacts/refs"),
              s.repositoryDirectory("c2").resolve("artifacts/refs")))
          .isFalse();
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      for (String id : List.of("p", "c1", "c2")) {
        RepositoryStore r = s.open(id).orElseThrow();
        assertThat(r.refs().get("refs/tags/v1")).as(id).contains(RefValue.peeled(T1, C1));
        assertThat(r.refs().get("HEAD")).as(id).contains(RefValue.symbolic("refs/heads/main"));
      }
      assertThat(s.open("c2").orElseThrow().parentId()).contains("p");
    }
  }

  @Test
  void whereLinksFailTwiceAForkStopsTryingAndWritesPrivateCopies() throws IOException {
    java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
    FsOptions.FaultInjector noLinks =
        point -> {
          if (point.equals(FsOptions.FaultInjector.BEFORE_LINK)) {
            attempts.incrementAndGet();
            throw new java.nio.file.FileSystemException("injected: Operation not permitted");
          }
        };
    try (FileSystemStorage s = TestSupport.open(dir, Duration.ofMinutes(1), noLinks)) {
      parentWithPackAndRefs(s, "p");
      settle(s.fork("p", "c1", false).orElseThrow());
      int afterFirst = attempts.get();
      settle(s.fork("p", "c2", false).orElseThrow());
      // after a failed link and a failed retry on a fresh copy, nothing is linked or replaced
      assertThat(afterFirst).isEqualTo(2); // config, then config again on a fresh copy
      assertThat(attempts.get()).isEqualTo(afterFirst);
      assertThat(s.repositoryDirectory("c2").resolve("artifacts/fork"))
          .hasSameBinaryContentAs(s.repositoryDirectory("c1").resolve("artifacts/fork"));
      assertThat(s.repositoryDirectory("c2").resolve("artifacts/refs"))
          .hasSameBinaryContentAs(s.repositoryDirectory("p").resolve("artifacts/refs"));
    }
  }

  @Test
  void sharedFilesNoForkLinksAnyMoreAreRemovedOnOpen() throws IOException {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      s.create("p");
      s.fork("p", "c", false).orElseThrow();
      s.fork("p", "d", false).orElseThrow();
      settle(s.open("d").orElseThrow());
      // fork record, config, alternates, refs, HEAD, packed-refs (the refs are named by c's
      // journal record; the others are linked by d); c's view
      assertThat(entries(dir.resolve("shared"))).hasSize(6);
      assertThat(entries(dir.resolve("views"))).hasSize(1);
      assertThat(s.delete("c")).isEqualTo(dev.artifacts.spi.DeleteResult.DELETED);
      assertThat(s.delete("d")).isEqualTo(dev.artifacts.spi.DeleteResult.DELETED);
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(entries(dir.resolve("shared"))).isEmpty();
      assertThat(entries(dir.resolve("views"))).isEmpty();
      s.fork("p", "c", false).orElseThrow(); // and they come back when needed
      assertThat(entries(dir.resolve("shared"))).hasSize(1);
      assertThat(entries(dir.resolve("views"))).hasSize(1);
    }
  }

  @Test
  void packFilesWithoutManifestInAForkAreDamage() throws IOException {
    Path fork;
    try (FileSystemStorage s = TestSupport.open(dir)) {
      s.create("p");
      settle(s.fork("p", "c", false).orElseThrow());
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
      settle(s.fork("p", "c", false).orElseThrow());
      fork = s.repositoryDirectory("c");
    }
    // derived files of a fork with a directory of its own, missing or empty (a private copy
    // written without fsync where links fail) after a crash: they are rebuilt on load (linked
    // ones are shared: replace, never write through them)
    Files.delete(fork.resolve("HEAD"));
    Files.write(fork.resolve("HEAD"), new byte[0]);
    Files.delete(fork.resolve("packed-refs"));
    Files.delete(fork.resolve("config"));
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
