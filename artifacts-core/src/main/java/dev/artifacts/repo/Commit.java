package dev.artifacts.repo;

import java.util.List;
import java.util.Objects;

/**
 * One commit of a history listing.
 *
 * @param id the commit id (40 hex digits)
 * @param tree the id of its root tree
 * @param parents the parent ids in order; empty for a root commit, never null
 * @param author who wrote the change
 * @param committer who committed it
 * @param message the full message, decoded with the commit's encoding (UTF-8 by default)
 */
public record Commit(
    String id, String tree, List<String> parents, Person author, Person committer, String message) {
  public Commit {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(tree, "tree");
    parents = List.copyOf(parents);
    Objects.requireNonNull(author, "author");
    Objects.requireNonNull(committer, "committer");
    Objects.requireNonNull(message, "message");
  }
}
