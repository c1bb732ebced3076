package dev.artifacts.repo;

import dev.artifacts.RefInfo;
import java.util.List;
import java.util.Optional;

/**
 * One repository as a program without a Git client uses it: read refs, history, trees, blobs,
 * diffs and archives, and commit or merge with compare-and-swap. The REST side door is a thin
 * mapping of this interface; embedding code gets the same from {@link
 * dev.artifacts.Artifacts#repo(String)} (everything visible) or {@link
 * dev.artifacts.Artifacts#repo(String, dev.artifacts.Principal)} (what that caller may see).
 *
 * <p>A view never shows refs hidden from its caller, and refuses revisions reachable only from
 * hidden refs as if they did not exist. Revisions are written as a full ref name ({@code
 * refs/heads/main}), a short one ({@code main}, looked up as {@code refs/NAME}, {@code
 * refs/tags/NAME}, {@code refs/heads/NAME}, like git), {@code HEAD}, or a full 40-digit object
 * id.
 *
 * <p>Thread-safe; cheap to create. Changes made by a push are visible to the next call, and
 * changes made here are visible to the next {@code git fetch}.
 *
 * @throws dev.artifacts.ArtifactsException from every method: {@code not_found} (NOT_FOUND) for
 *     an unknown or hidden revision or path, INVALID for malformed input
 * @throws dev.artifacts.spi.StorageException from every method when the backend fails
 */
public interface Repo {

  /** @return the repository id */
  String id();

  /** @return the refs the caller may see, sorted by name, without {@code HEAD} */
  List<RefInfo> refs();

  /**
   * @return the ref {@code HEAD} points at (for example {@code refs/heads/main}), even when that
   *     branch is unborn; empty when HEAD is detached or its target is hidden from the caller
   */
  Optional<String> head();
}
