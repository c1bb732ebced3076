package dev.artifacts.benchmarks.jmh;

import dev.artifacts.Artifacts;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.Repository;
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

/**
 * Ingests objects through the engine: a JGit {@link ObjectInserter} of the repository that
 * {@link Artifacts#repository} returns inserts blobs and {@code flush()}es, which deflates and
 * hashes them, writes a pack and its idx through the {@code ObjectStore} SPI and commits it. One
 * thread, per backend and size; background compaction is off.
 *
 * <p>Sizes: {@code small} inserts one 4 KiB blob; {@code large} 64 blobs of 128 KiB (8 MiB).
 * Contents are random bytes (fixed seed; deflate cannot shrink them) with a per-insert counter
 * in the first 8 bytes, so no blob is ever already stored. The primary score is flushes (packs)
 * per second; {@code MB} is megabytes (10^6 bytes) of blob content per second.
 *
 * <p>As in {@link PackIngestBenchmark}, the repository is replaced by a fresh one every {@value
 * PackIngestBenchmark#PACKS_PER_REPO} flushes, outside the measured time, after checking that
 * the last blob inserted reads back.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 4, time = 3)
@State(Scope.Benchmark)
public class EngineIngestBenchmark {
  @Param({Backends.MEM, Backends.FS, Backends.SQLITE})
  public String backend;

  @Param({"small", "large"})
  public String size;

  private Backends.Opened opened;
  private Artifacts artifacts;
  private byte[][] blobs;
  private long bytesPerFlush;
  private int repoNumber;
  private String repoId;
  private Repository repo;
  private int flushesInRepo;
  private long counter;
  private ObjectId last;
  private int lastLength;

  @Setup(Level.Trial)
  public void open() {
    int count;
    int length;
    switch (size) {
      case "small":
        count = 1;
        length = 4 * 1024;
        break;
      case "large":
        count = 64;
        length = 128 * 1024;
        break;
      default:
        throw new IllegalArgumentException("unknown size '" + size + "': expected small or large");
    }
    blobs = new byte[count][];
    for (int i = 0; i < count; i++) {
      blobs[i] = PackIngestBenchmark.randomBytes(100 + i, length);
    }
    bytesPerFlush = (long) count * length;
    opened = Backends.open(backend);
    artifacts = Artifacts.builder(opened.storage).autoCompaction(false).build();
    newRepository();
  }

  private void newRepository() {
    repoId = "engine-" + (++repoNumber);
    artifacts.createRepository(repoId);
    repo = artifacts.repository(repoId).orElseThrow();
    flushesInRepo = 0;
    last = null;
  }

  /** Every {@value PackIngestBenchmark#PACKS_PER_REPO} flushes: check, drop the repository, start anew. */
  @TearDown(Level.Invocation)
  public void rotate() throws IOException {
    if (flushesInRepo < PackIngestBenchmark.PACKS_PER_REPO) {
      return;
    }
    check();
    if (!artifacts.deleteRepository(repoId)) {
      throw new IllegalStateException("cannot delete " + repoId);
    }
    newRepository();
  }

  private void check() throws IOException {
    if (last != null && repo.getObjectDatabase().open(last).getSize() != lastLength) {
      throw new IllegalStateException("blob " + last.name() + " does not read back with its size");
    }
  }

  @TearDown(Level.Iteration)
  public void checkIteration() throws IOException {
    check();
  }

  @TearDown(Level.Trial)
  public void close() {
    try {
      artifacts.close(); // closes the storage
    } finally {
      opened.close(); // closing the storage again is harmless; deletes the temporary directory
    }
  }

  /** Bytes ingested, reported per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Traffic {
    /** Megabytes (10^6 bytes) of blob content inserted and flushed. */
    public double MB;

    @Setup(Level.Iteration)
    public void reset() {
      MB = 0;
    }
  }

  /** Inserts the blobs (each made unique) and flushes them into one new pack. */
  @Benchmark
  public ObjectId insertAndFlush(Traffic traffic) throws IOException {
    ObjectId id = null;
    try (ObjectInserter ins = repo.newObjectInserter()) {
      for (byte[] blob : blobs) {
        long c = ++counter;
        for (int j = 0; j < 8; j++) {
          blob[j] = (byte) (c >>> (8 * j));
        }
        id = ins.insert(Constants.OBJ_BLOB, blob);
      }
      ins.flush();
    }
    flushesInRepo++;
    last = id;
    lastLength = blobs[blobs.length - 1].length;
    traffic.MB += bytesPerFlush / 1e6;
    return id;
  }
}
