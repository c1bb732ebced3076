package dev.artifacts.benchmarks.jmh;

import dev.artifacts.spi.RefValue;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collection;
import org.eclipse.jgit.lib.ObjectId;

/**
 * The "no lost update" check of {@link RefCasBenchmark}.
 *
 * <p>Every value the benchmark stores in the ref encodes a <em>version</em> and a <em>tag</em>.
 * The tag names the value uniquely (the writing thread and that thread's attempt number), and a
 * thread that compare-and-swaps from a value of version {@code v} always proposes version {@code
 * v + 1}. Every successful CAS is logged as (new version, tag expected, tag written). If the
 * store is linearizable, the successes form one unbroken chain starting at the initial value:
 * exactly one success per version, each expecting the tag the previous one wrote, and the ref
 * now holds the last one. Two winners from the same value (a lost update) give two successes
 * with one version; a CAS applied against a value it did not expect breaks the tag chain; either
 * way {@link #verify} throws.
 *
 * <p>Verification is incremental: each call checks the successes logged since the previous call
 * (the benchmark calls it after every iteration, so logs stay one iteration long) and moves the
 * verified end of the chain forward.
 */
final class CasChain {
  private static final int MAGIC = 0xCA5C_A5CA;

  private long version;
  private long tag;
  private long successes;

  /** A chain whose verified end is {@code initial} (no successes yet). */
  CasChain(RefValue initial) {
    this.version = version(initial);
    this.tag = tag(initial);
  }

  /** @return the ref value with this version and tag */
  static RefValue value(long version, long tag) {
    byte[] raw = new byte[20];
    ByteBuffer.wrap(raw).putLong(version).putLong(tag).putInt(MAGIC);
    return RefValue.of(ObjectId.fromRaw(raw));
  }

  /** @return the tag of attempt {@code attempt} of thread {@code thread} (unique per value) */
  static long tag(int thread, long attempt) {
    if (thread < 0 || thread >= (1 << 15) || attempt < 0 || attempt >= (1L << 48)) {
      throw new IllegalArgumentException("thread " + thread + " attempt " + attempt);
    }
    return ((long) thread << 48) | attempt;
  }

  /** @return the version encoded in {@code v} */
  static long version(RefValue v) {
    return raw(v).getLong(0);
  }

  /** @return the tag encoded in {@code v} */
  static long tag(RefValue v) {
    return raw(v).getLong(8);
  }

  private static ByteBuffer raw(RefValue v) {
    if (v == null || v.isSymbolic()) {
      throw new IllegalStateException("the benchmark ref holds " + v + ", not a value it wrote");
    }
    byte[] raw = new byte[20];
    v.objectId().copyRawTo(raw, 0);
    ByteBuffer b = ByteBuffer.wrap(raw);
    if (b.getInt(16) != MAGIC) {
      throw new IllegalStateException("the benchmark ref holds " + v.objectId().name() + ", not a value it wrote");
    }
    return b;
  }

  /** @return the last verified version (the number of successes verified so far) */
  long verifiedVersion() {
    return version;
  }

  /** @return the number of successes verified so far */
  long verifiedSuccesses() {
    return successes;
  }

  /**
   * Checks that the successes in {@code logs} extend the verified chain by one unbroken run
   * ending at {@code current}, and that {@code successesCounted} (a running total kept apart from
   * the logs) agrees; then clears the logs and advances the verified end.
   *
   * @param current the ref's value now, read after every writer stopped
   * @param successesCounted the total number of successful CAS so far, counted independently
   * @throws IllegalStateException naming the first inconsistency: an update was lost (or the
   *     benchmark's own bookkeeping is wrong)
   */
  void verify(Collection<Log> logs, RefValue current, long successesCounted) {
    long count = 0;
    for (Log log : logs) {
      count += log.size;
    }
    if (successesCounted - successes != count) {
      throw new IllegalStateException(
          "lost update: " + (successesCounted - successes) + " CAS calls reported success since the"
              + " last check but " + count + " successes were logged");
    }
    // Each thread's successes happen one after another, so in a linearizable store their
    // versions increase: merge the per-thread logs by version and walk the chain.
    Log[] all = logs.toArray(new Log[0]);
    int[] next = new int[all.length];
    long expectedVersion = version + 1;
    long previousTag = tag;
    for (long k = 0; k < count; k++) {
      int pick = -1;
      for (int t = 0; t < all.length; t++) {
        Log log = all[t];
        if (next[t] < log.size) {
          if (next[t] > 0 && log.versions[next[t]] <= log.versions[next[t] - 1]) {
            throw new IllegalStateException(
                "lost update: one thread's successive successful CAS wrote version "
                    + log.versions[next[t] - 1] + " and then " + log.versions[next[t]]);
          }
          if (pick < 0 || log.versions[next[t]] < all[pick].versions[next[pick]]) {
            pick = t;
          }
        }
      }
      Log log = all[pick];
      int i = next[pick]++;
      long v = log.versions[i];
      if (v != expectedVersion) {
        throw new IllegalStateException(
            v < expectedVersion
                ? "lost update: two successful CAS wrote version " + v + ": both replaced the same value"
                : "lost update: the next successful CAS after version " + (expectedVersion - 1)
                    + " wrote version " + v + " (no success wrote " + expectedVersion + ")");
      }
      if (log.expectedTags[i] != previousTag) {
        throw new IllegalStateException(
            "lost update: the CAS that wrote version " + v + " expected tag "
                + Long.toHexString(log.expectedTags[i]) + " but the previous success wrote "
                + Long.toHexString(previousTag));
      }
      previousTag = log.newTags[i];
      expectedVersion++;
    }
    long currentVersion = version(current);
    long currentTag = tag(current);
    if (currentVersion != version + count || currentTag != previousTag) {
      throw new IllegalStateException(
          "lost update: the ref holds version " + currentVersion + " tag "
              + Long.toHexString(currentTag) + " but the chain of " + count + " successes ends at"
              + " version " + (version + count) + " tag " + Long.toHexString(previousTag));
    }
    version += count;
    tag = previousTag;
    successes = successesCounted;
    for (Log log : logs) {
      log.clear();
    }
  }

  /** The successes of one thread since the last verification. Used by that thread only. */
  static final class Log {
    long[] versions = new long[1024];
    long[] expectedTags = new long[1024];
    long[] newTags = new long[1024];
    int size;

    void add(long newVersion, long expectedTag, long newTag) {
      if (size == versions.length) {
        int grown = Math.max(1024, versions.length * 2);
        versions = Arrays.copyOf(versions, grown);
        expectedTags = Arrays.copyOf(expectedTags, grown);
        newTags = Arrays.copyOf(newTags, grown);
      }
      versions[size] = newVersion;
      expectedTags[size] = expectedTag;
      newTags[size] = newTag;
      size++;
    }

    void clear() {
      size = 0;
    }
  }
}
