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

/**
 * What the conformance kit cannot see of this backend's registry: rows in the database file,
 * creates failing inside their transaction, the lock on the file, use after close, and files that
 * are not this backend's database.
 */
class StorageTest {
  @TempDir Path dir;

  Path db() {
    return dir.resolve("artifacts.db");
  }

  private static String hash(int n) {
    return String.format("%064x", n);
  }

  @Test
  void deleteRemovesEveryRowOfTheRepositoryOnlyAndHeldStoresFail() {
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
      // readers that hold the deleted repository or its files fail cleanly
      assertThatThrownBy(() -> held.read(0, ByteBuffer.allocate(10)))
          .isInstanceOf(StorageException.class);
      held.close();
      assertThatThrownBy(() -> gone.refs().get("HEAD")).isInstanceOf(StorageException.class);
      assertThatThrownBy(
              () -> gone.refs().apply(List.of(RefChange.create("HEAD", RefValue.symbolic("x")))))
          .isInstanceOf(StorageException.class);
      assertThatThrownBy(() -> gone.objects().listPacks()).isInstanceOf(StorageException.class);
      assertThatThrownBy(() -> gone.objects().create("q", "pack"))
          .isInstanceOf(StorageException.class);
      assertThat(s.tokens().forRepository("kept")).hasSize(1);
      // the id is free again, for a new repository unrelated to the held one
      RepositoryStore reborn = s.create("gone").orElseThrow();
      assertThat(reborn).isNotSameAs(gone);
      assertThat(reborn.refs().list("")).isEmpty();
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
}
