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
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
  void forkCopiesRefsOnlyAndRecordsItsParent() {
    try (SqliteStorage s = TestSupport.open(db())) {
      RepositoryStore parent = parentWithRefsAndPack(s);
      long chunksBefore = queryLong(db(), "SELECT count(*) FROM chunks");

      RepositoryStore fork = s.fork("parent", "child", false).orElseThrow();
      assertThat(fork.id()).isEqualTo("child");
      assertThat(fork.parentId()).contains("parent");
      assertThat(fork.readOnly()).isFalse();
      assertThat(fork.refs().list("")).isEqualTo(parent.refs().list(""));
      assertThat(fork.refs().get("refs/tags/v1")).contains(RefValue.peeled(id(2), id(1)));
      assertThat(fork.objects().listPacks()).isEmpty(); // owns no packs
      assertThat(s.open("child").orElseThrow()).isSameAs(fork);
      assertThat(s.forks("parent")).containsExactly("child");
      assertThat(s.forks("child")).isEmpty();
      assertThat(s.forks("nothing")).isEmpty();
      assertThat(s.list(null, 10)).containsExactly("child", "parent");
      // nothing but rows of the registry and refs: no chunk, file or pack rows
      assertThat(queryLong(db(), "SELECT count(*) FROM chunks")).isEqualTo(chunksBefore);
      assertThat(queryLong(db(), "SELECT count(*) FROM packs")).isEqualTo(1);
      assertThat(queryLong(db(), "SELECT count(*) FROM refs")).isEqualTo(8);

      RepositoryStore ro = s.fork("parent", "frozen", true).orElseThrow();
      assertThat(ro.readOnly()).isTrue();
      assertThat(s.forks("parent")).containsExactly("child", "frozen");
    }
    try (SqliteStorage s = TestSupport.open(db())) {
      RepositoryStore child = s.open("child").orElseThrow();
      assertThat(child.parentId()).contains("parent");
      assertThat(child.readOnly()).isFalse();
      assertThat(child.refs().list("")).hasSize(4);
      RepositoryStore frozen = s.open("frozen").orElseThrow();
      assertThat(frozen.parentId()).contains("parent");
      assertThat(frozen.readOnly()).isTrue();
      assertThat(s.open("parent").orElseThrow().parentId()).isEmpty();
      assertThat(s.forks("parent")).containsExactly("child", "frozen");
    }
  }

  @Test
  void forkAndParentAreIndependentBothWays() {
    try (SqliteStorage s = TestSupport.open(db())) {
      RepositoryStore parent = parentWithRefsAndPack(s);
      RepositoryStore fork = s.fork("parent", "child", false).orElseThrow();

      parent.refs().apply(
          List.of(
              RefChange.update("refs/heads/main", RefValue.of(id(1)), RefValue.of(id(10))),
              RefChange.create("refs/heads/parent-only", RefValue.of(id(11)))));
      fork.refs().apply(
          List.of(
              RefChange.update("refs/heads/dev", RefValue.of(id(3)), RefValue.of(id(20))),
              RefChange.delete("refs/tags/v1", RefValue.of(id(2))),
              RefChange.update(
                  "HEAD", RefValue.symbolic("refs/heads/main"), RefValue.symbolic("refs/heads/dev"))));
      PackDescriptor own =
          TestSupport.writePack(fork.objects(), "fp", Map.of("pack", new byte[] {7}));
      fork.objects().commit(List.of(own), List.of());

      assertThat(parent.refs().get("refs/heads/main")).contains(RefValue.of(id(10)));
      assertThat(fork.refs().get("refs/heads/main")).contains(RefValue.peeled(id(1), id(1)));
      assertThat(fork.refs().get("refs/heads/parent-only")).isEmpty();
      assertThat(parent.refs().get("refs/heads/dev")).contains(RefValue.of(id(3)));
      assertThat(parent.refs().get("refs/tags/v1")).isPresent();
      assertThat(parent.refs().get("HEAD")).contains(RefValue.symbolic("refs/heads/main"));
      assertThat(parent.objects().listPacks()).extracting(PackDescriptor::name).containsExactly("p1");
      assertThat(fork.objects().listPacks()).containsExactly(own);
      assertThat(parent.objects().open("fp", "pack")).isEmpty();
    }
    try (SqliteStorage s = TestSupport.open(db())) {
      assertThat(s.open("parent").orElseThrow().refs().get("refs/heads/main"))
          .contains(RefValue.of(id(10)));
      assertThat(s.open("child").orElseThrow().refs().list(""))
          .containsOnlyKeys("HEAD", "refs/heads/main", "refs/heads/dev")
          .containsEntry("HEAD", RefValue.symbolic("refs/heads/dev"));
    }
  }

  @Test
  void forkOfForkAndDeleteRules() {
    try (SqliteStorage s = TestSupport.open(db())) {
      parentWithRefsAndPack(s);
      s.fork("parent", "child", false).orElseThrow();
      RepositoryStore grandchild = s.fork("child", "grandchild", true).orElseThrow();
      assertThat(grandchild.parentId()).contains("child");
      assertThat(grandchild.refs().list("")).hasSize(4);
      s.tokens().put(new TokenRecord("a".repeat(64), "parent", "read", 1, 0));

      // a repository with forks is not deleted, and nothing of it is touched
      assertThat(s.delete("parent")).isEqualTo(DeleteResult.HAS_FORKS);
      assertThat(s.delete("child")).isEqualTo(DeleteResult.HAS_FORKS);
      assertThat(s.open("parent")).isPresent();
      assertThat(s.open("parent").orElseThrow().refs().list("")).hasSize(4);
      assertThat(s.tokens().forRepository("parent")).hasSize(1);
      assertThat(queryLong(db(), "SELECT count(*) FROM chunks")).isPositive();

      // existing ids and missing parents
      assertThat(s.fork("parent", "child", false)).isEmpty();
      assertThat(s.fork("parent", "parent", false)).isEmpty();
      assertThatThrownBy(() -> s.fork("missing", "x", false))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> s.fork("parent", "bad/id", false))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(s.open("x")).isEmpty();

      // deepest first
      assertThat(s.delete("grandchild")).isEqualTo(DeleteResult.DELETED);
      assertThat(s.forks("child")).isEmpty();
      assertThat(s.delete("child")).isEqualTo(DeleteResult.DELETED);
      assertThat(s.delete("parent")).isEqualTo(DeleteResult.DELETED);
      assertThat(s.list(null, 10)).isEmpty();
      for (String table : List.of("repos", "refs", "packs", "files", "chunks", "tokens")) {
        assertThat(queryLong(db(), "SELECT count(*) FROM " + table)).as(table).isZero();
      }
      assertThatThrownBy(() -> s.fork("parent", "y", false))
          .isInstanceOf(IllegalArgumentException.class);
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
  void forkAndDeleteOfItsParentNeverBothSucceed() throws Exception {
    try (SqliteStorage s = TestSupport.open(db())) {
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        for (int round = 0; round < 100; round++) {
          String parent = "p" + round;
          String child = "c" + round;
          s.create(parent).orElseThrow();
          CyclicBarrier barrier = new CyclicBarrier(2);
          Future<Boolean> forked =
              pool.submit(
                  () -> {
                    barrier.await(1, TimeUnit.MINUTES);
                    try {
                      return s.fork(parent, child, false).isPresent();
                    } catch (IllegalArgumentException gone) {
                      return false;
                    }
                  });
          Future<DeleteResult> deleted =
              pool.submit(
                  () -> {
                    barrier.await(1, TimeUnit.MINUTES);
                    return s.delete(parent);
                  });
          boolean f = forked.get(1, TimeUnit.MINUTES);
          DeleteResult d = deleted.get(1, TimeUnit.MINUTES);
          if (f) {
            assertThat(d).isEqualTo(DeleteResult.HAS_FORKS);
            assertThat(s.open(parent)).isPresent();
            assertThat(s.open(child).orElseThrow().parentId()).contains(parent);
          } else {
            assertThat(d).isEqualTo(DeleteResult.DELETED);
            assertThat(s.open(child)).isEmpty();
          }
        }
      } finally {
        pool.shutdownNow();
      }
      // no fork without its parent
      assertThat(
              queryLong(
                  db(),
                  "SELECT count(*) FROM repos c WHERE c.parent_rid IS NOT NULL"
                      + " AND NOT EXISTS (SELECT 1 FROM repos p WHERE p.rid = c.parent_rid)"))
          .isZero();
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
