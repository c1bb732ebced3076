package dev.artifacts.repo;

/** How {@link Repo#merge} joins the source into the target. */
public enum MergeStrategy {
  /** Fast-forward when the target is an ancestor of the source, else a three-way merge commit. */
  AUTO,
  /** Fast-forward only; refuse with {@code not_fast_forward} otherwise. */
  FF_ONLY,
  /** Always a merge commit (unless the target already contains the source). */
  MERGE
}
