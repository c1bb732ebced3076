package dev.artifacts.spi;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What the store records about one pack: its name, the files it consists of, and a few
 * numbers the engine uses to order and size packs. Backends persist it as given and return it
 * unchanged from {@link ObjectStore#listPacks()}; they never interpret it beyond {@link #files()}.
 *
 * @param name pack name, unique within the store for all time (the engine generates it); letters,
 *     digits, {@code -} and {@code _} only
 * @param source why the pack exists ({@code RECEIVE}, {@code INSERT}, {@code COMPACT}, {@code GC},
 *     ...); the engine's label, opaque to backends
 * @param files file extension (without dot, for example {@code pack}, {@code idx}, {@code
 *     bitmap}) to its exact length in bytes; never empty
 * @param objectCount number of objects in the pack
 * @param createdMillis when the pack was written, epoch milliseconds
 */
public record PackDescriptor(
    String name, String source, Map<String, Long> files, long objectCount, long createdMillis) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,128}");
  private static final Pattern EXTENSION = Pattern.compile("[a-z0-9_]{1,16}");

  public PackDescriptor {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(source, "source");
    files = Map.copyOf(Objects.requireNonNull(files, "files"));
    requireValidName(name);
    for (String ext : files.keySet()) {
      if (!isValidExtension(ext)) {
        throw new IllegalArgumentException("invalid file extension in pack " + name + ": " + ext);
      }
    }
  }

  /** @return true when {@code name} is 1 to 128 letters, digits, {@code -} or {@code _} */
  public static boolean isValidName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /** @return true when {@code ext} is 1 to 16 lowercase letters, digits or {@code _} */
  public static boolean isValidExtension(String ext) {
    return ext != null && EXTENSION.matcher(ext).matches();
  }

  /**
   * @return {@code name} when valid
   * @throws IllegalArgumentException naming it otherwise
   */
  public static String requireValidName(String name) {
    if (!isValidName(name)) {
      throw new IllegalArgumentException("invalid pack name: " + name);
    }
    return name;
  }

  /**
   * @return {@code ext} when valid
   * @throws IllegalArgumentException naming it otherwise
   */
  public static String requireValidExtension(String ext) {
    if (!isValidExtension(ext)) {
      throw new IllegalArgumentException("invalid file extension: " + ext);
    }
    return ext;
  }
}
