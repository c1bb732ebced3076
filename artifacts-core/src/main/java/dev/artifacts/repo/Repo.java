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
   *       <li>FORBIDDEN: {@code ref_forbidden} when the branch (or, for a symbolic ref, the ref
   *           it points at) is hidden from the caller, {@code read_only} for a read-only
   *           repository
   *     </ul>
   *     A {@code parent} that is not the branch's current commit (including one this repository
   *     does not have, or one hidden from the caller) is a {@code ref_conflict}, never a {@code
   *     not_found}.
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
   *           {@code invalid_message}, {@code invalid_author}
   *       <li>CONFLICT: {@code not_fast_forward} (strategy {@link MergeStrategy#FF_ONLY}),
   *           {@code merge_conflict} with the conflicting {@code paths} in the details, {@code
   *           ref_conflict} when the target moved meanwhile (details {@code expected}, {@code
   *           current})
   *       <li>FORBIDDEN: {@code ref_forbidden}, {@code read_only}
   *     </ul>
   */
  MergeResult merge(MergeRequest request);

  /** The most commits one {@link #log} page returns. */
  int MAX_LOG_LIMIT = 500;

  /**
   * Lists history newest first (by commit time, as {@code git log} does), one page at a time.
   * The first call names a revision; later calls pass the previous page's {@link
   * CommitPage#nextCursor()} instead, and continue from the same starting commit even if the ref
   * has moved since, so that paging lists every commit exactly once.
   *
   * @param revision where to start; null or empty means {@code HEAD}; ignored when {@code cursor}
   *     is given
   * @param limit the most commits to return, 1 to {@link #MAX_LOG_LIMIT}
   * @param cursor null for the first page, else a cursor a previous page returned
   * @return the page; never null
   * @throws dev.artifacts.ArtifactsException {@code invalid_parameter} (INVALID) for a limit out
   *     of range, {@code invalid_cursor} (INVALID) for a malformed cursor, {@code not_found} for
   *     an unknown or hidden revision or a cursor whose commit the caller may not see, {@code
   *     not_a_commit} when the revision names something that is not a commit
   */
  CommitPage log(String revision, int limit, String cursor);

  /**
   * Lists a directory of a commit's (or tree's) tree.
   *
   * @param revision a revision naming a commit, an annotated tag of one, or a tree; null or
   *     empty means {@code HEAD}
   * @param path the directory, {@code /}-separated, without leading or trailing slash; null or
   *     empty for the root. A path naming a file, symlink or submodule answers that single entry
   * @param recursive true to list everything under the directory, depth first (each directory
   *     entry before its contents)
   * @param limit the most entries to return (at least 1); the answer says when it stopped there
   * @return the listing; never null
   * @throws dev.artifacts.ArtifactsException {@code not_found} naming the revision or the path
   *     when either does not exist (or the revision is hidden), {@code invalid_path} (INVALID)
   *     for a malformed path
   */
  Tree tree(String revision, String path, boolean recursive, int limit);

  /**
   * Finds a file by path. Large content is not read until {@link Blob#openStream()} is called
   * (small blobs may be read at once, see {@link Blob}).
   *
   * @param revision a revision naming a commit, an annotated tag of one, or a tree; null or
   *     empty means {@code HEAD}
   * @param path the file's path, {@code /}-separated; must not be empty
   * @return the blob (a symlink's blob holds its target); never null
   * @throws dev.artifacts.ArtifactsException {@code not_found} naming the revision or path,
   *     {@code not_a_file} (INVALID) when the path is a directory or submodule, {@code
   *     invalid_path} (INVALID) for an empty or malformed path
   */
  Blob blob(String revision, String path);

  /** The default cap on the hunk text of one {@link #diff}: 1 MiB. */
  long DEFAULT_DIFF_MAX_BYTES = 1L << 20;

  /**
   * Compares two trees, with rename detection (50% similarity, as {@code git diff -M}) and the
   * Myers algorithm {@code git diff} uses by default. The work is bounded whatever the trees hold:
   * Myers runs on differing regions of at most 10,000 lines and 200,000 region lines per call,
   * other regions use JGit's histogram diff (close to linear; a region it cannot split is one
   * replacement, so its hunks may differ from git's); blobs over 16 MiB are binary; and at most
   * 64 MiB of text is compared: past it the result is {@link Diff#truncated()} and the remaining
   * files carry no counts or hunks.
   *
   * @param from the old side (a commit, tag or tree); null or empty means the first parent of
   *     {@code to} (the empty tree for a root commit)
   * @param to the new side; null or empty means {@code HEAD}
   * @param maxBytes the most bytes of hunk text to produce; past it the answer is {@link
   *     Diff#truncated()} and later files carry no counts or hunks
   * @return the diff; never null
   * @throws dev.artifacts.ArtifactsException {@code not_found} naming a revision, {@code
   *     not_a_commit} (INVALID) when {@code from} is omitted and {@code to} is not a commit
   */
  Diff diff(String from, String to, long maxBytes);

  /** The notes ref read when none is named. */
  String DEFAULT_NOTES_REF = "refs/notes/commits";

  /**
   * Reads the note attached to one object.
   *
   * @param notesRef the notes ref: a full name, or a short one looked up as {@code
   *     refs/notes/NAME}; null or empty means {@link #DEFAULT_NOTES_REF}
   * @param revision the annotated object (usually a commit), as a revision
   * @return the note, or empty when the object has none
   * @throws dev.artifacts.ArtifactsException {@code not_found} naming the notes ref or the
   *     revision when either does not exist or is hidden
   */
  java.util.Optional<Note> note(String notesRef, String revision);

  /**
   * Lists notes of a notes ref in order of the annotated object id.
   *
   * @param notesRef as for {@link #note}
   * @param limit the most notes to return, at least 1
   * @return up to {@code limit} notes; never null
   * @throws dev.artifacts.ArtifactsException {@code not_found} naming the notes ref
   */
  List<Note> notes(String notesRef, int limit);

  /**
   * Writes an archive of a tree to {@code out}, streaming: memory stays small whatever the size
   * of the tree (a ZIP keeps only its central directory, some tens of bytes per entry). Entries
   * are the tree's directories, files (executable bit kept), symlinks and submodules (as empty
   * directories), with the commit time as their time, like {@code git archive}.
   *
   * @param revision a commit, tag or tree; null or empty means {@code HEAD}
   * @param format the archive format
   * @param out where the archive goes; not closed
   * @throws dev.artifacts.ArtifactsException {@code not_found} naming the revision (before
   *     anything is written)
   * @throws java.io.IOException when writing to {@code out} fails
   */
  void archive(String revision, ArchiveFormat format, java.io.OutputStream out) throws java.io.IOException;

}
