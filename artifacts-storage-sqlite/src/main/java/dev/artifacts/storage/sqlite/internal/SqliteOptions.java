package dev.artifacts.storage.sqlite.internal;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;

/**
 * Tuning knobs of the SQLite backend. {@link #defaults()} is what {@code SqliteStorage.open(Path)}
 * uses; tests shorten the time limits and inject faults.
 *
 * @param retiredGrace how long a pack retired by a commit stays openable for readers that listed
 *     it before (its rows are deleted afterwards, once no {@code ReadableFile} on it is open)
 * @param busyBudget how long a statement or transaction that finds the database busy or locked
 *     (another process holding a lock) is retried, with backoff, before the call fails with a
 *     transient {@code StorageException}
 * @param readers number of read-only connections in the pool (readers run in parallel under WAL)
 * @param mmapBytes {@code PRAGMA mmap_size} of the read connections; 0 disables memory mapping
 * @param faults fault injection for tests; {@link FaultInjector#NONE} in production
 */
public record SqliteOptions(
    Duration retiredGrace, Duration busyBudget, int readers, long mmapBytes, FaultInjector faults) {

  /** Hook called at named points of the write paths; tests throw from it to simulate failures. */
  @FunctionalInterface
  public interface FaultInjector {
    /** In the writer, after every operation of a batch ran and just before {@code COMMIT}. */
    String BEFORE_COMMIT = "before-commit";
    /** In {@code Storage.create}, after the registry row was inserted. */
    String CREATE = "create";
    /** In {@code Storage.fork}, after the fork row and its refs were inserted. */
    String FORK = "fork";
    /** In {@code Storage.delete}, after every row of the repository was deleted. */
    String DELETE = "delete";
    /** In {@code ObjectStore.commit}, after the pack rows were written. */
    String PACK_COMMIT = "pack-commit";
    /** In {@code RefStore.apply}, after the ref rows were written. */
    String REFS = "refs";
    /** In {@code WritableFile}, before a batch of full chunks is inserted as staging rows. */
    String STAGE = "stage";

    FaultInjector NONE = point -> {};

    /** @throws SQLException to make the operation at {@code point} fail */
    void at(String point) throws SQLException;
  }

  public SqliteOptions {
    Objects.requireNonNull(retiredGrace, "retiredGrace");
    Objects.requireNonNull(busyBudget, "busyBudget");
    Objects.requireNonNull(faults, "faults");
    if (retiredGrace.isNegative() || busyBudget.isNegative()) {
      throw new IllegalArgumentException("durations must not be negative");
    }
    if (readers < 1) {
      throw new IllegalArgumentException("at least one reader connection is needed: " + readers);
    }
    if (mmapBytes < 0) {
      throw new IllegalArgumentException("mmapBytes must be >= 0: " + mmapBytes);
    }
  }

  /**
   * @return 10 minutes of grace for retired packs, 2 seconds of busy retries, 4 read connections,
   *     1 GiB of memory mapping
   */
  public static SqliteOptions defaults() {
    return new SqliteOptions(
        Duration.ofMinutes(10), Duration.ofSeconds(2), 4, 1L << 30, FaultInjector.NONE);
  }

  public SqliteOptions withRetiredGrace(Duration grace) {
    return new SqliteOptions(grace, busyBudget, readers, mmapBytes, faults);
  }

  public SqliteOptions withBusyBudget(Duration budget) {
    return new SqliteOptions(retiredGrace, budget, readers, mmapBytes, faults);
  }

  public SqliteOptions withFaults(FaultInjector injector) {
    return new SqliteOptions(retiredGrace, busyBudget, readers, mmapBytes, injector);
  }
}
