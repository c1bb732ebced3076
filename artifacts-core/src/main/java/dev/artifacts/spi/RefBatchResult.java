package dev.artifacts.spi;

/**
 * Outcome of {@link RefStore#apply}: either every change was applied, or none was and the first
 * conflicting ref is named with the value it has now.
 */
public sealed interface RefBatchResult {

  /** Every change of the batch was applied, atomically. */
  record Applied() implements RefBatchResult {}

  /**
   * Nothing was applied because {@code refName} did not have its expected value.
   *
   * @param refName the ref whose compare-and-swap missed
   * @param current its value at the time of the check; null when it does not exist
   */
  record Conflict(String refName, RefValue current) implements RefBatchResult {}

  /** The shared instance for success. */
  RefBatchResult APPLIED = new Applied();

  /** @return true when every change was applied */
  default boolean applied() {
    return this instanceof Applied;
  }
}
