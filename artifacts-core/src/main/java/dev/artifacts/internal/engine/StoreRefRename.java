package dev.artifacts.internal.engine;

import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefValue;
import java.io.IOException;
import java.util.List;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefRename;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.RefUpdate.Result;

/** Renames a ref as one atomic batch: delete the source, create the destination. */
final class StoreRefRename extends RefRename {
  private final StoreRefDatabase refdb;

  StoreRefRename(StoreRefDatabase refdb, RefUpdate src, RefUpdate dst) {
    super(src, dst);
    this.refdb = refdb;
  }

  @Override
  protected Result doRename() throws IOException {
    Ref src = source.getRef();
    if (src.isSymbolic() || src.getObjectId() == null) {
      return Result.IO_FAILURE;
    }
    RefValue value = refdb.get(src.getName());
    if (value == null || refdb.get(destination.getName()) != null) {
      return Result.LOCK_FAILURE;
    }
    boolean applied =
        refdb
            .apply(
                List.of(
                    RefChange.delete(src.getName(), value),
                    RefChange.create(destination.getName(), value)))
            .applied();
    return applied ? Result.RENAMED : Result.LOCK_FAILURE;
  }
}
