package dev.artifacts.storage.sqlite;

import static dev.artifacts.storage.sqlite.TestSupport.queryLong;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.spi.DeleteResult;
import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.ReadableFile;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.StorageException;
import dev.artifacts.spi.TokenRecord;
import dev.artifacts.spi.WritableFile;
import dev.artifacts.storage.sqlite.internal.SqliteOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageTest {
  @TempDir Path dir;

  Path db() {
    return dir.resolve("artifacts.db");
  }

  private static String hash(int n) {
    return String.format("%064x", n);
  }

  @Test
  void createOpenListPagingDelete() {
    try (SqliteStorage s = TestSupport.open(db())) {
      for (String id : List.of("b", "a", "c-1", "C", "d_2")) {
        assertThat(s.create(id)).isPresent();
      }
      assertThat(s.create("a")).isEmpty();
      RepositoryStore a = s.open("a").orElseThrow();
      assertThat(a.id()).isEqualTo("a");
      assertThat(a.parentId()).isEmpty();
      assertThat(a.readOnly()).isFalse();
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
      assertThat(s.list("-", 1)).containsExactly("C");
      assertThatThrownBy(() -> s.list(null, 0)).isInstanceOf(IllegalArgumentException.class);

      assertThat(s.delete("b")).isEqualTo(DeleteResult.DELETED);
      assertThat(s.delete("b")).isEqualTo(DeleteResult.NOT_FOUND);
      assertThat(s.open("b")).isEmpty();
      assertThat(s.list(null, 100)).containsExactly("C", "a", "c-1", "d_2");
      // a held store of a deleted repository fails
      RepositoryStore c = s.open("c-1").orElseThrow();
      c.refs().apply(List.of(RefChange.create("HEAD", RefValue.symbolic("refs/heads/main"))));
      s.delete("c-1");
      assertThatThrownBy(() -> c.refs().get("HEAD")).isInstanceOf(StorageException.class);
      assertThatThrownBy(
              () -> c.refs().apply(List.of(RefChange.create("HEAD", RefValue.symbolic("x")))))
          .isInstanceOf(StorageException.class);
      assertThatThrownBy(() -> c.objects().listPacks()).isInstanceOf(StorageException.class);
      assertThatThrownBy(() -> c.objects().create("p", "pack"))
          .isInstanceOf(StorageException.class);
      // the id is free again, and the new repository is empty
      RepositoryStore c2 = s.create("c-1").orElseThrow();
      assertThat(c2).isNotSameAs(c);
      assertThat(c2.refs().list("")).isEmpty();

      assertThatThrownBy(() -> s.create("../x")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> s.open("a/b")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> s.delete("")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> s.create("x".repeat(65))).isInstanceOf(IllegalArgumentException.class);
    }
    try (SqliteStorage s = TestSupport.open(db())) {
      assertThat(s.list(null, 100)).containsExactly("C", "a", "c-1", "d_2");
      assertThat(s.open("c-1").orElseThrow().refs().list("")).isEmpty();
    }
  }

  @Test
  void deleteRemovesEveryRowOfTheRepositoryOnly() {
    try (SqliteStorage s = TestSupport.open(db())) {
      for (String id : List.of("gone", "kept")) {
        RepositoryStore r = s.create(id).orElseThrow();
        PackDescriptor d =
            TestSupport.writePack(
                r.objects(), "p", Map.of("pack", TestSupport.randomBytes(3 * 65536, 1)));
        r.objects().commit(List.of(d), List.of());
        TestSupport.writeFile(r.objects(), "staged", "pack", TestSupport.randomBytes(9 * 65536, 2));
        r.refs().apply(List.of(RefChange.create("refs/heads/main", RefValue.of(ObjectId.zeroId()))));
        s.tokens().put(new TokenRecord(hash(id.equals("gone") ? 1 : 2), id, "write", 1, 0));
      }
      RepositoryStore gone = s.open("gone").orElseThrow();
      ReadableFile held = gone.objects().open("p", "pack").orElseThrow();
      assertThat(s.delete("gone")).isEqualTo(DeleteResult.DELETED);
      assertThat(queryLong(db(), "SELECT count(*) FROM repos")).isEqualTo(1);
      assertThat(queryLong(db(), "SELECT count(*) FROM packs")).isEqualTo(1);
      assertThat(queryLong(db(), "SELECT count(*) FROM files")).isEqualTo(2); // kept: p + staged
      assertThat(queryLong(db(), "SELECT count(*) FROM chunks")).isEqualTo(3 + 8);
      assertThat(queryLong(db(), "SELECT count(*) FROM refs")).isEqualTo(1);
      assertThat(queryLong(db(), "SELECT count(*) FROM tokens")).isEqualTo(1);
      // readers that hold the deleted repository's files fail cleanly
      assertThatThrownBy(() -> held.read(0, ByteBuffer.allocate(10)))
          .isInstanceOf(StorageException.class);
      held.close();
      assertThat(s.tokens().forRepository("kept")).hasSize(1);
    }
  }

  @Test
  void failedCreateLeavesNothing() {
    AtomicBoolean fail = new AtomicBoolean(true);
    String[] point = {SqliteOptions.FaultInjector.CREATE};
    SqliteOptions options =
        SqliteOptions.defaults()
            .withFaults(
                p -> {
                  if (fail.get() && p.equals(point[0])) {
                    throw new SQLException("injected");
                  }
                });
    try (SqliteStorage s = TestSupport.open(db(), options)) {
      for (String p :
          List.of(SqliteOptions.FaultInjector.CREATE, SqliteOptions.FaultInjector.BEFORE_COMMIT)) {
        point[0] = p;
        assertThatThrownBy(() -> s.create("r")).isInstanceOf(StorageException.class);
        assertThat(s.open("r")).isEmpty();
        assertThat(s.list(null, 10)).isEmpty();
        assertThat(queryLong(db(), "SELECT count(*) FROM repos")).isZero();
      }
      fail.set(false);
      assertThat(s.create("r")).isPresent();
      assertThat(s.list(null, 10)).containsExactly("r");
    }
  }

  @Test
  void secondInstanceIsRefusedUntilClose() {
    SqliteStorage first = TestSupport.open(db());
    try {
      assertThatThrownBy(() -> TestSupport.open(db()))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("in use");
      // the same file through another path spelling
      assertThatThrownBy(() -> TestSupport.open(dir.resolve("x/../artifacts.db")))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("in use");
    } finally {
      first.close();
    }
    assertThatCode(first::close).doesNotThrowAnyException();
    assertThatThrownBy(() -> first.open("a")).isInstanceOf(StorageException.class);
    assertThatThrownBy(() -> first.create("a")).isInstanceOf(StorageException.class);
    assertThatThrownBy(() -> first.tokens().find(hash(1))).isInstanceOf(StorageException.class);
    try (SqliteStorage again = TestSupport.open(db())) {
      assertThat(again.list(null, 10)).isEmpty();
    }
  }

  @Test
  void repositoriesAndFilesObtainedBeforeCloseFailAfterIt() {
    SqliteStorage s = TestSupport.open(db());
    RepositoryStore r = s.create("r").orElseThrow();
    PackDescriptor d =
        TestSupport.writePack(r.objects(), "p", Map.of("pack", new byte[] {1, 2, 3}));
    r.objects().commit(List.of(d), List.of());
    ReadableFile f = r.objects().open("p", "pack").orElseThrow();
    WritableFile w = r.objects().create("q", "pack");
    s.close();
    assertThatThrownBy(() -> r.refs().list("")).isInstanceOf(StorageException.class);
    assertThatThrownBy(() -> r.objects().listPacks()).isInstanceOf(StorageException.class);
    assertThatThrownBy(() -> f.read(0, ByteBuffer.allocate(3))).isInstanceOf(StorageException.class);
    assertThatThrownBy(() -> w.write(new byte[1], 0, 1)).isInstanceOf(StorageException.class);
    assertThatCode(f::close).doesNotThrowAnyException();
    assertThatCode(w::close).doesNotThrowAnyException();
  }

  @Test
  void relativePathIsResolvedOnceAndParentsAreCreated() {
    Path rel = Path.of("").toAbsolutePath().relativize(dir.resolve("rel/./sub/data.db"));
    try (SqliteStorage s = SqliteStorage.open(rel)) {
      assertThat(s.databaseFile()).isAbsolute().isEqualTo(dir.resolve("rel/sub/data.db"));
      s.create("x");
    }
    assertThat(dir.resolve("rel/sub/data.db")).isRegularFile();
    assertThat(dir.resolve("rel/sub/data.db.lock")).exists();
  }

  @Test
  void refusesForeignOrNewerDatabasesAndGarbage() throws IOException {
    Path foreign = dir.resolve("foreign.db");
    TestSupport.exec(foreign, "CREATE TABLE t(x)");
    assertThatThrownBy(() -> TestSupport.open(foreign))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("another application");
    // and the lock is released after a failed open
    assertThatThrownBy(() -> TestSupport.open(foreign)).hasMessageContaining("another application");

    try (SqliteStorage s = TestSupport.open(db())) {
      s.create("a");
    }
    TestSupport.exec(db(), "PRAGMA user_version = 99");
    assertThatThrownBy(() -> TestSupport.open(db()))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("schema version 99");

    Path garbage = dir.resolve("garbage.db");
    Files.write(garbage, TestSupport.randomBytes(10_000, 1));
    assertThatThrownBy(() -> TestSupport.open(garbage))
        .isInstanceOf(StorageException.class)
        .matches(e -> !((StorageException) e).isTransient());
  }

  @Test
  void tokensPersistAcrossReopenAndAreRemovedWithTheRepository() {
    TokenRecord t1 = new TokenRecord(hash(1), "a", "read", 10, 0);
    TokenRecord t2 = new TokenRecord(hash(2), "a", "write", 11, 999);
    TokenRecord t3 = new TokenRecord(hash(3), "b", "read", 12, 0);
    try (SqliteStorage s = TestSupport.open(db())) {
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
    }
    try (SqliteStorage s = TestSupport.open(db())) {
      assertThat(s.tokens().find(hash(1))).contains(new TokenRecord(hash(1), "a", "write", 20, 30));
      assertThat(s.tokens().find(hash(3))).isEmpty();
      assertThat(s.tokens().forRepository("a")).hasSize(2).contains(t2);
      assertThat(s.tokens().forRepository("b")).isEmpty();
      assertThat(s.delete("a")).isEqualTo(DeleteResult.DELETED);
      assertThat(s.tokens().forRepository("a")).isEmpty();
    }
    try (SqliteStorage s = TestSupport.open(db())) {
      assertThat(s.tokens().find(hash(1))).isEmpty();
      assertThat(s.tokens().find(hash(2))).isEmpty();
    }
  }

  @Test
  void reopenSeesExactlyWhatWasCommitted() {
    ObjectId commit = ObjectId.fromString("0123456789012345678901234567890123456789");
    byte[] big = TestSupport.randomBytes(700_000, 4);
    try (SqliteStorage s = TestSupport.open(db())) {
      RepositoryStore r = s.create("r").orElseThrow();
      var d = TestSupport.writePack(r.objects(), "p1", Map.of("pack", new byte[] {1, 2, 3}));
      r.objects().commit(List.of(d), List.of());
      var d2 = TestSupport.writePack(r.objects(), "p2", Map.of("pack", big));
      r.objects().commit(List.of(d2), List.of());
      TestSupport.writeFile(r.objects(), "uncommitted", "pack", new byte[] {9});
      TestSupport.writeFile(r.objects(), "uncommitted", "big", big); // staged rows
      r.refs()
          .apply(
              List.of(
                  RefChange.create("HEAD", RefValue.symbolic("refs/heads/main")),
                  RefChange.create("refs/heads/main", RefValue.of(commit))));
    }
    try (SqliteStorage s = TestSupport.open(db())) {
      RepositoryStore r = s.open("r").orElseThrow();
      assertThat(r.objects().listPacks())
          .extracting(PackDescriptor::name)
          .containsExactlyInAnyOrder("p1", "p2");
      assertThat(TestSupport.readAll(r.objects(), "p1", "pack")).containsExactly(1, 2, 3);
      assertThat(TestSupport.readAll(r.objects(), "p2", "pack")).isEqualTo(big);
      assertThat(r.objects().open("uncommitted", "pack")).isEmpty();
      assertThat(r.objects().open("uncommitted", "big")).isEmpty();
      assertThat(r.refs().list(""))
          .containsOnly(
              Map.entry("HEAD", RefValue.symbolic("refs/heads/main")),
              Map.entry("refs/heads/main", RefValue.of(commit)));
      // the staging rows of the uncommitted file were removed on open
      assertThat(queryLong(db(), "SELECT count(*) FROM files WHERE committed = 0")).isZero();
      assertThat(queryLong(db(), "SELECT count(*) FROM chunks")).isEqualTo(1 + 11);
    }
  }
}
