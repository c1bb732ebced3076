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

  /**
   * Makes one commit on a branch with compare-and-swap on its parent. Atomic: either the branch
   * moves from {@code request.parent()} to a complete new commit (all objects durably stored
   * first), or nothing visible changes. The ref change is seen at once by {@code git fetch}, by
   * the event stream (type {@code commit}) and by the next call. Like every method here it does
   * not check the caller's permission (the REST layer requires WRITE first); read-only
   * repositories and branches hidden from the caller are refused.
   *
   * @return the new commit, its tree and the branch's full name
   * @throws dev.artifacts.ArtifactsException
   *     <ul>
   *       <li>INVALID: {@code invalid_branch} (not a valid branch name), {@code invalid_parent}
   *           (not 40 hex digits), {@code invalid_message}, {@code invalid_author}, {@code
   *           no_changes}, {@code invalid_path} (names the path), {@code duplicate_path},
   *           {@code invalid_mode}, {@code path_not_found} (delete of a missing file), {@code
   *           path_conflict} (a parent of the path is a file, or the path is a directory)
   *       <li>TOO_LARGE: {@code file_too_large} or {@code request_too_large}, with {@code limit}
   *           (bytes) in the details
   *       <li>CONFLICT: {@code ref_conflict} when the branch is not at {@code parent} (details
   *           {@code expected}, {@code current}; null means absent), {@code ref_name_conflict}
   *           when a new branch name clashes with an existing ref ({@code a} vs {@code a/b})
   *       <li>FORBIDDEN: {@code ref_forbidden} when the branch is hidden from the caller, {@code
   *           read_only} for a read-only repository
   *       <li>NOT_FOUND: {@code not_found} when {@code parent} is not a commit of this repository
   *     </ul>
   */
  CommitResult commit(CommitRequest request);

  /**
   * Merges a revision into a branch in memory (no working tree) and moves the branch with
   * compare-and-swap against the value read at the start. Atomic like {@link #commit}; the
   * event type is {@code merge}. When the target already contains the source, nothing changes
   * and the result names the unchanged commit with {@code upToDate} set.
   *
   * @throws dev.artifacts.ArtifactsException
   *     <ul>
   *       <li>NOT_FOUND: {@code not_found} when the source or target does not exist or is hidden
   *       <li>INVALID: {@code invalid_branch}, {@code invalid_revision}, {@code not_a_commit},
   *           {@code invalid_author}
   *       <li>CONFLICT: {@code not_fast_forward} (strategy {@link MergeStrategy#FF_ONLY}),
   *           {@code merge_conflict} with the conflicting {@code paths} in the details, {@code
   *           ref_conflict} when the target moved meanwhile (details {@code expected}, {@code
   *           current})
   *       <li>FORBIDDEN: {@code ref_forbidden}, {@code read_only}
   *     </ul>
   */
  MergeResult merge(MergeRequest request);
}
