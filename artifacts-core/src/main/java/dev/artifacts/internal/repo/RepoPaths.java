package dev.artifacts.internal.repo;

import dev.artifacts.ArtifactsException;
import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.util.SystemReader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/** Validation of the file paths a commit writes or deletes. */
public final class RepoPaths {
  /** Longest accepted path, in characters. */
  public static final int MAX_LENGTH = 4096;

  private RepoPaths() {}

  /**
   * @return null when {@code path} is acceptable as a file path in a commit, else why not
   */
  public static String problem(String path) {
    if (path == null || path.isEmpty()) {
      return "the path is empty";
    }
    if (path.length() > MAX_LENGTH) {
      return "the path is longer than " + MAX_LENGTH + " characters";
    }
    if (path.startsWith("/")) {
      return "absolute paths are not allowed; use a path relative to the repository root";
    }
    if (path.endsWith("/")) {
      return "the path ends with '/'; name a file, not a directory";
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == 0) {
        return "the path contains a NUL character";
      }
      if (c < 0x20 || c == 0x7f) {
        return "the path contains a control character (code " + (int) c + ")";
      }
      if (c == '\\') {
        return "the path contains a backslash; use '/' to separate directories";
      }
      if (Character.isSurrogate(c)
          && !(Character.isHighSurrogate(c)
              && i + 1 < path.length()
              && Character.isLowSurrogate(path.charAt(i + 1)))
          && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(path.charAt(i - 1)))) {
        return "the path is not valid Unicode";
      }
    }
    for (String component : path.split("/", -1)) {
      if (component.isEmpty()) {
        return "the path has an empty component ('//')";
      }
      if (component.equals(".") || component.equals("..")) {
        return "the path has a '" + component + "' component";
      }
      if (isDotGit(component)) {
        return "the path has a component git reads as '.git' ('" + printable(component) + "')";
      }
    }
    try {
      // what JGit's DirCacheEntry checks on this platform: never let it fail later as a 500
      SystemReader.getInstance().checkPath(path.getBytes(StandardCharsets.UTF_8));
    } catch (CorruptObjectException e) {
      return "git refuses this path (" + e.getMessage() + ")";
    }
    return null;
  }

  /**
   * @return null when a symlink may be written at {@code path} (already acceptable as a path),
   *     else why not: git's fsck refuses a {@code .gitmodules} that is a symlink
   */
  public static String symlinkProblem(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1);
    if (isDotGitmodules(name)) {
      return "'.gitmodules' must not be a symlink";
    }
    return null;
  }

  /**
   * @return true when {@code name} is {@code .gitmodules} as git's fsck sees it on any platform:
   *     case-insensitively, with code points HFS+ ignores, with trailing spaces and dots or an
   *     NTFS stream suffix, or as an NTFS short name ({@code gitmod~1}, {@code gi7eba~1})
   */
  static boolean isDotGitmodules(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (withoutHfsIgnorables(lower).equals(".gitmodules")) {
      return true;
    }
    int colon = lower.indexOf(':');
    String ntfs = trimSpacesAndDots(colon < 0 ? lower : lower.substring(0, colon));
    return ntfs.equals(".gitmodules")
        || ntfs.matches("gitmod~[1-4]")
        || ntfs.matches("gi7eba~[1-9]");
  }

  private static String withoutHfsIgnorables(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!isHfsIgnorable(c)) {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static String trimSpacesAndDots(String s) {
    int end = s.length();
    while (end > 0 && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '.')) {
      end--;
    }
    return s.substring(0, end);
  }

  /**
   * @return true when {@code component} is {@code .git} as git's fsck sees it on any platform:
   *     case-insensitively, with trailing spaces and dots (NTFS), as the NTFS short name {@code
   *     git~1}, or with code points HFS+ ignores
   */
  static boolean isDotGit(String component) {
    String lower = component.toLowerCase(Locale.ROOT);
    if (withoutHfsIgnorables(lower).equals(".git")) {
      return true;
    }
    String ntfs = trimSpacesAndDots(lower);
    return ntfs.equals(".git") || ntfs.equals("git~1");
  }

  /** The zero-width code points HFS+ drops when comparing names (git's {@code next_hfs_char}). */
  private static boolean isHfsIgnorable(char c) {
    return (c >= '\u200c' && c <= '\u200f')
        || (c >= '\u202a' && c <= '\u202e')
        || (c >= '\u206a' && c <= '\u206f')
        || c == '\ufeff';
  }

  /** @throws ArtifactsException {@code invalid_path} (INVALID) naming the path when it is not acceptable */
  public static void require(String path) {
    String problem = problem(path);
    if (problem != null) {
      throw new ArtifactsException(
          ArtifactsException.Kind.INVALID,
          "invalid_path",
          "invalid path '" + printable(path) + "': " + problem,
          Map.of("path", path == null ? "" : path));
    }
  }

  /** @return {@code path} with control characters escaped, for messages */
  static String printable(String path) {
    if (path == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder(path.length());
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
