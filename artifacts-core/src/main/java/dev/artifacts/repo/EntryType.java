package dev.artifacts.repo;

/** The kind of a tree entry, derived from its git file mode. */
public enum EntryType {
  /** A regular or executable file (modes 100644, 100755). */
  BLOB,
  /** A directory (mode 040000). */
  TREE,
  /** A submodule: a commit of another repository (mode 160000). */
  COMMIT,
  /** A symbolic link; its blob holds the target (mode 120000). */
  SYMLINK;

  /** @return the lower-case name used on the wire: {@code blob}, {@code tree}, ... */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** @return the type of an entry with this git file mode */
  public static EntryType ofMode(int mode) {
    return switch (mode & 0170000) {
      case 0040000 -> TREE;
      case 0160000 -> COMMIT;
      case 0120000 -> SYMLINK;
      default -> BLOB;
    };
  }
}
