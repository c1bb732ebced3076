package dev.artifacts.spi;

import java.util.regex.Pattern;

/** The rule every repository id follows, shared by the engine, the REST layer and backends. */
public final class RepositoryIds {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private RepositoryIds() {}

  /** @return true when {@code id} has 1 to 64 characters, each a letter, digit, {@code -} or {@code _} */
  public static boolean isValid(String id) {
    return id != null && VALID.matcher(id).matches();
  }

  /**
   * @return {@code id} when valid
   * @throws IllegalArgumentException naming the id and the rule when it is not
   */
  public static String requireValid(String id) {
    if (!isValid(id)) {
      throw new IllegalArgumentException(
          "invalid repository id '" + id
              + "': use 1 to 64 characters, each a letter, digit, '-' or '_'");
    }
    return id;
  }
}
