package dev.artifacts;

/**
 * Limits every commit made through {@link dev.artifacts.repo.Repo#commit} (and so the REST
 * {@code POST /v1/repos/{id}/commits}) is checked against before anything is written.
 *
 * @param maxFileBytes largest content of one written file, in bytes; 0 for no limit
 * @param maxRequestBytes largest sum of the contents of all files written by one commit, in
 *     bytes; 0 for no limit
 */
public record CommitLimits(long maxFileBytes, long maxRequestBytes) {
  /** 10 MiB per file, 32 MiB per commit. */
  public static final CommitLimits DEFAULT = new CommitLimits(10L << 20, 32L << 20);

  public CommitLimits {
    if (maxFileBytes < 0 || maxRequestBytes < 0) {
      throw new IllegalArgumentException("limits must be >= 0 (0 means unlimited)");
    }
  }
}
