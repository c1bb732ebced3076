package dev.artifacts.storage.fs.internal;

import dev.artifacts.spi.StorageException;

/** The open/closed state of a whole storage, shared by everything it hands out. */
public final class Lifecycle {
  private final String description;
  private volatile boolean closed;

  public Lifecycle(String description) {
    this.description = description;
  }

  /** @throws StorageException once the storage is closed */
  public void checkOpen() {
    if (closed) {
      throw new StorageException("storage " + description + " is closed", null);
    }
  }

  public boolean isClosed() {
    return closed;
  }

  public void markClosed() {
    closed = true;
  }
}
