package dev.artifacts.repo;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * A file of a tree, found by path: its metadata now, its bytes when {@link #openStream()} is
 * called. Large content is streamed from storage, never loaded whole, so blobs of any size are
 * safe to read (small ones, up to some tens of KiB, may be held in memory from the start).
 */
public final class Blob {
  /** Opens the bytes of a blob. */
  @FunctionalInterface
  public interface Opener {
    InputStream open() throws IOException;
  }

  private final String id;
  private final String path;
  private final int mode;
  private final long size;
  private final Opener opener;

  /**
   * @param id the blob id (40 hex digits)
   * @param path the path it was found at
   * @param mode its git file mode ({@code 0100644}, {@code 0100755} or {@code 0120000})
   * @param size its size in bytes
   * @param opener opens its content
   */
  public Blob(String id, String path, int mode, long size, Opener opener) {
    this.id = Objects.requireNonNull(id, "id");
    this.path = Objects.requireNonNull(path, "path");
    this.mode = mode;
    this.size = size;
    this.opener = Objects.requireNonNull(opener, "opener");
  }

  /** @return the blob id; a strong validator of the content (same id, same bytes) */
  public String id() {
    return id;
  }

  /** @return the path the blob was found at */
  public String path() {
    return path;
  }

  /** @return its git file mode */
  public int mode() {
    return mode;
  }

  /** @return its size in bytes */
  public long size() {
    return size;
  }

  /**
   * Opens the content. Each call opens a new stream; the caller must close it.
   *
   * @throws IOException when storage fails
   */
  public InputStream openStream() throws IOException {
    return opener.open();
  }
}
