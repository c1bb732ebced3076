package dev.artifacts.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.spi.RefBatchResult;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefStore;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.Storage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;

/**
 * Contract tests for {@link RefStore}: compare-and-swap batches applied all or none, conflicts
 * reported as values, symbolic and unborn HEAD, prefix listing, and linearizability under
 * concurrent writers.
 *
 * <p>Subclass it in the backend's tests and implement {@link #fixture()}.
 */
public abstract class RefStoreConformance extends ConformanceSuite {
  private static final String MAIN = "refs/heads/main";
  private static final String DEV = "refs/heads/dev";
  private static final String TAG = "refs/tags/v1";

  /** @return a deterministic object id for {@code n} */
  static ObjectId id(long n) {
    return ObjectId.fromString(String.format("%040x", n + 0x1000));
  }

  private RefStore newRefStore() {
    return createRepository(newStorage(), uniqueId("refs")).refs();
  }

  private static void assertApplied(RefBatchResult r) {
    assertThat(r).as("batch result").isInstanceOf(RefBatchResult.Applied.class);
    assertThat(r.applied()).isTrue();
  }

  private static void assertConflict(RefBatchResult r, String name, RefValue current) {
    assertThat(r).as("batch result").isInstanceOf(RefBatchResult.Conflict.class);
    assertThat(r.applied()).isFalse();
    RefBatchResult.Conflict c = (RefBatchResult.Conflict) r;
    assertThat(c.refName()).isEqualTo(name);
    assertThat(c.current()).as("current value reported with the conflict").isEqualTo(current);
  }

  /** A new repository has no refs at all. */
  @Test
  public void newRepositoryHasNoRefs() {
    RefStore refs = newRefStore();
    assertThat(refs.list("")).isEmpty();
    assertThat(refs.get("HEAD")).isEmpty();
    assertThat(refs.get(MAIN)).isEmpty();
  }

  /** Create, update and delete, each a compare-and-swap that succeeds when the expectation holds. */
  @Test
  public void createUpdateDeleteWithCompareAndSwap() {
    RefStore refs = newRefStore();
    assertApplied(refs.apply(List.of(RefChange.create(MAIN, RefValue.of(id(1))))));
    assertThat(refs.get(MAIN)).contains(RefValue.of(id(1)));
    assertApplied(refs.apply(List.of(RefChange.update(MAIN, RefValue.of(id(1)), RefValue.of(id(2))))));
    assertThat(refs.get(MAIN)).contains(RefValue.of(id(2)));
    assertApplied(refs.apply(List.of(RefChange.delete(MAIN, RefValue.of(id(2))))));
    assertThat(refs.get(MAIN)).isEmpty();
    assertThat(refs.list("")).isEmpty();
    // A deleted ref can be created again.
    assertApplied(refs.apply(List.of(RefChange.create(MAIN, RefValue.of(id(3))))));
    assertThat(refs.get(MAIN)).contains(RefValue.of(id(3)));
  }

  /**
   * Every kind of compare-and-swap miss is a {@link RefBatchResult.Conflict} naming the ref with
   * its current value (null when absent), and changes nothing.
   */
  @Test
  public void missIsReportedWithCurrentValueAndChangesNothing() {
    RefStore refs = newRefStore();
    refs.apply(List.of(RefChange.create(MAIN, RefValue.of(id(1))), RefChange.create("HEAD", RefValue.symbolic(MAIN))));
    Map<String, RefValue> before = refs.list("");

    assertConflict(refs.apply(List.of(RefChange.create(MAIN, RefValue.of(id(9))))), MAIN, RefValue.of(id(1)));
    assertConflict(refs.apply(List.of(RefChange.update(MAIN, RefValue.of(id(5)), RefValue.of(id(9))))), MAIN, RefValue.of(id(1)));
    assertConflict(refs.apply(List.of(RefChange.delete(MAIN, RefValue.of(id(5))))), MAIN, RefValue.of(id(1)));
    assertConflict(refs.apply(List.of(RefChange.update(DEV, RefValue.of(id(1)), RefValue.of(id(9))))), DEV, null);
    assertConflict(refs.apply(List.of(RefChange.delete(DEV, RefValue.of(id(1))))), DEV, null);
    // A symbolic expectation against an id, and an id expectation against a symbolic ref.
    assertConflict(refs.apply(List.of(RefChange.update(MAIN, RefValue.symbolic(DEV), RefValue.of(id(9))))), MAIN, RefValue.of(id(1)));
    assertConflict(refs.apply(List.of(RefChange.update("HEAD", RefValue.of(id(1)), RefValue.of(id(9))))), "HEAD", RefValue.symbolic(MAIN));
    assertConflict(refs.apply(List.of(RefChange.update("HEAD", RefValue.symbolic(DEV), RefValue.symbolic(TAG)))), "HEAD", RefValue.symbolic(MAIN));

    assertThat(refs.list("")).isEqualTo(before);
  }

  /**
   * A batch applies all or nothing: when its last change misses, the earlier ones (create, update,
   * delete) are not applied; when all expectations hold, every change is applied.
   */
  @Test
  public void batchIsAllOrNone() {
    RefStore refs = newRefStore();
    refs.apply(List.of(RefChange.create(MAIN, RefValue.of(id(1))), RefChange.create(DEV, RefValue.of(id(2)))));
    Map<String, RefValue> before = refs.list("");

    RefBatchResult r =
        refs.apply(
            List.of(
                RefChange.create(TAG, RefValue.of(id(3))),
                RefChange.update(MAIN, RefValue.of(id(1)), RefValue.of(id(4))),
                RefChange.delete(DEV, RefValue.of(id(2))),
                RefChange.update("refs/heads/other", RefValue.of(id(7)), RefValue.of(id(8)))));
    assertConflict(r, "refs/heads/other", null);
    assertThat(refs.list("")).isEqualTo(before);

    assertApplied(
        refs.apply(
            List.of(
                RefChange.create(TAG, RefValue.of(id(3))),
                RefChange.update(MAIN, RefValue.of(id(1)), RefValue.of(id(4))),
                RefChange.delete(DEV, RefValue.of(id(2))))));
    assertThat(refs.list("")).isEqualTo(Map.of(TAG, RefValue.of(id(3)), MAIN, RefValue.of(id(4))));
  }

  /**
   * Expectations are checked against the state before the batch: a batch cannot create a ref and
   * then rely on it in a later change of the same batch (it names each ref at most once).
   */
  @Test
  public void expectationsAreCheckedAgainstTheStateBeforeTheBatch() {
    RefStore refs = newRefStore();
    refs.apply(List.of(RefChange.create(MAIN, RefValue.of(id(1)))));
    assertApplied(
        refs.apply(
            List.of(
                RefChange.update(MAIN, RefValue.of(id(1)), RefValue.of(id(2))),
                RefChange.create(DEV, RefValue.of(id(1))))));
    assertThat(refs.list("")).isEqualTo(Map.of(MAIN, RefValue.of(id(2)), DEV, RefValue.of(id(1))));
  }

  /** A batch naming the same ref twice is rejected with {@link IllegalArgumentException} and changes nothing. */
  @Test
  public void duplicateNamesInABatchAreRejected() {
    RefStore refs = newRefStore();
    refs.apply(List.of(RefChange.create(MAIN, RefValue.of(id(1)))));
    assertThatThrownBy(
            () ->
                refs.apply(
                    List.of(
                        RefChange.create(DEV, RefValue.of(id(2))),
                        RefChange.update(MAIN, RefValue.of(id(1)), RefValue.of(id(2))),
                        RefChange.update(MAIN, RefValue.of(id(2)), RefValue.of(id(3))))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> refs.apply(List.of(RefChange.create(TAG, RefValue.of(id(1))), RefChange.create(TAG, RefValue.of(id(1))))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(refs.list("")).isEqualTo(Map.of(MAIN, RefValue.of(id(1))));
  }

  /** An empty batch is applied trivially. */
  @Test
  public void emptyBatchIsApplied() {
    RefStore refs = newRefStore();
    assertApplied(refs.apply(List.of()));
    assertThat(refs.list("")).isEmpty();
  }

  /**
   * HEAD is an ordinary entry: symbolic, possibly pointing at a ref that does not exist (unborn),
   * listed by {@code list("")}, moved by compare-and-swap on its symbolic target, detached to an
   * id and linked again.
   */
  @Test
  public void symbolicAndUnbornHead() {
    RefStore refs = newRefStore();
    assertApplied(refs.apply(List.of(RefChange.create("HEAD", RefValue.symbolic(MAIN)))));
    assertThat(refs.get("HEAD")).contains(RefValue.symbolic(MAIN));
    assertThat(refs.get(MAIN)).as("HEAD's target is unborn").isEmpty();
    assertThat(refs.list("")).isEqualTo(Map.of("HEAD", RefValue.symbolic(MAIN)));
    assertThat(refs.list("refs/")).isEmpty();

    assertApplied(refs.apply(List.of(RefChange.create(MAIN, RefValue.of(id(1))))));
    assertThat(refs.get("HEAD")).as("a symbolic ref is stored, not resolved").contains(RefValue.symbolic(MAIN));

    assertApplied(refs.apply(List.of(RefChange.update("HEAD", RefValue.symbolic(MAIN), RefValue.symbolic(DEV)))));
    assertThat(refs.get("HEAD")).contains(RefValue.symbolic(DEV));
    assertApplied(refs.apply(List.of(RefChange.update("HEAD", RefValue.symbolic(DEV), RefValue.of(id(1))))));
    assertThat(refs.get("HEAD")).contains(RefValue.of(id(1)));
    assertApplied(refs.apply(List.of(RefChange.update("HEAD", RefValue.of(id(1)), RefValue.symbolic(MAIN)))));
    assertThat(refs.get("HEAD").orElseThrow().isSymbolic()).isTrue();
    assertThat(refs.list("")).isEqualTo(Map.of("HEAD", RefValue.symbolic(MAIN), MAIN, RefValue.of(id(1))));
  }

  /**
   * The peeled id is stored and returned as given, and ignored by compare-and-swap: an expectation
   * without (or with another) peeled id matches the same object id.
   */
  @Test
  public void peeledIdIsStoredAsGivenAndIgnoredByCompareAndSwap() {
    RefStore refs = newRefStore();
    RefValue tag = RefValue.peeled(id(10), id(11));
    assertApplied(refs.apply(List.of(RefChange.create(TAG, tag))));
    assertThat(refs.get(TAG)).contains(tag);
    assertThat(refs.get(TAG).orElseThrow().peeledId()).isEqualTo(id(11));
    RefValue selfPeeled = RefValue.peeled(id(12), id(12));
    assertApplied(refs.apply(List.of(RefChange.update(TAG, RefValue.of(id(10)), selfPeeled))));
    assertThat(refs.get(TAG)).contains(selfPeeled);
    assertApplied(refs.apply(List.of(RefChange.update(TAG, RefValue.peeled(id(12), id(99)), RefValue.of(id(13))))));
    assertThat(refs.get(TAG)).contains(RefValue.of(id(13)));
    assertThat(refs.get(TAG).orElseThrow().peeledId()).as("unknown peeling stays unknown").isNull();
  }

  /**
   * {@code list(prefix)} returns exactly the refs whose names start with the prefix (a string
   * prefix, not a path prefix); {@code ""} lists all including HEAD.
   */
  @Test
  public void listingByPrefix() {
    RefStore refs = newRefStore();
    Map<String, RefValue> all = new TreeMap<>();
    all.put("HEAD", RefValue.symbolic(MAIN));
    all.put(MAIN, RefValue.of(id(1)));
    all.put("refs/heads/maint", RefValue.of(id(2)));
    all.put("refs/heads/feature/x", RefValue.of(id(3)));
    all.put("refs/heads/feature/y", RefValue.of(id(4)));
    all.put(TAG, RefValue.peeled(id(5), id(6)));
    all.put("refs/tags/v2", RefValue.of(id(7)));
    all.put("refs/notes/commits", RefValue.of(id(8)));
    all.put("refs/heads/ünïcødé", RefValue.of(id(9)));
    List<RefChange> creates = new ArrayList<>();
    all.forEach((n, v) -> creates.add(RefChange.create(n, v)));
    assertApplied(refs.apply(creates));

    assertThat(refs.list("")).isEqualTo(all);
    for (String prefix :
        List.of("refs/", "refs/heads/", "refs/heads/main", "refs/heads/ma", "refs/heads/feature/", "refs/tags/", "refs/heads/ü", "refs/x", "H", "zzz")) {
      Map<String, RefValue> expected = new TreeMap<>();
      all.forEach((n, v) -> {
        if (n.startsWith(prefix)) {
          expected.put(n, v);
        }
      });
      assertThat(refs.list(prefix)).as("list(\"%s\")", prefix).isEqualTo(expected);
    }
    for (Map.Entry<String, RefValue> e : all.entrySet()) {
      assertThat(refs.get(e.getKey())).contains(e.getValue());
    }
  }

  /** A listing is a snapshot: changes applied after it was returned do not show in it. */
  @Test
  public void listingIsASnapshot() {
    RefStore refs = newRefStore();
    refs.apply(List.of(RefChange.create(MAIN, RefValue.of(id(1)))));
    Map<String, RefValue> snapshot = refs.list("");
    Map<String, RefValue> copy = new HashMap<>(snapshot);
    refs.apply(List.of(RefChange.update(MAIN, RefValue.of(id(1)), RefValue.of(id(2))), RefChange.create(DEV, RefValue.of(id(3)))));
    assertThat(snapshot).isEqualTo(copy);
  }

  /** Many refs in one batch (a mirror push) are applied and listed. */
  @Test
  public void largeBatch() {
    RefStore refs = newRefStore();
    List<RefChange> creates = new ArrayList<>();
    Map<String, RefValue> expected = new TreeMap<>();
    for (int i = 0; i < 2000; i++) {
      String name = String.format("refs/heads/b%04d", i);
      creates.add(RefChange.create(name, RefValue.of(id(i))));
      expected.put(name, RefValue.of(id(i)));
    }
    assertApplied(refs.apply(creates));
    assertThat(refs.list("refs/heads/")).isEqualTo(expected);
    assertThat(refs.list("refs/heads/b19")).hasSize(100);
  }

  /** Refs of one repository are invisible to another of the same storage. */
  @Test
  public void refsOfOneRepositoryAreInvisibleToAnother() {
    Storage storage = newStorage();
    RepositoryStore a = createRepository(storage, uniqueId("a"));
    RepositoryStore b = createRepository(storage, uniqueId("b"));
    a.refs().apply(List.of(RefChange.create(MAIN, RefValue.of(id(1)))));
    assertThat(b.refs().list("")).isEmpty();
    assertApplied(b.refs().apply(List.of(RefChange.create(MAIN, RefValue.of(id(2))))));
    assertThat(a.refs().get(MAIN)).contains(RefValue.of(id(1)));
  }

  /**
   * Linearizable compare-and-swap: 8 threads race to move one ref from the same value, 200 rounds
   * with a barrier per round. In every round exactly one wins; every loser gets a conflict
   * reporting the winner's value.
   */
  @Test
  public void concurrentCompareAndSwapHasExactlyOneWinnerPerRound() throws Exception {
    RefStore refs = newRefStore();
    int threads = 8;
    int rounds = 200;
    refs.apply(List.of(RefChange.create(MAIN, RefValue.of(id(0)))));
    CyclicBarrier barrier = new CyclicBarrier(threads);
    AtomicReferenceArray<RefValue> roundStart = new AtomicReferenceArray<>(rounds + 1);
    AtomicReferenceArray<RefValue> winner = new AtomicReferenceArray<>(rounds);
    AtomicInteger[] wins = new AtomicInteger[rounds];
    for (int r = 0; r < rounds; r++) {
      wins[r] = new AtomicInteger();
    }
    AtomicReference<String> problem = new AtomicReference<>();
    roundStart.set(0, RefValue.of(id(0)));
    Concurrency.run(
        threads,
        t -> {
          for (int r = 0; r < rounds; r++) {
            barrier.await(); // roundStart[r] is set
            RefValue mine = RefValue.of(id(1_000_000L * (r + 1) + t));
            RefBatchResult result = refs.apply(List.of(RefChange.update(MAIN, roundStart.get(r), mine)));
            if (result.applied()) {
              wins[r].incrementAndGet();
              winner.set(r, mine);
            }
            barrier.await(); // every thread has applied
            if (result instanceof RefBatchResult.Conflict c
                && (!MAIN.equals(c.refName()) || !java.util.Objects.equals(c.current(), winner.get(r)))) {
              problem.compareAndSet(
                  null, "round " + r + ": a loser's conflict reported " + c + ", the winner wrote " + winner.get(r));
            }
            if (t == 0) {
              roundStart.set(r + 1, refs.get(MAIN).orElse(null));
            }
          }
        });
    for (int r = 0; r < rounds; r++) {
      assertThat(wins[r].get()).as("winners in round %d", r).isEqualTo(1);
      assertThat(roundStart.get(r + 1)).as("value after round %d is the winner's", r).isEqualTo(winner.get(r));
    }
    assertThat(problem.get()).isNull();
  }

  /**
   * Batches never interleave half-applied: writers move {@code a} and {@code b} together from
   * (v, v) to (v', v') with compare-and-swap, while readers list the refs; every listing shows
   * {@code a == b}, and the number of applied batches equals the number of moves.
   */
  @Test
  public void concurrentBatchesAreNeverSeenHalfApplied() throws Exception {
    RefStore refs = newRefStore();
    String a = "refs/heads/a";
    String b = "refs/heads/b";
    refs.apply(List.of(RefChange.create(a, RefValue.of(id(0))), RefChange.create(b, RefValue.of(id(0)))));
    int writers = 4;
    int readers = 2;
    int movesPerWriter = 150;
    AtomicInteger applied = new AtomicInteger();
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger writersLeft = new AtomicInteger(writers);
    AtomicReference<String> torn = new AtomicReference<>();
    AtomicInteger observations = new AtomicInteger();
    Concurrency.run(
        writers + readers,
        t -> {
          if (t < writers) {
            try {
              int done = 0;
              long counter = 0;
              while (done < movesPerWriter) {
                RefValue current = refs.get(a).orElseThrow();
                RefValue next = RefValue.of(id(10_000_000L * (t + 1) + (++counter)));
                RefBatchResult r =
                    refs.apply(List.of(RefChange.update(a, current, next), RefChange.update(b, current, next)));
                if (r.applied()) {
                  applied.incrementAndGet();
                  done++;
                }
              }
            } finally {
              if (writersLeft.decrementAndGet() == 0) {
                writing.set(false);
              }
            }
          } else {
            // At least one look even when the writers finish before this reader starts.
            do {
              Map<String, RefValue> seen = refs.list("refs/heads/");
              observations.incrementAndGet();
              if (!seen.get(a).equals(seen.get(b))) {
                torn.compareAndSet(null, "saw a=" + seen.get(a) + " b=" + seen.get(b));
              }
            } while (writing.get() && torn.get() == null);
          }
        });
    assertThat(torn.get()).as("a listing showed half of a batch").isNull();
    assertThat(applied.get()).isEqualTo(writers * movesPerWriter);
    Map<String, RefValue> end = refs.list("");
    assertThat(end.get(a)).isEqualTo(end.get(b));
    assertThat(observations.get()).isPositive();
  }
}
