package dev.artifacts.spi;

import java.util.Objects;
import org.eclipse.jgit.lib.ObjectId;

/**
 * The value of a ref: either an object id (optionally with the id it peels to, for annotated
 * tags) or a symbolic link to another ref name.
 *
 * <p>Equality used by compare-and-swap is {@link #sameTarget}: the peeled id is a cached hint and
 * is ignored.
 *
 * @param objectId the target object, null exactly when the ref is symbolic
 * @param peeledId a cached hint for advertisements: for a ref pointing at an annotated tag, the
 *     non-tag object the tag chain ends at; for a ref known not to point at a tag, equal to {@code
 *     objectId}; null when unknown. Backends store and return it as given.
 * @param symbolicTarget the ref name this ref links to (for example {@code refs/heads/main}),
 *     null exactly when the ref is not symbolic
 */
public record RefValue(ObjectId objectId, ObjectId peeledId, String symbolicTarget) {

  public RefValue {
    if ((objectId == null) == (symbolicTarget == null)) {
      throw new IllegalArgumentException("a ref is either an object id or symbolic, not both or none");
    }
    if (objectId != null) {
      objectId = objectId.copy();
    }
    if (peeledId != null) {
      if (objectId == null) {
        throw new IllegalArgumentException("a symbolic ref has no peeled id");
      }
      peeledId = peeledId.copy();
    }
  }

  /** A ref pointing at {@code id}, peeling unknown. */
  public static RefValue of(ObjectId id) {
    return new RefValue(Objects.requireNonNull(id, "id"), null, null);
  }

  /**
   * A ref pointing at {@code id} whose peeled value is known: {@code peeled} is the object an
   * annotated tag chain ends at, or {@code id} itself when {@code id} is not a tag.
   */
  public static RefValue peeled(ObjectId id, ObjectId peeled) {
    return new RefValue(Objects.requireNonNull(id, "id"), peeled, null);
  }

  /** A symbolic ref linking to {@code targetRefName}. */
  public static RefValue symbolic(String targetRefName) {
    return new RefValue(null, null, Objects.requireNonNull(targetRefName, "targetRefName"));
  }

  /** @return true for a symbolic ref */
  public boolean isSymbolic() {
    return symbolicTarget != null;
  }

  /**
   * Compare-and-swap equality: same object id, or same symbolic target. The peeled hint is not
   * compared. A null argument (ref absent) never matches.
   */
  public boolean sameTarget(RefValue other) {
    if (other == null) {
      return false;
    }
    return isSymbolic()
        ? symbolicTarget.equals(other.symbolicTarget)
        : other.objectId != null && objectId.equals(other.objectId);
  }
}
