package dev.artifacts.repo;

import java.util.List;

/**
 * A tree listing.
 *
 * @param commit the commit the revision resolved to, or null when the revision named a tree
 * @param path the listed path ({@code ""} for the root)
 * @param entries the entries in git order (by name; a recursive listing lists a directory's
 *     entry before its contents); never null
 * @param truncated true when the listing stopped at the requested limit
 */
public record Tree(String commit, String path, List<TreeEntry> entries, boolean truncated) {
  public Tree {
    entries = List.copyOf(entries);
  }
}
