package dev.artifacts.storage.fs.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * Tunables of the file system backend.
 *
 * @param retiredGrace how long the files of a retired (replaced) pack stay on disk, so a reader
 *     that listed the pack before the retirement can still open it
 * @param faults failure injection for tests; {@link FaultInjector#NONE} in production
 */
public record FsOptions(Duration retiredGrace, FaultInjector faults) {

  /** Default grace period for retired pack files. */
  public static final Duration DEFAULT_RETIRED_GRACE = Duration.ofMinutes(10);

  public FsOptions {
    Objects.requireNonNull(retiredGrace, "retiredGrace");
    Objects.requireNonNull(faults, "faults");
    if (retiredGrace.isNegative()) {
      throw new IllegalArgumentException("negative grace period");
    }
  }

  /** @return production defaults */
  public static FsOptions defaults() {
    return new FsOptions(DEFAULT_RETIRED_GRACE, FaultInjector.NONE);
  }

  /** Hook called at named points of multi-step writes; tests throw from it to simulate failures. */
  @FunctionalInterface
  public interface FaultInjector {
    /** Does nothing. */
    FaultInjector NONE = point -> {};

    /** Point names used by the backend. */
    String CREATE_BEFORE_RENAME = "create.beforeRename";
    String FORK_BEFORE_RENAME = "fork.beforeRename";
    /** Settling a fork, after its link was removed and before its own directory is renamed in. */
    String SETTLE_BEFORE_RENAME = "settle.beforeRename";
    String COMMIT_AFTER_PACK_RENAME = "commit.afterPackRename";
    String COMMIT_BEFORE_MANIFEST_RENAME = "commit.beforeManifestRename";
    String REFS_BEFORE_RENAME = "refs.beforeRename";
    String TOKENS_BEFORE_APPEND = "tokens.beforeAppend";
    /** Before a fork's symbolic link is made; a {@link java.nio.file.FileSystemException} means "cannot link". */
    String BEFORE_SYMLINK = "symlink";
    /** Before a hard link is made; a {@link java.nio.file.FileSystemException} means "cannot link". */
    String BEFORE_LINK = "link";

    /** @throws java.io.IOException to make the step fail */
    void at(String point) throws java.io.IOException;
  }
}
