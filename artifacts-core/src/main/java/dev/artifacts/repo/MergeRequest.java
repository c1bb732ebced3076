package dev.artifacts.repo;

import java.util.Objects;

/**
 * A merge of one revision into a branch: {@link Repo#merge}.
 *
 * @param source what to merge: a ref name or commit id the caller may see
 * @param target the branch that moves, as {@code main} or {@code refs/heads/main}; must exist
 * @param strategy how to merge
 * @param message the merge commit's message, or null for {@code Merge SOURCE into TARGET}
 * @param author the merge commit's author, or null for one derived from the caller's name
 */
public record MergeRequest(
    String source, String target, MergeStrategy strategy, String message, Person author) {
  public MergeRequest {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(strategy, "strategy");
  }

  /** A merge with the default message and author. */
  public MergeRequest(String source, String target, MergeStrategy strategy) {
    this(source, target, strategy, null, null);
  }
}
