package dev.artifacts.events;

import java.util.Objects;

/**
 * One ref that moved, as part of an {@link Event}.
 *
 * <p>For a direct ref, {@code oldId} and {@code newId} are 40-character lower-case hex object
 * ids; {@code oldId} is null when the ref was created and {@code newId} is null when it was
 * deleted. For a symbolic ref (such as {@code HEAD}), {@code oldTarget} and {@code newTarget} name
 * the ref it pointed at before and after, and the ids are null; for a direct ref both targets are
 * null. The old value is the value the ref really had: it was the expectation of a successful
 * compare-and-swap.
 *
 * @param name the full ref name, for example {@code refs/heads/main}; never null
 * @param oldId the object id before, or null (created, or symbolic before)
 * @param newId the object id after, or null (deleted, or symbolic after)
 * @param oldTarget the symbolic target before, or null
 * @param newTarget the symbolic target after, or null
 */
public record RefUpdate(String name, String oldId, String newId, String oldTarget, String newTarget) {

  public RefUpdate {
    Objects.requireNonNull(name, "name");
  }

  /** A direct ref moving from {@code oldId} to {@code newId} (either may be null). */
  public RefUpdate(String name, String oldId, String newId) {
    this(name, oldId, newId, null, null);
  }

  /** @return true when the ref did not exist before */
  public boolean isCreate() {
    return oldId == null && oldTarget == null;
  }

  /** @return true when the ref does not exist after */
  public boolean isDelete() {
    return newId == null && newTarget == null;
  }
}
