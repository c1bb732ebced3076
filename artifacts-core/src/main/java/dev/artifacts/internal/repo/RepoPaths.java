package dev.artifacts.internal.repo;

import dev.artifacts.ArtifactsException;
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
      if (component.toLowerCase(Locale.ROOT).equals(".git")) {
        return "the path has a '.git' component";
      }
    }
    return null;
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
