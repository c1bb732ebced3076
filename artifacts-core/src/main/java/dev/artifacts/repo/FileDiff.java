package dev.artifacts.repo;

import java.util.List;
import java.util.Objects;

/**
 * One changed file of a {@link Diff}.
 *
 * @param status what happened to the file
 * @param oldPath the path on the old side; null when added
 * @param newPath the path on the new side; null when deleted
 * @param oldMode the git mode on the old side; 0 when added
 * @param newMode the git mode on the new side; 0 when deleted
 * @param oldId the blob id on the old side; null when added
 * @param newId the blob id on the new side; null when deleted
 * @param similarity for renames and copies the similarity score 0..100; otherwise 0
 * @param binary true when either side is binary: then there are no hunks and counts are 0
 * @param additions lines added; null when the diff was truncated before this file
 * @param deletions lines deleted; null when the diff was truncated before this file
 * @param hunks the unified-diff hunks with 3 lines of context; empty for binary files, for
 *     mode-only changes and after truncation; never null
 */
public record FileDiff(
    Status status,
    String oldPath,
    String newPath,
    int oldMode,
    int newMode,
    String oldId,
    String newId,
    int similarity,
    boolean binary,
    Integer additions,
    Integer deletions,
    List<Hunk> hunks) {

  /** What happened to a file. */
  public enum Status {
    ADDED,
    MODIFIED,
    DELETED,
    RENAMED,
    COPIED;

    /** @return the lower-case name used on the wire */
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * One hunk.
   *
   * @param header the {@code @@ -a,b +c,d @@} line, with any function context git would add
   * @param lines the lines of the hunk, each starting with {@code ' '}, {@code '+'}, {@code '-'}
   *     or {@code '\'} (for "\ No newline at end of file"), without line terminators
   */
  public record Hunk(String header, List<String> lines) {
    public Hunk {
      Objects.requireNonNull(header, "header");
      lines = List.copyOf(lines);
    }
  }

  public FileDiff {
    Objects.requireNonNull(status, "status");
    hunks = List.copyOf(hunks);
  }
}
