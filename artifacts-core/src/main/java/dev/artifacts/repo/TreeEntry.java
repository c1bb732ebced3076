package dev.artifacts.repo;

import java.util.Objects;

/**
 * One entry of a tree listing.
 *
 * @param name the last path component
 * @param path the full path from the repository root, {@code /}-separated
 * @param type the kind of entry, from the mode
 * @param mode the git file mode, for example {@code 0100644}
 * @param id the object id (for a submodule: the commit in the other repository)
 * @param size the blob size in bytes for blobs and symlinks; null for trees and submodules
 */
public record TreeEntry(String name, String path, EntryType type, int mode, String id, Long size) {
  public TreeEntry {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(id, "id");
  }

  /** @return the mode as git prints it: six octal digits, for example {@code 100755} */
  public String modeString() {
    return String.format("%06o", mode);
  }
}
