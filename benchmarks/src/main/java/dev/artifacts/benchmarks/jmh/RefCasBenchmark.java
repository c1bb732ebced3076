package dev.artifacts.benchmarks.jmh;

import dev.artifacts.spi.RefBatchResult;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefStore;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.StorageException;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Two threads race to move ONE ref by compare-and-swap ({@link RefStore#apply} of a single
 * {@link RefChange#update}), on each backend.
 *
 * <p>Each thread keeps the value it believes the ref has; an attempt proposes the next value
 * from there. On a miss the store returns the current value, which becomes the next expectation
 * (the loop a pushing client runs, without a separate read). The primary score is attempts per
 * second (both threads together); the secondary counters {@code successes} and {@code conflicts}
 * split it into won and lost CAS per second ({@code transientErrors}: retryable backend
 * failures, expected to stay 0).
 *
 * <p>No update may be lost: every success is logged and, after every iteration (warm-up
 * included), {@link CasChain#verify} checks that the successes form one unbroken chain from the
 * initial value to the ref's current value, with exactly as many links as successes counted. Any
 * break throws from the {@code @TearDown}, which fails the benchmark.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 4, time = 3)
@State(Scope.Benchmark)
public class RefCasBenchmark {
  static final String REF = "refs/heads/main";

  @Param({Backends.MEM, Backends.FS, Backends.SQLITE})
  public String backend;

  private Backends.Opened opened;
  private RefStore refs;
  private CasChain chain;
  private final AtomicLong successes = new AtomicLong();
  private final Queue<CasChain.Log> logs = new ConcurrentLinkedQueue<>();
  private boolean lostUpdate;

  @Setup(Level.Trial)
  public void open() {
    opened = Backends.open(backend);
    RepositoryStore repo =
        opened.storage.create("cas").orElseThrow(() -> new IllegalStateException("repo exists"));
    refs = repo.refs();
    RefValue initial = CasChain.value(0, CasChain.tag(0, 0));
    if (!refs.apply(List.of(RefChange.create(REF, initial))).applied()) {
      throw new IllegalStateException("cannot create " + REF);
    }
    chain = new CasChain(initial);
  }

  /** Fails the benchmark when an update was lost during the iteration that just ended. */
  @TearDown(Level.Iteration)
  public void verifyNoLostUpdate() {
    try {
      chain.verify(logs, refs.get(REF).orElse(null), successes.get());
    } catch (RuntimeException e) {
      lostUpdate = true;
      throw e;
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    try {
      if (!lostUpdate) {
        System.out.println(
            "\n[ref-cas " + backend + "] verified: " + chain.verifiedSuccesses()
                + " successful CAS (warm-up included) form one unbroken chain, ref at version "
                + chain.verifiedVersion() + "; no update lost");
      }
    } finally {
      opened.close();
    }
  }

  /** One racing thread: its belief about the ref, its log, and its counters. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Racer {
    /** CAS won, per second. */
    public long successes;
    /** CAS lost (the other thread moved the ref first), per second. */
    public long conflicts;
    /** Retryable backend failures (nothing applied), per second; expected 0. */
    public long transientErrors;

    int thread;
    long attempt;
    RefValue expected;
    long expectedVersion;
    long expectedTag;
    final CasChain.Log log = new CasChain.Log();

    @Setup(Level.Trial)
    public void join(RefCasBenchmark bench, ThreadParams params) {
      join(params.getThreadIndex(), bench.refs, bench.logs);
    }

    /** Tag thread 0 is the initial value, so racer {@code index} tags as thread index + 1. */
    void join(int index, RefStore refs, Queue<CasChain.Log> logs) {
      thread = index + 1;
      logs.add(log);
      believe(refs.get(REF).orElseThrow());
    }

    @Setup(Level.Iteration)
    public void resetCounters() {
      successes = 0;
      conflicts = 0;
      transientErrors = 0;
    }

    /**
     * One CAS attempt on {@link #REF} from the value this thread believes current to the next
     * version; logs a success, and on a miss believes the value the store reported.
     *
     * @param successes the shared count of successes, kept apart from the logs
     * @return true when the CAS was applied
     */
    boolean attempt(RefStore refs, AtomicLong successes) {
      long newVersion = expectedVersion + 1;
      long newTag = CasChain.tag(thread, ++attempt);
      RefValue next = CasChain.value(newVersion, newTag);
      RefBatchResult result;
      try {
        result = refs.apply(List.of(RefChange.update(REF, expected, next)));
      } catch (StorageException e) {
        if (!e.isTransient()) {
          throw e;
        }
        transientErrors++; // nothing was applied: retry from the same belief
        return false;
      }
      if (result.applied()) {
        log.add(newVersion, expectedTag, newTag);
        successes.incrementAndGet();
        this.successes++;
        expected = next;
        expectedVersion = newVersion;
        expectedTag = newTag;
        return true;
      }
      conflicts++;
      believe(((RefBatchResult.Conflict) result).current());
      return false;
    }

    void believe(RefValue value) {
      expected = value;
      expectedVersion = CasChain.version(value);
      expectedTag = CasChain.tag(value);
    }
  }

  /** One CAS attempt: from the value this thread believes current to the next version. */
  @Benchmark
  public boolean cas(Racer r) {
    return r.attempt(refs, successes);
  }
}
