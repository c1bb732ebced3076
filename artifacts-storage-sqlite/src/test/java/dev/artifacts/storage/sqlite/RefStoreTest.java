package dev.artifacts.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.spi.RefBatchResult;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefStore;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.StorageException;
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

class RefStoreTest {
  @TempDir Path dir;

  Path db() {
    return dir.resolve("artifacts.db");
  }

  static ObjectId id(int n) {
    return ObjectId.fromString(String.format("%040x", n));
  }

  @Test
  void createUpdateDelete() {
    try (SqliteStorage s = TestSupport.open(db())) {
      RefStore refs = s.create("r").orElseThrow().refs();
      assertThat(refs.get("refs/heads/main")).isEmpty();
      assertThat(refs.apply(List.of(RefChange.create("refs/heads/main", RefValue.of(id(1))))))
          .isEqualTo(RefBatchResult.APPLIED);
      assertThat(refs.get("refs/heads/main")).contains(RefValue.of(id(1)));
      assertThat(
              refs.apply(
                      List.of(
                          RefChange.update(
                              "refs/heads/main", RefValue.of(id(1)), RefValue.of(id(2)))))
                  .applied())
          .isTrue();
      assertThat(refs.get("refs/heads/main")).contains(RefValue.of(id(2)));
      // the peeled hint is ignored by the comparison
      assertThat(
              refs.apply(
                      List.of(RefChange.delete("refs/heads/main", RefValue.peeled(id(2), id(99)))))
                  .applied())
          .isTrue();
      assertThat(refs.get("refs/heads/main")).isEmpty();
      assertThat(refs.list("")).isEmpty();
      assertThat(TestSupport.queryLong(db(), "SELECT count(*) FROM refs")).isZero();
    }
  }

  @Test
  void conflictReturnsCurrentValueAndChangesNothing() {
    try (SqliteStorage s = TestSupport.open(db())) {
      RefStore refs = s.create("r").orElseThrow().refs();
      refs.apply(List.of(RefChange.create("refs/heads/main", RefValue.peeled(id(1), id(1)))));

      RefBatchResult r =
          refs.apply(List.of(RefChange.create("refs/heads/main", RefValue.of(id(5)))));
      assertThat(r)
          .isEqualTo(new RefBatchResult.Conflict("refs/heads/main", RefValue.peeled(id(1), id(1))));

      r =
          refs.apply(
              List.of(
                  RefChange.update("refs/heads/main", RefValue.of(id(7)), RefValue.of(id(8)))));
      assertThat(r).isInstanceOf(RefBatchResult.Conflict.class);
      assertThat(((RefBatchResult.Conflict) r).current()).isEqualTo(RefValue.peeled(id(1), id(1)));

      r =
          refs.apply(
              List.of(
                  RefChange.update("refs/heads/gone", RefValue.of(id(7)), RefValue.of(id(8)))));
      assertThat(r).isEqualTo(new RefBatchResult.Conflict("refs/heads/gone", null));

      assertThat(refs.list(""))
          .containsExactly(Map.entry("refs/heads/main", RefValue.peeled(id(1), id(1))));
    }
  }

  @Test
  void batchIsAllOrNothing() {
    try (SqliteStorage s = TestSupport.open(db())) {
      RefStore refs = s.create("r").orElseThrow().refs();
      refs.apply(List.of(RefChange.create("refs/heads/a", RefValue.of(id(1)))));
      RefBatchResult r =
          refs.apply(
              List.of(
                  RefChange.create("refs/heads/b", RefValue.of(id(2))),
                  RefChange.update("refs/heads/a", RefValue.of(id(1)), RefValue.of(id(3))),
                  RefChange.create("refs/heads/a-conflict", RefValue.of(id(4))),
                  RefChange.update("refs/heads/c", RefValue.of(id(9)), RefValue.of(id(5)))));
      assertThat(r).isEqualTo(new RefBatchResult.Conflict("refs/heads/c", null));
      assertThat(refs.list("")).containsExactly(Map.entry("refs/heads/a", RefValue.of(id(1))));

      r =
          refs.apply(
              List.of(
                  RefChange.create("refs/heads/b", RefValue.of(id(2))),
                  RefChange.delete("refs/heads/a", RefValue.of(id(1))),
                  RefChange.create("HEAD", RefValue.symbolic("refs/heads/b"))));
      assertThat(r.applied()).isTrue();
      assertThat(refs.list(""))
          .containsOnlyKeys("HEAD", "refs/heads/b")
          .containsEntry("HEAD", RefValue.symbolic("refs/heads/b"));

      assertThat(refs.apply(List.of()).applied()).isTrue();
      assertThatThrownBy(
              () ->
                  refs.apply(
                      List.of(
                          RefChange.create("refs/heads/x", RefValue.of(id(1))),
                          RefChange.create("refs/heads/x", RefValue.of(id(2))))))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(refs.get("refs/heads/x")).isEmpty();
    }
    try (SqliteStorage s = TestSupport.open(db())) {
      assertThat(s.open("r").orElseThrow().refs().list("")).containsOnlyKeys("HEAD", "refs/heads/b");
    }
  }

  @Test
  void failedWriteAppliesNothing() {
    AtomicBoolean fail = new AtomicBoolean();
    String[] point = {SqliteOptions.FaultInjector.REFS};
    SqliteOptions options =
        SqliteOptions.defaults()
            .withFaults(
                p -> {
                  if (fail.get() && p.equals(point[0])) {
                    throw new SQLException("injected");
                  }
                });
    try (SqliteStorage s = TestSupport.open(db(), options)) {
      RefStore refs = s.create("r").orElseThrow().refs();
      refs.apply(List.of(RefChange.create("refs/heads/a", RefValue.of(id(1)))));
      fail.set(true);
      for (String p :
          List.of(SqliteOptions.FaultInjector.REFS, SqliteOptions.FaultInjector.BEFORE_COMMIT)) {
        point[0] = p;
        assertThatThrownBy(
                () ->
                    refs.apply(
                        List.of(
                            RefChange.update(
                                "refs/heads/a", RefValue.of(id(1)), RefValue.of(id(2))),
                            RefChange.create("refs/heads/b", RefValue.of(id(3))))))
            .isInstanceOf(StorageException.class)
            .matches(e -> !((StorageException) e).isTransient());
        assertThat(refs.list("")).containsExactly(Map.entry("refs/heads/a", RefValue.of(id(1))));
      }
    }
    try (SqliteStorage s = TestSupport.open(db())) {
      assertThat(s.open("r").orElseThrow().refs().list(""))
          .containsExactly(Map.entry("refs/heads/a", RefValue.of(id(1))));
    }
  }

  @Test
  void headSymbolicAndUnborn() {
    try (SqliteStorage s = TestSupport.open(db())) {
      RefStore refs = s.create("r").orElseThrow().refs();
      assertThat(refs.get("HEAD")).isEmpty();
      assertThat(
              refs.apply(List.of(RefChange.create("HEAD", RefValue.symbolic("refs/heads/main"))))
                  .applied())
          .isTrue();
      // unborn: the target does not exist
      assertThat(refs.get("HEAD")).contains(RefValue.symbolic("refs/heads/main"));
      assertThat(refs.get("refs/heads/main")).isEmpty();
      // CAS on symbolic refs compares the target
      assertThat(
              refs.apply(
                  List.of(
                      RefChange.update(
                          "HEAD",
                          RefValue.symbolic("refs/heads/other"),
                          RefValue.symbolic("refs/heads/x")))))
          .isEqualTo(new RefBatchResult.Conflict("HEAD", RefValue.symbolic("refs/heads/main")));
      // an object id never matches a symbolic ref
      assertThat(
              refs.apply(
                      List.of(RefChange.update("HEAD", RefValue.of(id(1)), RefValue.of(id(2)))))
                  .applied())
          .isFalse();
      assertThat(
              refs.apply(
                      List.of(
                          RefChange.update(
                              "HEAD",
                              RefValue.symbolic("refs/heads/main"),
                              RefValue.symbolic("refs/heads/trunk"))))
                  .applied())
          .isTrue();
      // detached HEAD and back
      refs.apply(
          List.of(
              RefChange.update("HEAD", RefValue.symbolic("refs/heads/trunk"), RefValue.of(id(3)))));
      assertThat(refs.get("HEAD")).contains(RefValue.of(id(3)));
      refs.apply(
          List.of(RefChange.update("HEAD", RefValue.of(id(3)), RefValue.symbolic("refs/heads/u"))));
    }
    try (SqliteStorage s = TestSupport.open(db())) {
      assertThat(s.open("r").orElseThrow().refs().get("HEAD"))
          .contains(RefValue.symbolic("refs/heads/u"));
    }
  }

  @Test
  void listByPrefixAndPeeledValuesPersist() {
    try (SqliteStorage s = TestSupport.open(db())) {
      RefStore refs = s.create("r").orElseThrow().refs();
      refs.apply(
          List.of(
              RefChange.create("HEAD", RefValue.symbolic("refs/heads/main")),
              RefChange.create("refs/heads/main", RefValue.peeled(id(1), id(1))),
              RefChange.create("refs/heads/main2", RefValue.of(id(2))),
              RefChange.create("refs/heads/feature/x", RefValue.of(id(3))),
              RefChange.create("refs/tags/v1", RefValue.peeled(id(4), id(1))),
              RefChange.create("refs/notes/commits", RefValue.of(id(5))),
              RefChange.create("refs/heads/sym", RefValue.symbolic("refs/heads/main"))));
      assertThat(refs.list("refs/heads/"))
          .containsOnlyKeys(
              "refs/heads/main", "refs/heads/main2", "refs/heads/feature/x", "refs/heads/sym");
      assertThat(refs.list("refs/heads/main"))
          .containsOnlyKeys("refs/heads/main", "refs/heads/main2");
      assertThat(refs.list("refs/tags/"))
          .containsExactly(Map.entry("refs/tags/v1", RefValue.peeled(id(4), id(1))));
      assertThat(refs.list("refs/nothing/")).isEmpty();
      assertThat(refs.list("")).hasSize(7).containsKey("HEAD");
      assertThatThrownBy(() -> refs.list("").put("x", RefValue.of(id(1))))
          .isInstanceOf(UnsupportedOperationException.class);
    }
    try (SqliteStorage s = TestSupport.open(db())) {
      RefStore refs = s.open("r").orElseThrow().refs();
      assertThat(refs.list("")).hasSize(7);
      // peeled: unknown, same as the id, and a different id all come back as given
      assertThat(refs.get("refs/tags/v1").orElseThrow().peeledId()).isEqualTo(id(1));
      assertThat(refs.get("refs/heads/main").orElseThrow().peeledId()).isEqualTo(id(1));
      assertThat(refs.get("refs/heads/main2").orElseThrow().peeledId()).isNull();
      assertThat(refs.get("refs/heads/sym")).contains(RefValue.symbolic("refs/heads/main"));
    }
  }

  @Test
  void namesAreStoredAsGiven() {
    try (SqliteStorage s = TestSupport.open(db())) {
      RefStore refs = s.create("r").orElseThrow().refs();
      String odd = "refs/heads/ünï'cödé \"x\"; DROP TABLE refs;--";
      refs.apply(List.of(RefChange.create(odd, RefValue.of(id(1)))));
      assertThat(refs.list("refs/heads/ü")).containsOnlyKeys(odd);
    }
    try (SqliteStorage s = TestSupport.open(db())) {
      assertThat(s.open("r").orElseThrow().refs().list("")).hasSize(1);
    }
  }

  @Test
  void concurrentCasHasExactlyOneWinnerPerRound() throws Exception {
    int threads = 8;
    int rounds = 200;
    try (SqliteStorage s = TestSupport.open(db())) {
      RefStore refs = s.create("r").orElseThrow().refs();
      refs.apply(List.of(RefChange.create("refs/heads/main", RefValue.of(id(0)))));
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        CyclicBarrier barrier = new CyclicBarrier(threads);
        List<Future<Integer>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int me = t;
          futures.add(
              pool.submit(
                  () -> {
                    int wins = 0;
                    for (int round = 0; round < rounds; round++) {
                      barrier.await(1, TimeUnit.MINUTES);
                      // every thread expects the value of the previous round
                      RefValue expected = RefValue.of(id(round * 100));
                      RefValue mine = RefValue.of(id((round + 1) * 100 + me + 1));
                      RefBatchResult r =
                          refs.apply(List.of(RefChange.update("refs/heads/main", expected, mine)));
                      if (r.applied()) {
                        wins++;
                      } else {
                        // the loser sees the winner's value
                        RefValue current = ((RefBatchResult.Conflict) r).current();
                        if (current == null || current.sameTarget(expected)) {
                          throw new AssertionError("conflict with " + current);
                        }
                      }
                      barrier.await(1, TimeUnit.MINUTES);
                      // normalize: thread 0 moves the ref to the next round's base
                      if (me == 0) {
                        RefValue now = refs.get("refs/heads/main").orElseThrow();
                        RefBatchResult n =
                            refs.apply(
                                List.of(
                                    RefChange.update(
                                        "refs/heads/main",
                                        now,
                                        RefValue.of(id((round + 1) * 100)))));
                        if (!n.applied()) {
                          throw new AssertionError("normalize failed: " + n);
                        }
                      }
                      barrier.await(1, TimeUnit.MINUTES);
                    }
                    return wins;
                  }));
        }
        int total = 0;
        for (Future<Integer> f : futures) {
          total += f.get(5, TimeUnit.MINUTES);
        }
        assertThat(total).isEqualTo(rounds);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void perRoundWinnerIsTheValueStoredAlsoAfterReopen() throws Exception {
    int threads = 8;
    RefValue last;
    try (SqliteStorage s = TestSupport.open(db())) {
      RefStore refs = s.create("r").orElseThrow().refs();
      refs.apply(List.of(RefChange.create("refs/heads/x", RefValue.of(id(1)))));
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        for (int round = 0; round < 50; round++) {
          RefValue base = refs.get("refs/heads/x").orElseThrow();
          List<Future<RefValue>> fs = new ArrayList<>();
          CyclicBarrier barrier = new CyclicBarrier(threads);
          for (int t = 0; t < threads; t++) {
            RefValue mine = RefValue.of(id(1000 * (round + 2) + t));
            // each thread also touches a ref of its own in the same batch
            String own = "refs/heads/t" + t;
            fs.add(
                pool.submit(
                    () -> {
                      barrier.await(1, TimeUnit.MINUTES);
                      RefValue ownNow = refs.get(own).orElse(null);
                      RefChange ownChange =
                          ownNow == null
                              ? RefChange.create(own, mine)
                              : RefChange.update(own, ownNow, mine);
                      return refs.apply(
                                  List.of(RefChange.update("refs/heads/x", base, mine), ownChange))
                              .applied()
                          ? mine
                          : null;
                    }));
          }
          List<RefValue> winners = new ArrayList<>();
          for (Future<RefValue> f : fs) {
            RefValue v = f.get(1, TimeUnit.MINUTES);
            if (v != null) {
              winners.add(v);
            }
          }
          assertThat(winners).hasSize(1);
          assertThat(refs.get("refs/heads/x")).contains(winners.get(0));
        }
      } finally {
        pool.shutdownNow();
      }
      last = refs.get("refs/heads/x").orElseThrow();
    }
    try (SqliteStorage s = TestSupport.open(db())) {
      assertThat(s.open("r").orElseThrow().refs().get("refs/heads/x")).contains(last);
    }
  }
}
