package dev.artifacts.repo;

import java.util.List;
import java.util.Objects;

/**
 * A commit to make on top of a branch with compare-and-swap: {@link Repo#commit}.
 *
 * @param branch the branch, as {@code main} or {@code refs/heads/main}
 * @param parent the commit id (40 hex digits) the branch must point at now, which becomes the
 *     new commit's parent; null when the branch must not exist yet (the commit is then a root
 *     commit)
 * @param message the commit message; not empty
 * @param author the author, or null for one derived from the caller's name
 * @param changes the changes, applied in order on top of the parent's tree; at least one
 */
public record CommitRequest(
    String branch, String parent, String message, Person author, List<FileChange> changes) {
  public CommitRequest {
    Objects.requireNonNull(branch, "branch");
    Objects.requireNonNull(message, "message");
    changes = List.copyOf(Objects.requireNonNull(changes, "changes"));
  }
}
