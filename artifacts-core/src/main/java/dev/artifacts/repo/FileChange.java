package dev.artifacts.repo;

import java.util.Objects;

/**
 * One change of a {@link CommitRequest}: write a file (create or replace) or delete one.
 *
 * @param op what to do
 * @param path the file's path relative to the repository root, with {@code /} separators
 * @param content the new content for {@link Op#WRITE} (for a symlink: the link target); null for
 *     {@link Op#DELETE}
 * @param mode the git file mode for {@link Op#WRITE}: {@link #REGULAR} ({@code 100644}), {@link
 *     #EXECUTABLE} ({@code 100755}) or {@link #SYMLINK} ({@code 120000}); 0 for {@link
 *     Op#DELETE}
 */
public record FileChange(Op op, String path, byte[] content, int mode) {
  /** {@code 100644}: a regular file. */
  public static final int REGULAR = 0100644;
  /** {@code 100755}: an executable file. */
  public static final int EXECUTABLE = 0100755;
  /** {@code 120000}: a symbolic link whose content is the target. */
  public static final int SYMLINK = 0120000;

  /** The kind of change. */
  public enum Op {
    WRITE,
    DELETE
  }

  public FileChange {
    Objects.requireNonNull(op, "op");
    Objects.requireNonNull(path, "path");
    if (op == Op.WRITE) {
      Objects.requireNonNull(content, "content");
    }
  }

  /** Writes a regular file ({@code 100644}). */
  public static FileChange write(String path, byte[] content) {
    return new FileChange(Op.WRITE, path, content, REGULAR);
  }

  /** Writes a file with the given mode ({@link #REGULAR}, {@link #EXECUTABLE}, {@link #SYMLINK}). */
  public static FileChange write(String path, byte[] content, int mode) {
    return new FileChange(Op.WRITE, path, content, mode);
  }

  /** Deletes an existing file. */
  public static FileChange delete(String path) {
    return new FileChange(Op.DELETE, path, null, 0);
  }
}
