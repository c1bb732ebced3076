package dev.artifacts.repo;

import java.util.List;

/**
 * The difference between two trees.
 *
 * @param from the id of the old side (commit or tree), or null when the old side is empty (the
 *     new side is a root commit)
 * @param to the id of the new side (commit or tree)
 * @param files the changed files in path order, renames and copies paired; never null
 * @param truncated true when the size limit was reached: the file whose patch crossed it keeps
 *     its counts but has no hunks, and files after it are listed with status, paths, modes and
 *     ids, but null counts and no hunks
 */
public record Diff(String from, String to, List<FileDiff> files, boolean truncated) {
  public Diff {
    files = List.copyOf(files);
  }
}
