package dev.artifacts.benchmarks.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.artifacts.spi.RefBatchResult;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefStore;
import dev.artifacts.spi.RefValue;
import dev.artifacts.storage.mem.InMemoryStorage;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The ref CAS benchmark's "no lost update" check: it passes on a correct store under a real race
 * and fails on stores that lose updates. No timing is measured or asserted.
 */
class RefCasVerificationTest {
  private static final RefValue INITIAL = CasChain.value(0, CasChain.tag(0, 0));

  private final Queue<CasChain.Log> logs = new ConcurrentLinkedQueue<>();
  private final AtomicLong successes = new AtomicLong();

  private static RefStore seeded(RefStore refs) {
    assertTrue(refs.apply(List.of(RefChange.create(RefCasBenchmark.REF, INITIAL))).applied());
    return refs;
  }

  private RefCasBenchmark.Racer racer(int index, RefStore refs) {
    RefCasBenchmark.Racer r = new RefCasBenchmark.Racer();
    r.join(index, refs, logs);
    return r;
  }

  @Test
  void twoThreadsRacingOnACorrectStoreFormOneChain() throws Exception {
    try (InMemoryStorage storage = new InMemoryStorage()) {
      RefStore refs = seeded(storage.create("cas").orElseThrow().refs());
      CasChain chain = new CasChain(INITIAL);
      RefCasBenchmark.Racer[] racers = {racer(0, refs), racer(1, refs)};
      for (int round = 0; round < 3; round++) { // several "iterations", verified one by one
        CyclicBarrier start = new CyclicBarrier(2);
        Thread[] threads = new Thread[2];
        Throwable[] failure = new Throwable[2];
        for (int t = 0; t < 2; t++) {
          int i = t;
          threads[t] =
              new Thread(
                  () -> {
                    try {
                      start.await();
                      for (int k = 0; k < 20_000; k++) {
                        racers[i].attempt(refs, successes);
                      }
                    } catch (Throwable e) {
                      failure[i] = e;
                    }
                  });
          threads[t].start();
        }
        for (Thread t : threads) {
          t.join();
        }
        assertEquals(null, failure[0]);
        assertEquals(null, failure[1]);
        chain.verify(logs, refs.get(RefCasBenchmark.REF).orElseThrow(), successes.get());
      }
      long won = racers[0].successes + racers[1].successes;
      assertEquals(successes.get(), won);
      assertEquals(won, chain.verifiedSuccesses());
      assertEquals(won, chain.verifiedVersion());
      assertEquals(3 * 2 * 20_000, won + racers[0].conflicts + racers[1].conflicts);
    }
  }

  @Test
  void twoWinnersFromOneValueAreALostUpdate() {
    RefStore refs = seeded(new LastWriterWins());
    CasChain chain = new CasChain(INITIAL);
    RefCasBenchmark.Racer a = racer(0, refs);
    RefCasBenchmark.Racer b = racer(1, refs);
    assertTrue(a.attempt(refs, successes));
    assertTrue(b.attempt(refs, successes)); // a correct store reports a conflict here
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> chain.verify(logs, refs.get(RefCasBenchmark.REF).orElseThrow(), successes.get()));
    assertTrue(e.getMessage().startsWith("lost update"), e.getMessage());
  }

  @Test
  void aSuccessTheStoreDidNotKeepIsALostUpdate() {
    RefStore refs = seeded(new ForgetsSecondWrite());
    CasChain chain = new CasChain(INITIAL);
    RefCasBenchmark.Racer a = racer(0, refs);
    assertTrue(a.attempt(refs, successes));
    assertTrue(a.attempt(refs, successes)); // reported applied, not stored
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> chain.verify(logs, refs.get(RefCasBenchmark.REF).orElseThrow(), successes.get()));
    assertTrue(e.getMessage().contains("the ref holds version 1"), e.getMessage());
  }

  @Test
  void aCountedSuccessMissingFromTheLogsFails() {
    RefStore refs = seeded(new InMemoryStorage().create("x").orElseThrow().refs());
    CasChain chain = new CasChain(INITIAL);
    RefCasBenchmark.Racer a = racer(0, refs);
    assertTrue(a.attempt(refs, successes));
    assertThrows(
        IllegalStateException.class,
        () -> chain.verify(logs, refs.get(RefCasBenchmark.REF).orElseThrow(), successes.get() + 1));
  }

  @Test
  void aBrokenTagChainFails() {
    CasChain chain = new CasChain(INITIAL);
    CasChain.Log log = new CasChain.Log();
    log.add(1, CasChain.tag(0, 0), CasChain.tag(1, 1));
    log.add(2, CasChain.tag(2, 9), CasChain.tag(1, 2)); // expected a value nobody wrote
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> chain.verify(List.of(log), CasChain.value(2, CasChain.tag(1, 2)), 2));
    assertTrue(e.getMessage().contains("expected tag"), e.getMessage());
  }

  /** Ignores expectations: every update is applied (what a store without CAS would do). */
  private static final class LastWriterWins implements RefStore {
    private final Map<String, RefValue> refs = new ConcurrentHashMap<>();

    @Override
    public Optional<RefValue> get(String name) {
      return Optional.ofNullable(refs.get(name));
    }

    @Override
    public Map<String, RefValue> list(String prefix) {
      return Map.copyOf(refs);
    }

    @Override
    public RefBatchResult apply(List<RefChange> changes) {
      for (RefChange c : changes) {
        refs.put(c.name(), c.newValue());
      }
      return RefBatchResult.APPLIED;
    }
  }

  /** A correct CAS, except that the second applied batch is reported but not stored. */
  private static final class ForgetsSecondWrite implements RefStore {
    private final RefStore delegate = new InMemoryStorage().create("x").orElseThrow().refs();
    private int applied;

    @Override
    public Optional<RefValue> get(String name) {
      return delegate.get(name);
    }

    @Override
    public Map<String, RefValue> list(String prefix) {
      return delegate.list(prefix);
    }

    @Override
    public synchronized RefBatchResult apply(List<RefChange> changes) {
      if (++applied == 3) { // the seed is the first
        return RefBatchResult.APPLIED;
      }
      return delegate.apply(changes);
    }
  }
}
