package dev.artifacts.spi;

/**
 * The one failure a storage backend reports: the backend could not do what it was asked.
 *
 * <p>Expected outcomes are never exceptions: a compare-and-swap miss is a {@link RefBatchResult},
 * an unknown repository or file is an empty {@link java.util.Optional}. A {@code StorageException}
 * means the backend itself failed (I/O error, database locked for too long, disk full).
 *
 * <p>{@link #isTransient()} tells callers whether the same call may succeed if retried later (for
 * example a database that stayed busy); servers map transient failures to HTTP 503 with
 * {@code Retry-After}.
 */
public class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean transientFailure;

  /**
   * @param message what failed, naming the repository, pack or ref involved where known
   * @param cause the underlying failure, may be null
   * @param transientFailure true when retrying the same call later may succeed
   */
  public StorageException(String message, Throwable cause, boolean transientFailure) {
    super(message, cause);
    this.transientFailure = transientFailure;
  }

  /** A permanent failure: retrying the same call is not expected to help. */
  public StorageException(String message, Throwable cause) {
    this(message, cause, false);
  }

  /** @return true when retrying the same call later may succeed */
  public boolean isTransient() {
    return transientFailure;
  }
}
