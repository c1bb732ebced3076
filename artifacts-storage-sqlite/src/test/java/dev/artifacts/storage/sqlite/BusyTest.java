package dev.artifacts.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.StorageException;
import dev.artifacts.spi.TokenRecord;
import dev.artifacts.storage.sqlite.internal.SqliteOptions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another connection (as another process would) holds the database's write lock with {@code
 * BEGIN IMMEDIATE}: writes are retried for the busy budget, then fail with a transient {@link
 * StorageException}; reads keep working (WAL); once the lock is released writes succeed again.
 */
class BusyTest {
  @TempDir Path dir;

  Path db() {
    return dir.resolve("artifacts.db");
  }

  private static boolean isTransient(Throwable e) {
    return e instanceof StorageException se && se.isTransient();
  }

  @Test
  void writesFailTransientlyWhileAnotherConnectionHoldsTheWriteLock() throws Exception {
    SqliteOptions options = SqliteOptions.defaults().withBusyBudget(Duration.ofMillis(300));
    try (SqliteStorage s = TestSupport.open(db(), options)) {
      RepositoryStore r = s.create("r").orElseThrow();
      PackDescriptor d = TestSupport.writePack(r.objects(), "p", Map.of("pack", new byte[] {1, 2}));
      r.objects().commit(List.of(d), List.of());
      try (Connection other = TestSupport.raw(db());
          Statement st = other.createStatement()) {
        st.execute("BEGIN IMMEDIATE");
        st.execute("INSERT INTO tokens VALUES ('x', 'r', 'read', 0, 0)"); // uncommitted

        assertThatThrownBy(() -> s.create("x"))
            .isInstanceOf(StorageException.class)
            .matches(BusyTest::isTransient)
            .hasMessageContaining("busy");
        assertThatThrownBy(
                () ->
                    r.refs()
                        .apply(
                            List.of(
                                RefChange.create("refs/heads/a", RefValue.of(ObjectId.zeroId())))))
            .matches(BusyTest::isTransient);
        assertThatThrownBy(() -> s.tokens().put(new TokenRecord("h", "r", "read", 0, 0)))
            .matches(BusyTest::isTransient);
        assertThatThrownBy(() -> s.fork("r", "f", false)).matches(BusyTest::isTransient);
        assertThatThrownBy(() -> s.delete("r")).matches(BusyTest::isTransient);
        PackDescriptor d2 =
            TestSupport.writePack(r.objects(), "p2", Map.of("pack", new byte[] {3}));
        assertThatThrownBy(() -> r.objects().commit(List.of(d2), List.of()))
            .matches(BusyTest::isTransient);

        // nothing changed, and reads are not blocked (WAL)
        assertThat(s.list(null, 10)).containsExactly("r");
        assertThat(r.refs().list("")).isEmpty();
        assertThat(r.objects().listPacks()).containsExactly(d);
        assertThat(TestSupport.readAll(r.objects(), "p", "pack")).containsExactly(1, 2);
        assertThat(s.tokens().find("x")).isEmpty();

        st.execute("ROLLBACK");
        // the same calls succeed once the lock is gone
        assertThat(s.create("x")).isPresent();
        r.objects().commit(List.of(d2), List.of());
        assertThat(r.objects().listPacks()).hasSize(2);
      }
    }
  }

  @Test
  void aLockReleasedWithinTheBudgetIsWaitedFor() throws Exception {
    SqliteOptions options = SqliteOptions.defaults().withBusyBudget(Duration.ofSeconds(30));
    try (SqliteStorage s = TestSupport.open(db(), options)) {
      s.create("r").orElseThrow();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try (Connection other = TestSupport.raw(db());
          Statement st = other.createStatement()) {
        st.execute("BEGIN IMMEDIATE");
        CountDownLatch started = new CountDownLatch(3);
        List<Future<?>> writes =
            List.of(
                pool.submit(
                    () -> {
                      started.countDown();
                      return s.create("a").orElseThrow();
                    }),
                pool.submit(
                    () -> {
                      started.countDown();
                      return s.fork("r", "b", false).orElseThrow();
                    }),
                pool.submit(
                    () -> {
                      started.countDown();
                      s.tokens().put(new TokenRecord("h", "r", "read", 0, 0));
                      return null;
                    }));
        started.await(1, TimeUnit.MINUTES);
        Thread.sleep(200); // let them meet the lock
        st.execute("ROLLBACK");
        for (Future<?> f : writes) {
          f.get(1, TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(s.list(null, 10)).containsExactly("a", "b", "r");
      assertThat(s.tokens().find("h")).isPresent();
    }
  }

  @Test
  void theDefaultBudgetIsBounded() throws Exception {
    try (SqliteStorage s = TestSupport.open(db())) {
      try (Connection other = TestSupport.raw(db());
          Statement st = other.createStatement()) {
        st.execute("BEGIN IMMEDIATE");
        assertThatThrownBy(() -> s.create("x")).matches(BusyTest::isTransient);
        st.execute("ROLLBACK");
      }
      assertThat(s.create("x")).isPresent();
    }
  }
}
