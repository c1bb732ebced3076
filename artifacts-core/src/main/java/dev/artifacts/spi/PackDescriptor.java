package dev.artifacts.spi;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
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

  /**
   * Checks what {@link ObjectStore#commit} requires of the files of an added pack, for a backend
   * to call before it changes anything: the descriptor names at least one file, and every file it
   * names was created, is closed and has exactly the length the descriptor gives. Backends keep
   * track of their files being written in their own way; this method only asks about them.
   *
   * @param fileOf the backend's file being written for an extension of this pack, or null when
   *     none was created (or it was rolled back)
   * @param isClosed whether a file from {@code fileOf} is closed with all its bytes written
   * @param lengthOf the number of bytes written to a file from {@code fileOf}
   * @param <F> the backend's type of file being written
   * @return every file of this descriptor, by extension
   * @throws IllegalArgumentException naming this pack and its first file that was not written, is
   *     not closed, or has another length than the descriptor gives (saying both lengths); or
   *     saying that the descriptor names no file
   */
  public <F> Map<String, F> requireWritten(
      Function<String, ? extends F> fileOf,
      Predicate<? super F> isClosed,
      ToLongFunction<? super F> lengthOf) {
    if (files.isEmpty()) {
      throw new IllegalArgumentException("pack " + name + " has no files");
    }
    Map<String, F> written = new LinkedHashMap<>();
    for (Map.Entry<String, Long> f : files.entrySet()) {
      F file = fileOf.apply(f.getKey());
      String which = "file " + f.getKey() + " of pack " + name;
      if (file == null) {
        throw new IllegalArgumentException(which + " was not written");
      }
      if (!isClosed.test(file)) {
        throw new IllegalArgumentException(
            which + " is not closed (still being written, or its write failed)");
      }
      long length = lengthOf.applyAsLong(file);
      if (length != f.getValue()) {
        throw new IllegalArgumentException(
            which + " has " + length + " bytes, the descriptor says " + f.getValue());
      }
      written.put(f.getKey(), file);
    }
    return written;
  }
}
