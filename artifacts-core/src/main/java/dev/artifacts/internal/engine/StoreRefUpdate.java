package dev.artifacts.internal.engine;

import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefValue;
import java.io.IOException;
import java.util.List;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.revwalk.RevWalk;

/** A single-ref update applied as a one-change compare-and-swap batch. */
final class StoreRefUpdate extends RefUpdate {
  private final StoreRefDatabase refdb;
  private Ref dstRef;
  private RevWalk walk;

  StoreRefUpdate(StoreRefDatabase refdb, Ref ref) {
    super(ref);
    this.refdb = refdb;
  }

  @Override
  protected StoreRefDatabase getRefDatabase() {
    return refdb;
  }

  @Override
  protected EngineRepository getRepository() {
    return refdb.repository();
  }

  @Override
  protected boolean tryLock(boolean deref) {
    dstRef = getRef();
    if (deref) {
      dstRef = dstRef.getLeaf();
    }
    setOldObjectId(dstRef.isSymbolic() ? null : dstRef.getObjectId());
    return true;
  }

  @Override
  protected void unlock() {
    // Compare-and-swap holds no lock between tryLock and the update.
  }

  @Override
  public Result update(RevWalk revWalk) throws IOException {
    try {
      walk = revWalk;
      return super.update(revWalk);
    } finally {
      walk = null;
    }
  }

  @Override
  protected Result doUpdate(Result desiredResult) throws IOException {
    RefValue newValue;
    if (walk != null) {
      newValue = StoreRefDatabase.valueFor(walk, getNewObjectId());
    } else {
      try (RevWalk rw = new RevWalk(getRepository())) {
        newValue = StoreRefDatabase.valueFor(rw, getNewObjectId());
      }
    }
    return cas(newValue) ? desiredResult : Result.LOCK_FAILURE;
  }

  @Override
  protected Result doDelete(Result desiredResult) throws IOException {
    return cas(null) ? desiredResult : Result.LOCK_FAILURE;
  }

  @Override
  protected Result doLink(String target) throws IOException {
    if (!cas(RefValue.symbolic(target))) {
      return Result.LOCK_FAILURE;
    }
    return dstRef.getStorage() == Ref.Storage.NEW ? Result.NEW : Result.FORCED;
  }

  private boolean cas(RefValue newValue) throws IOException {
    RefValue expected = StoreRefDatabase.expectedValue(dstRef);
    if (expected == null && newValue == null) {
      return true;
    }
    return refdb
        .apply(List.of(new RefChange(dstRef.getName(), expected, newValue)))
        .applied();
  }
}
