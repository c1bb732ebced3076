package dev.artifacts.spi;

import java.util.Objects;

/**
 * One compare-and-swap step of a {@link RefStore#apply} batch.
 *
 * @param name full ref name, for example {@code refs/heads/main} or {@code HEAD}
 * @param expected the value the ref must have now (compared with {@link RefValue#sameTarget});
 *     null means the ref must not exist
 * @param newValue the value to store; null deletes the ref
 */
public record RefChange(String name, RefValue expected, RefValue newValue) {
  public RefChange {
    Objects.requireNonNull(name, "name");
    if (expected == null && newValue == null) {
      throw new IllegalArgumentException("deleting a ref that must not exist is meaningless: " + name);
    }
  }

  /** Create {@code name}; fails if it exists. */
  public static RefChange create(String name, RefValue value) {
    return new RefChange(name, null, Objects.requireNonNull(value, "value"));
  }

  /** Move {@code name} from {@code expected} to {@code value}. */
  public static RefChange update(String name, RefValue expected, RefValue value) {
    return new RefChange(
        name, Objects.requireNonNull(expected, "expected"), Objects.requireNonNull(value, "value"));
  }

  /** Delete {@code name} if it has {@code expected}. */
  public static RefChange delete(String name, RefValue expected) {
    return new RefChange(name, Objects.requireNonNull(expected, "expected"), null);
  }
}
