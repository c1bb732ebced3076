package dev.artifacts.storage.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.spi.DeleteResult;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageTest {
  @TempDir Path dir;

  private static String hash(int n) {
    return String.format("%064x", n);
  }

  private static List<String> entries(Path p) throws IOException {
    try (Stream<Path> s = Files.list(p)) {
      return s.map(x -> x.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void createOpenListPagingDelete() {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      for (String id : List.of("b", "a", "c-1", "C", "d_2")) {
        assertThat(s.create(id)).isPresent();
      }
      assertThat(s.create("a")).isEmpty();
      RepositoryStore a = s.open("a").orElseThrow();
      assertThat(a.id()).isEqualTo("a");
      assertThat(s.open("a").orElseThrow()).isSameAs(a);
      assertThat(a.objects()).isSameAs(a.objects());
      assertThat(a.refs()).isSameAs(a.refs());
      assertThat(a.objects().listPacks()).isEmpty();
      assertThat(a.refs().list("")).isEmpty();
      assertThat(s.open("zzz")).isEmpty();

      assertThat(s.list(null, 100)).containsExactly("C", "a", "b", "c-1", "d_2");
      assertThat(s.list(null, 2)).containsExactly("C", "a");
      assertThat(s.list("a", 2)).containsExactly("b", "c-1");
      assertThat(s.list("c-1", 10)).containsExactly("d_2");
      assertThat(s.list("d_2", 10)).isEmpty();
      assertThat(s.list("aa", 1)).containsExactly("b");
      assertThatThrownBy(() -> s.list(null, 0)).isInstanceOf(IllegalArgumentException.class);

      assertThat(s.delete("b")).isEqualTo(DeleteResult.DELETED);
      assertThat(s.delete("b")).isEqualTo(DeleteResult.NOT_FOUND);
      assertThat(s.open("b")).isEmpty();
      assertThat(s.list(null, 100)).containsExactly("C", "a", "c-1", "d_2");
      assertThat(s.repositoryDirectory("b")).doesNotExist();
      // a held store of a deleted repository fails
      RepositoryStore c = s.open("c-1").orElseThrow();
      s.delete("c-1");
      assertThatThrownBy(() -> c.refs().get("HEAD")).isInstanceOf(StorageException.class);
      assertThatThrownBy(
              () -> c.refs().apply(List.of(RefChange.create("HEAD", RefValue.symbolic("x")))))
          .isInstanceOf(StorageException.class);
      // the id is free again, and the new repository is empty
      RepositoryStore c2 = s.create("c-1").orElseThrow();
      assertThat(c2.refs().list("")).isEmpty();

      assertThatThrownBy(() -> s.create("../x")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> s.open("a/b")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> s.delete("")).isInstanceOf(IllegalArgumentException.class);
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.list(null, 100)).containsExactly("C", "a", "c-1", "d_2");
    }
  }

  @Test
  void failedCreateLeavesNothing() throws IOException {
    AtomicBoolean fail = new AtomicBoolean(true);
    FsOptions.FaultInjector faults =
        point -> {
          if (fail.get() && point.equals(FsOptions.FaultInjector.CREATE_BEFORE_RENAME)) {
            throw new IOException("injected");
          }
        };
    try (FileSystemStorage s = TestSupport.open(dir, Duration.ofMinutes(1), faults)) {
      assertThatThrownBy(() -> s.create("r")).isInstanceOf(StorageException.class);
      assertThat(s.open("r")).isEmpty();
      assertThat(s.list(null, 10)).isEmpty();
      assertThat(s.repositoryDirectory("r")).doesNotExist();
      assertThat(entries(dir.resolve("tmp"))).isEmpty();
      fail.set(false);
      assertThat(s.create("r")).isPresent();
    }
  }

  @Test
  void relativeDataDirIsResolvedOnce() {
    Path rel = Path.of("").toAbsolutePath().relativize(dir.resolve("rel/./data"));
    try (FileSystemStorage s = FileSystemStorage.open(rel)) {
      assertThat(s.dataDir()).isAbsolute().isEqualTo(dir.resolve("rel/data"));
      s.create("x");
      assertThat(dir.resolve("rel/data/repos/x")).isDirectory();
    }
  }

  @Test
  void secondInstanceIsRefusedUntilClose() {
    FileSystemStorage first = TestSupport.open(dir);
    try {
      assertThatThrownBy(() -> TestSupport.open(dir))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("in use");
    } finally {
      first.close();
    }
    assertThatCode(first::close).doesNotThrowAnyException();
    assertThatThrownBy(() -> first.open("a")).isInstanceOf(StorageException.class);
    try (FileSystemStorage again = TestSupport.open(dir)) {
      assertThat(again.list(null, 10)).isEmpty();
    }
  }

  @Test
  void tokensPersistAcrossReopenAndAreRemovedWithTheRepository() {
    TokenRecord t1 = new TokenRecord(hash(1), "a", "read", 10, 0);
    TokenRecord t2 = new TokenRecord(hash(2), "a", "write", 11, 999);
    TokenRecord t3 = new TokenRecord(hash(3), "b", "read", 12, 0);
    try (FileSystemStorage s = TestSupport.open(dir)) {
      s.create("a");
      s.create("b");
      s.tokens().put(t1);
      s.tokens().put(t2);
      s.tokens().put(t3);
      TokenRecord t1b = new TokenRecord(hash(1), "a", "write", 20, 30);
      s.tokens().put(t1b);
      assertThat(s.tokens().find(hash(1))).contains(t1b);
      assertThat(s.tokens()).isSameAs(s.tokens());
      assertThat(s.tokens().remove(hash(3))).isTrue();
      assertThat(s.tokens().remove(hash(3))).isFalse();
      assertThat(s.tokens().remove("not-a-hash")).isFalse();
      assertThat(s.tokens().find("nope")).isEmpty();
      assertThatThrownBy(() -> s.tokens().put(new TokenRecord("../evil", "a", "read", 0, 0)))
          .isInstanceOf(IllegalArgumentException.class);
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.tokens().find(hash(1)))
          .contains(new TokenRecord(hash(1), "a", "write", 20, 30));
      assertThat(s.tokens().find(hash(3))).isEmpty();
      assertThat(s.tokens().forRepository("a")).hasSize(2).contains(t2);
      assertThat(s.tokens().forRepository("b")).isEmpty();
      assertThat(s.delete("a")).isEqualTo(DeleteResult.DELETED);
      assertThat(s.tokens().forRepository("a")).isEmpty();
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.tokens().find(hash(1))).isEmpty();
      assertThat(s.tokens().find(hash(2))).isEmpty();
    }
  }

  @Test
  void reopenSeesExactlyWhatWasCommitted() {
    ObjectId commit = ObjectId.fromString("0123456789012345678901234567890123456789");
    try (FileSystemStorage s = TestSupport.open(dir)) {
      RepositoryStore r = s.create("r").orElseThrow();
      var d = TestSupport.writePack(r.objects(), "p1", Map.of("pack", new byte[] {1, 2, 3}));
      r.objects().commit(List.of(d), List.of());
      TestSupport.writeFile(r.objects(), "uncommitted", "pack", new byte[] {9});
      r.refs()
          .apply(
              List.of(
                  RefChange.create("HEAD", RefValue.symbolic("refs/heads/main")),
                  RefChange.create("refs/heads/main", RefValue.of(commit))));
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      RepositoryStore r = s.open("r").orElseThrow();
      assertThat(r.objects().listPacks()).extracting(p -> p.name()).containsExactly("p1");
      assertThat(TestSupport.readAll(r.objects(), "p1", "pack")).containsExactly(1, 2, 3);
      assertThat(r.objects().open("uncommitted", "pack")).isEmpty();
      assertThat(r.refs().list(""))
          .containsOnly(
              Map.entry("HEAD", RefValue.symbolic("refs/heads/main")),
              Map.entry("refs/heads/main", RefValue.of(commit)));
    }
  }
}
