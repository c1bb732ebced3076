package dev.artifacts;

/** What an {@link Authenticator} decided about a caller and one repository. */
public enum Access {
  /** No usable credentials were presented; HTTP answers 401 with a Basic challenge. */
  UNAUTHENTICATED,
  /** The caller is known but may not use this repository; HTTP answers 403. */
  FORBIDDEN,
  /** The caller may clone and fetch. */
  READ,
  /** The caller may clone, fetch and push. */
  WRITE;

  /** @return true when this access allows reading */
  public boolean canRead() {
    return this == READ || this == WRITE;
  }

  /** @return true when this access allows writing */
  public boolean canWrite() {
    return this == WRITE;
  }
}
