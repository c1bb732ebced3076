package dev.artifacts.storage.sqlite;

import static dev.artifacts.storage.sqlite.TestSupport.queryLong;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.spi.DeleteResult;
import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.StorageException;
import dev.artifacts.spi.TokenRecord;
import dev.artifacts.storage.sqlite.internal.SqliteOptions;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the conformance kit cannot see of this backend's forks: the rows a fork adds and a delete
 * removes, a fork failing inside its transaction, and many forks racing for the write lock.
 */
class ForkTest {
  @TempDir Path dir;

  Path db() {
    return dir.resolve("artifacts.db");
  }

  static ObjectId id(int n) {
    return ObjectId.fromString(String.format("%040x", n));
  }

  private static RepositoryStore parentWithRefsAndPack(SqliteStorage s) {
    RepositoryStore parent = s.create("parent").orElseThrow();
    PackDescriptor d =
        TestSupport.writePack(
            parent.objects(), "p1", Map.of("pack", TestSupport.randomBytes(200_000, 1)));
    parent.objects().commit(List.of(d), List.of());
    parent
        .refs()
        .apply(
            List.of(
                RefChange.create("HEAD", RefValue.symbolic("refs/heads/main")),
                RefChange.create("refs/heads/main", RefValue.peeled(id(1), id(1))),
                RefChange.create("refs/tags/v1", RefValue.peeled(id(2), id(1))),
                RefChange.create("refs/heads/dev", RefValue.of(id(3)))));
    return parent;
  }

  @Test
  void forkAddsOnlyRegistryAndRefRowsAndDeletingTheTreeLeavesNone() {
    try (SqliteStorage s = TestSupport.open(db())) {
      parentWithRefsAndPack(s);
      long chunks = queryLong(db(), "SELECT count(*) FROM chunks");
      assertThat(chunks).isPositive();
      s.fork("parent", "child", false).orElseThrow();
      s.fork("child", "grandchild", true).orElseThrow();
      s.tokens().put(new TokenRecord("a".repeat(64), "child", "read", 1, 0));
      // nothing of the parent's pack is copied: no chunk, file or pack rows
      assertThat(queryLong(db(), "SELECT count(*) FROM chunks")).isEqualTo(chunks);
      assertThat(queryLong(db(), "SELECT count(*) FROM files")).isEqualTo(1);
      assertThat(queryLong(db(), "SELECT count(*) FROM packs")).isEqualTo(1);
      assertThat(queryLong(db(), "SELECT count(*) FROM repos")).isEqualTo(3);
      assertThat(queryLong(db(), "SELECT count(*) FROM refs")).isEqualTo(3 * 4);

      // deepest first; afterwards the file keeps nothing of the tree
      assertThat(s.delete("grandchild")).isEqualTo(DeleteResult.DELETED);
      assertThat(s.delete("child")).isEqualTo(DeleteResult.DELETED);
      assertThat(s.delete("parent")).isEqualTo(DeleteResult.DELETED);
      for (String table : List.of("repos", "refs", "packs", "files", "chunks", "tokens")) {
        assertThat(queryLong(db(), "SELECT count(*) FROM " + table)).as(table).isZero();
      }
    }
  }

  @Test
  void failedForkLeavesNothing() {
    AtomicBoolean fail = new AtomicBoolean(true);
    SqliteOptions options =
        SqliteOptions.defaults()
            .withFaults(
                p -> {
                  if (fail.get() && p.equals(SqliteOptions.FaultInjector.FORK)) {
                    throw new SQLException("injected");
                  }
                });
    try (SqliteStorage s = TestSupport.open(db(), options)) {
      fail.set(false);
      parentWithRefsAndPack(s);
      fail.set(true);
      assertThatThrownBy(() -> s.fork("parent", "child", false))
          .isInstanceOf(StorageException.class);
      assertThat(s.open("child")).isEmpty();
      assertThat(s.forks("parent")).isEmpty();
      assertThat(queryLong(db(), "SELECT count(*) FROM repos")).isEqualTo(1);
      assertThat(queryLong(db(), "SELECT count(*) FROM refs")).isEqualTo(4);
      assertThat(s.delete("parent")).isEqualTo(DeleteResult.DELETED);
    }
  }

  @Test
  void concurrentForksOfOneParentAllSucceed() throws Exception {
    int threads = 16;
    int perThread = 25;
    try (SqliteStorage s = TestSupport.open(db())) {
      parentWithRefsAndPack(s);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int me = t;
          futures.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < perThread; i++) {
                      String id = "f-" + me + "-" + i;
                      RepositoryStore f = s.fork("parent", id, i % 2 == 0).orElseThrow();
                      s.tokens().put(new TokenRecord(id + "-hash", id, "write", 1, 0));
                      assertThat(f.refs().list("")).hasSize(4);
                    }
                  }));
        }
        for (Future<?> f : futures) {
          f.get(5, TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(s.forks("parent")).hasSize(threads * perThread);
      assertThat(queryLong(db(), "SELECT count(*) FROM refs")).isEqualTo(4L * (threads * perThread + 1));
      assertThat(queryLong(db(), "SELECT count(*) FROM tokens")).isEqualTo(threads * perThread);
    }
  }
}
