package dev.artifacts.benchmarks.jmh;

import dev.artifacts.spi.DeleteResult;
import dev.artifacts.spi.ObjectStore;
import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.ReadableFile;
import dev.artifacts.spi.WritableFile;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * Ingests one pack through the {@link ObjectStore} SPI, the way the engine stores a push:
 * {@code create} the pack and idx files, write their bytes in 64 KiB chunks, close them, then
 * {@code commit} the pack (which makes it durable and visible). One thread, per backend and pack
 * size. The primary score is packs per second; the secondary counter {@code MB} is megabytes
 * (10^6 bytes, pack plus idx) ingested per second.
 *
 * <p>Sizes: {@code small} is a 4 KiB pack with a 1 KiB idx (a push of a few objects); {@code
 * large} an 8 MiB pack with a 64 KiB idx. The bytes are random (fixed seed), prepared once: the
 * measurement is the store's, not the generation's.
 *
 * <p>Packs are committed into a repository that is replaced by a fresh one every {@value
 * #PACKS_PER_REPO} packs (outside the measured time), so every commit lands in a repository
 * holding 0 to {@value #PACKS_PER_REPO} - 1 packs, as a repository kept compacted does, and the
 * heap (mem) or temporary directory (fs, sqlite) stays bounded. Before a repository is dropped,
 * its packs are listed and the last one read back and checked for size.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 4, time = 3)
@State(Scope.Benchmark)
public class PackIngestBenchmark {
  static final int PACKS_PER_REPO = 32;
  private static final int CHUNK = 64 * 1024;

  @Param({Backends.MEM, Backends.FS, Backends.SQLITE})
  public String backend;

  @Param({"small", "large"})
  public String size;

  private Backends.Opened opened;
  private final Map<String, byte[]> files = new LinkedHashMap<>();
  private Map<String, Long> lengths;
  private long bytesPerPack;
  private int repoNumber;
  private String repoId;
  private ObjectStore objects;
  private int packsInRepo;
  private long packNumber;
  private PackDescriptor last;

  /** Sizes of the pack and idx files for a {@code size} parameter. */
  static int[] sizes(String size) {
    switch (size) {
      case "small":
        return new int[] {4 * 1024, 1024};
      case "large":
        return new int[] {8 * 1024 * 1024, 64 * 1024};
      default:
        throw new IllegalArgumentException("unknown size '" + size + "': expected small or large");
    }
  }

  /** {@code length} random bytes from a fixed seed. */
  static byte[] randomBytes(long seed, int length) {
    byte[] b = new byte[length];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < length; i += 8) {
      long v = r.nextLong();
      for (int j = 0; j < 8 && i + j < length; j++) {
        b[i + j] = (byte) (v >>> (8 * j));
      }
    }
    return b;
  }

  @Setup(Level.Trial)
  public void open() {
    int[] s = sizes(size);
    files.put("pack", randomBytes(1, s[0]));
    files.put("idx", randomBytes(2, s[1]));
    Map<String, Long> l = new LinkedHashMap<>();
    files.forEach((ext, bytes) -> l.put(ext, (long) bytes.length));
    lengths = Map.copyOf(l);
    bytesPerPack = s[0] + s[1];
    opened = Backends.open(backend);
    newRepository();
  }

  private void newRepository() {
    repoId = "ingest-" + (++repoNumber);
    objects =
        opened.storage.create(repoId).orElseThrow(() -> new IllegalStateException(repoId + " exists")).objects();
    packsInRepo = 0;
    last = null;
  }

  /** Every {@value #PACKS_PER_REPO} packs: check the last one, drop the repository, start anew. */
  @TearDown(Level.Invocation)
  public void rotate() {
    if (packsInRepo < PACKS_PER_REPO) {
      return;
    }
    check();
    if (opened.storage.delete(repoId) != DeleteResult.DELETED) {
      throw new IllegalStateException("cannot delete " + repoId);
    }
    newRepository();
  }

  /** The repository lists every pack committed into it, and the last one reads back whole. */
  private void check() {
    int listed = objects.listPacks().size();
    if (listed != packsInRepo) {
      throw new IllegalStateException(repoId + " lists " + listed + " packs, " + packsInRepo + " were committed");
    }
    if (last == null) {
      return;
    }
    for (Map.Entry<String, Long> f : last.files().entrySet()) {
      ReadableFile in =
          objects
              .open(last.name(), f.getKey())
              .orElseThrow(() -> new IllegalStateException("committed " + last.name() + " cannot be opened"));
      try {
        if (in.size() != f.getValue()) {
          throw new IllegalStateException(last.name() + "." + f.getKey() + " has " + in.size() + " bytes, wrote " + f.getValue());
        }
      } finally {
        in.close();
      }
    }
  }

  @TearDown(Level.Iteration)
  public void checkIteration() {
    check();
  }

  @TearDown(Level.Trial)
  public void close() {
    opened.close();
  }

  /** Bytes ingested, reported per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Traffic {
    /** Megabytes (10^6 bytes) of pack and idx written and committed. */
    public double MB;

    @Setup(Level.Iteration)
    public void reset() {
      MB = 0;
    }
  }

  /** Writes a pack and its idx, and commits the pack. */
  @Benchmark
  public PackDescriptor ingest(Traffic traffic) {
    String name = "jmh-" + (++packNumber);
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      WritableFile out = objects.create(name, f.getKey());
      try {
        byte[] bytes = f.getValue();
        for (int off = 0; off < bytes.length; off += CHUNK) {
          out.write(bytes, off, Math.min(CHUNK, bytes.length - off));
        }
      } finally {
        out.close();
      }
    }
    PackDescriptor d = new PackDescriptor(name, "RECEIVE", lengths, 3, System.currentTimeMillis());
    objects.commit(List.of(d), List.of());
    packsInRepo++;
    last = d;
    traffic.MB += bytesPerPack / 1e6;
    return d;
  }
}
