package dev.artifacts;

import java.util.Locale;

/** What a repository token allows. */
public enum TokenScope {
  /** Clone and fetch. */
  READ,
  /** Clone, fetch and push. */
  WRITE;

  /** @return the lowercase name used in storage and JSON ({@code read}, {@code write}) */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * @throws IllegalArgumentException naming the accepted values when {@code name} is neither
   */
  public static TokenScope fromWireName(String name) {
    for (TokenScope s : values()) {
      if (s.wireName().equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown token scope '" + name + "': use read or write");
  }
}
