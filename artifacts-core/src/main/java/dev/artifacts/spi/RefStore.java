package dev.artifacts.spi;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The refs of one repository: names mapped to {@link RefValue}s, changed only through atomic
 * compare-and-swap batches.
 *
 * <p>Implementations are thread-safe and linearizable: concurrent {@link #apply} calls behave as
 * if run one after another, so of several batches racing on one ref with the same expectation,
 * exactly one wins. Reads never see half of a batch.
 *
 * <p>Names are stored as given; the engine validates them (git's rules) before calling. {@code
 * HEAD} is an ordinary entry, usually symbolic, and may point at a ref that does not exist (an
 * unborn branch).
 */
public interface RefStore {

  /**
   * @return the current value of {@code name}, or empty when it does not exist
   * @throws StorageException on backend failure
   */
  Optional<RefValue> get(String name);

  /**
   * Lists refs whose names start with {@code prefix} ({@code ""} lists all, including {@code
   * HEAD}).
   *
   * @return a consistent snapshot: name to value, never null
   * @throws StorageException on backend failure
   */
  Map<String, RefValue> list(String prefix);

  /**
   * Applies all changes or none. Each change's {@link RefChange#expected()} is checked against
   * the state before the batch; if any misses, nothing changes and the result names that ref and
   * its current value. A batch naming the same ref twice is rejected with {@link
   * IllegalArgumentException}. An empty batch is applied trivially.
   *
   * @return {@link RefBatchResult.Applied} or a {@link RefBatchResult.Conflict}; a miss is a value,
   *     not an exception
   * @throws StorageException on backend failure; nothing was applied in that case
   */
  RefBatchResult apply(List<RefChange> changes);
}
