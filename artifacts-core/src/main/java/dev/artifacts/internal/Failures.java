package dev.artifacts.internal;

import dev.artifacts.spi.StorageException;

/** Finding the storage failure behind an exception JGit wrapped. */
public final class Failures {
  private Failures() {}

  /** @return the first {@link StorageException} in the cause chain of {@code e}, or null */
  public static StorageException storageCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StorageException s) {
        return s;
      }
    }
    return null;
  }

  /**
   * @return the storage failure behind {@code e} when there is one (so that the REST layer can
   *     answer 503 or 500 as it does for every storage failure), else {@code e} wrapped
   */
  public static RuntimeException unchecked(java.io.IOException e) {
    StorageException storage = storageCause(e);
    return storage != null ? storage : new java.io.UncheckedIOException(e);
  }
}
