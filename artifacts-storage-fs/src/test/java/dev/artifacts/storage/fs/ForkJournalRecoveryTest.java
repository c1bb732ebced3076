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
import dev.artifacts.storage.fs.internal.FsOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fork is durable through its record in {@code forks/journal}; its directory is written without
 * fsync until its first write. A power loss can leave such a directory partly or wholly missing,
 * which these tests reproduce by removing what was never fsynced before reopening the data
 * directory, and check that the fork comes back exactly as acknowledged: the parent's refs at the
 * moment of the fork, its parent, its read-only flag.
 */
class ForkJournalRecoveryTest {
  private static final ObjectId C1 = ObjectId.fromString("1111111111111111111111111111111111111111");
  private static final ObjectId C2 = ObjectId.fromString("2222222222222222222222222222222222222222");
  private static final ObjectId C3 = ObjectId.fromString("3333333333333333333333333333333333333333");

  @TempDir Path dir;

  private static void parent(FileSystemStorage s, String id) {
    RepositoryStore p = s.create(id).orElseThrow();
    PackDescriptor d = TestSupport.writePack(p.objects(), "p1", Map.of("pack", new byte[] {1, 2}));
    p.objects().commit(List.of(d), List.of());
    assertThat(
            p.refs()
                .apply(
                    List.of(
                        RefChange.create("HEAD", RefValue.symbolic("refs/heads/main")),
                        RefChange.create("refs/heads/main", RefValue.of(C1)))))
        .isEqualTo(RefBatchResult.APPLIED);
  }

  private static void move(RepositoryStore r, String ref, ObjectId from, ObjectId to) {
    assertThat(r.refs().apply(List.of(RefChange.update(ref, RefValue.of(from), RefValue.of(to)))))
        .isEqualTo(RefBatchResult.APPLIED);
  }

  private String journal() throws IOException {
    return Files.readString(dir.resolve("forks/journal"));
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }

  private static void deleteTree(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }

  @Test
  void forksWhoseDirectoriesACrashLostAreRebuiltFromTheJournalAsAcknowledged() throws IOException {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      parent(s, "p");
      s.fork("p", "c", true).orElseThrow();
      s.fork("c", "cc", false).orElseThrow(); // a fork of a fork, also never written
      // the parent moves on: the forks keep the refs of the moment they were made
      move(s.open("p").orElseThrow(), "refs/heads/main", C1, C2);
      assertThat(journal()).contains("F\tc\tp\ttrue\t").contains("F\tcc\tc\tfalse\t");
    }
    // each is a link to a shared view until its first write; a power loss lost c's link, and
    // cc's points to a view that is not there (as after the data directory was moved)
    assertThat(Files.isSymbolicLink(dir.resolve("repos/c"))).isTrue();
    Files.delete(dir.resolve("repos/c"));
    Files.delete(dir.resolve("repos/cc"));
    Files.createSymbolicLink(dir.resolve("repos/cc"), Path.of("../views/0123456789abcdef0123456789abcdef"));

    try (FileSystemStorage s = TestSupport.open(dir)) {
      RepositoryStore c = s.open("c").orElseThrow();
      assertThat(c.readOnly()).isTrue();
      assertThat(c.parentId()).contains("p");
      assertThat(c.refs().list("")).isEqualTo(Map.of(
          "HEAD", RefValue.symbolic("refs/heads/main"), "refs/heads/main", RefValue.of(C1)));
      RepositoryStore cc = s.open("cc").orElseThrow();
      assertThat(cc.readOnly()).isFalse();
      assertThat(cc.parentId()).contains("c");
      assertThat(cc.refs().get("refs/heads/main")).contains(RefValue.of(C1));
      assertThat(s.forks("p")).containsExactly("c");
      assertThat(s.forks("c")).containsExactly("cc");
      assertThat(s.open("p").orElseThrow().refs().get("refs/heads/main"))
          .contains(RefValue.of(C2));
      // what stock git reads is back too
      Path ccDir = s.repositoryDirectory("cc");
      assertThat(ccDir.resolve("objects/info/alternates"))
          .hasContent(s.repositoryDirectory("c").resolve("objects").toString());
      assertThat(ccDir.resolve("config")).exists();
      assertThat(s.repositoryDirectory("c").resolve("packed-refs"))
          .content().contains(C1.name() + " refs/heads/main");
      // a rebuilt fork works like any other: its first write settles it
      move(cc, "refs/heads/main", C1, C3);
      assertThat(journal()).contains("S\tcc");
      assertThat(Files.isSymbolicLink(ccDir)).isFalse();
    }
    // the S record is appended without sync: a crash may lose it, and the fork's own directory,
    // fsynced before it was renamed into place, is then recognized as settled
    Path journal = dir.resolve("forks/journal");
    Files.write(journal, Files.readAllLines(journal).stream()
        .filter(l -> !l.startsWith("S\tcc\t")).map(l -> l + "\n").collect(
            java.util.stream.Collectors.joining()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(journal()).doesNotContain("S\tcc");
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.open("cc").orElseThrow().refs().get("refs/heads/main"))
          .contains(RefValue.of(C3));
      assertThat(s.open("c").orElseThrow().refs().get("refs/heads/main"))
          .contains(RefValue.of(C1));
    }
  }

  @Test
  void aForkIsSettledBeforeItsFirstWriteSoItsWritesAreNeverReplacedByTheRecord()
      throws IOException {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      parent(s, "p");
      RepositoryStore c = s.fork("p", "c", false).orElseThrow();
      assertThat(journal()).doesNotContain("S\tc");
      move(c, "refs/heads/main", C1, C2);
      assertThat(journal()).contains("S\tc");
      PackDescriptor d = TestSupport.writePack(c.objects(), "c1", Map.of("pack", new byte[] {3}));
      c.objects().commit(List.of(d), List.of());
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      RepositoryStore c = s.open("c").orElseThrow();
      assertThat(c.refs().get("refs/heads/main")).contains(RefValue.of(C2));
      assertThat(c.objects().listPacks()).hasSize(1);
    }
    // a settled fork's directory is authoritative: damage to it is reported, not papered over
    // with the journal's older state
    Files.writeString(dir.resolve("repos/c/artifacts/fork"), "garbage");
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThatThrownBy(() -> s.open("c"))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("damaged fork record");
    }
  }

  @Test
  void aSettleThatFailedBetweenRemovingTheLinkAndTheRenameIsRedoneByTheNextWrite()
      throws IOException {
    java.util.concurrent.atomic.AtomicBoolean fail = new java.util.concurrent.atomic.AtomicBoolean(true);
    FsOptions.FaultInjector failOnce =
        point -> {
          if (point.equals(FsOptions.FaultInjector.SETTLE_BEFORE_RENAME) && fail.getAndSet(false)) {
            throw new IOException("injected");
          }
        };
    try (FileSystemStorage s = TestSupport.open(dir, Duration.ofMinutes(1), failOnce)) {
      parent(s, "p");
      RepositoryStore c = s.fork("p", "c", false).orElseThrow();
      List<RefChange> change =
          List.of(RefChange.update("refs/heads/main", RefValue.of(C1), RefValue.of(C2)));
      assertThatThrownBy(() -> c.refs().apply(change))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("durable");
      // nothing changed, and the entry is gone until the next write or open
      assertThat(c.refs().get("refs/heads/main")).contains(RefValue.of(C1));
      assertThat(Files.exists(s.repositoryDirectory("c"), java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .isFalse();
      assertThat(c.refs().apply(change)).isEqualTo(RefBatchResult.APPLIED);
      assertThat(Files.isDirectory(s.repositoryDirectory("c"), java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .isTrue();
      assertThat(entries(dir.resolve("tmp"))).isEmpty();
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.open("c").orElseThrow().refs().get("refs/heads/main")).contains(RefValue.of(C2));
    }
  }

  private static List<String> entries(Path p) throws IOException {
    try (Stream<Path> s = Files.list(p)) {
      return s.map(x -> x.getFileName().toString()).toList();
    }
  }

  @Test
  void aDeletionACrashInterruptedAfterItsRecordIsFinishedOnOpen() throws IOException {
    Path saved = dir.resolve("saved-d");
    Path view;
    try (FileSystemStorage s = TestSupport.open(dir)) {
      parent(s, "p");
      s.fork("p", "c", false).orElseThrow();
      view = Files.readSymbolicLink(s.repositoryDirectory("c"));
      s.fork("p", "d", false).orElseThrow();
      move(s.open("d").orElseThrow(), "refs/heads/main", C1, C2); // d has its own directory
      copyTree(s.repositoryDirectory("d"), saved);
      assertThat(s.delete("c")).isEqualTo(DeleteResult.DELETED);
      assertThat(s.delete("d")).isEqualTo(DeleteResult.DELETED);
      assertThat(journal()).contains("D\tc").contains("D\td");
    }
    // the renames out of repos/ did not reach the disk
    Files.createSymbolicLink(dir.resolve("repos/c"), view);
    Files.move(saved, dir.resolve("repos/d"));
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.open("c")).isEmpty();
      assertThat(s.open("d")).isEmpty();
      assertThat(s.repositoryDirectory("c")).doesNotExist();
      assertThat(Files.exists(s.repositoryDirectory("c"), java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .isFalse();
      assertThat(s.repositoryDirectory("d")).doesNotExist();
      assertThat(s.forks("p")).isEmpty();
      assertThat(s.delete("p")).isEqualTo(DeleteResult.DELETED);
    }
  }

  @Test
  void aRepositoryCreatedUnderTheIdOfADeletedForkSurvivesRecovery() throws IOException {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      parent(s, "p");
      s.fork("p", "c", false).orElseThrow();
      assertThat(s.delete("c")).isEqualTo(DeleteResult.DELETED);
      RepositoryStore c = s.create("c").orElseThrow();
      assertThat(c.refs().apply(List.of(RefChange.create("refs/heads/x", RefValue.of(C3)))))
          .isEqualTo(RefBatchResult.APPLIED);
      s.fork("p", "d", false).orElseThrow();
      assertThat(s.delete("d")).isEqualTo(DeleteResult.DELETED);
      s.fork("p", "d", true).orElseThrow(); // and a fork under the id of a deleted fork
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      RepositoryStore c = s.open("c").orElseThrow();
      assertThat(c.parentId()).isEmpty();
      assertThat(c.refs().get("refs/heads/x")).contains(RefValue.of(C3));
      assertThat(s.open("d").orElseThrow().readOnly()).isTrue();
      assertThat(s.forks("p")).containsExactly("d");
    }
  }

  @Test
  void aForkThatFailedAfterItsRecordDoesNotComeBackAfterARestart() throws IOException {
    FsOptions.FaultInjector failRename =
        point -> {
          if (point.equals(FsOptions.FaultInjector.FORK_BEFORE_RENAME)) {
            throw new IOException("injected");
          }
        };
    try (FileSystemStorage s = TestSupport.open(dir, Duration.ofMinutes(1), failRename)) {
      parent(s, "p");
      assertThatThrownBy(() -> s.fork("p", "c", false)).isInstanceOf(StorageException.class);
      assertThat(journal()).contains("F\tc\t").contains("D\tc");
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.open("c")).isEmpty();
      assertThat(s.repositoryDirectory("c")).doesNotExist();
      assertThat(s.forks("p")).isEmpty();
    }
  }

  @Test
  void theRefsASharedFileHoldsForAnUnsettledForkSurviveTheCleanupOfUnlinkedSharedFiles()
      throws IOException {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      parent(s, "p");
      s.fork("p", "c", false).orElseThrow();
    }
    // nothing links the shared file with c's refs (its view has its own files), and the crash
    // lost c's link: the journal record alone keeps the file from the cleanup
    Files.delete(dir.resolve("repos/c"));
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.open("c").orElseThrow().refs().get("refs/heads/main"))
          .contains(RefValue.of(C1));
    }
  }

  @Test
  void aJournalNamingAMissingSharedRefsFileIsReportedOnOpen() throws IOException {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      parent(s, "p");
      s.fork("p", "c", false).orElseThrow();
    }
    Files.delete(dir.resolve("repos/c"));
    deleteTree(dir.resolve("shared"));
    assertThatThrownBy(() -> TestSupport.open(dir))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("fork c cannot be rebuilt")
        .hasMessageContaining("missing");
  }

  @Test
  void theJournalDropsTheRecordsOfSettledAndDeletedForks() throws IOException {
    int forks = 700;
    try (FileSystemStorage s = TestSupport.open(dir)) {
      parent(s, "p");
      for (int i = 0; i < forks; i++) {
        RepositoryStore c = s.fork("p", "c" + i, false).orElseThrow();
        if (i % 3 == 0) {
          assertThat(s.delete("c" + i)).isEqualTo(DeleteResult.DELETED);
        } else if (i % 3 == 1) {
          move(c, "refs/heads/main", C1, C2);
        }
      }
      long records = journal().lines().count() - 1;
      // 700 F, 234 D, 233 S written; only the unsettled forks' records need to stay
      assertThat(records).isLessThan(forks);
    }
    List<String> expected = new ArrayList<>();
    try (FileSystemStorage s = TestSupport.open(dir)) {
      for (int i = 0; i < forks; i++) {
        String id = "c" + i;
        if (i % 3 == 0) {
          assertThat(s.open(id)).as(id).isEmpty();
        } else {
          expected.add(id);
          assertThat(s.open(id).orElseThrow().refs().get("refs/heads/main"))
              .as(id)
              .contains(RefValue.of(i % 3 == 1 ? C2 : C1));
        }
      }
      assertThat(s.forks("p")).containsExactlyInAnyOrderElementsOf(expected);
    }
    assertThat(journal()).doesNotContain("F\tc1\t").contains("F\tc2\t");
  }
}
