package dev.artifacts.storage.fs.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read-only, git-readable directories ({@code <dataDir>/views/<name>/}) that a fork's directory
 * entry in {@code repos/} points to, as a symbolic link, until the fork's first write: {@code
 * HEAD}, {@code packed-refs}, {@code config}, an empty {@code refs/} and {@code
 * objects/info/alternates} naming the parent's objects. Every fork made of the same parent while
 * its refs did not change sees the same content, so they share one view: a new fork costs one
 * symbolic link (a single inode, its short target stored in the inode itself) instead of a
 * directory tree. A view is built durably once and never changed; it is named by a hash of its
 * content.
 *
 * <p>Views no unsettled fork points to are deleted when the storage is opened.
 */
public final class ForkViews {
  private static final Logger LOG = LoggerFactory.getLogger(ForkViews.class);
  static final String DIR = "views";
  /** Hex digits of a view's name: 128 bits, so that a link's target fits in an ext4 inode. */
  private static final int NAME_LENGTH = 32;

  private final Path dir;
  private final Path tmpDir;
  private final Map<String, Boolean> durable = new ConcurrentHashMap<>();
  private final Object createLock = new Object();

  private ForkViews(Path dir, Path tmpDir) {
    this.dir = dir;
    this.tmpDir = tmpDir;
  }

  /** Opens {@code dir} (creating it durably); {@code tmpDir} is where views are built. */
  public static ForkViews open(Path dir, Path tmpDir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir);
      FsFiles.fsyncDirectory(dir.getParent());
    }
    return new ForkViews(dir, tmpDir);
  }

  /**
   * Makes sure the view of a fork of the repository at {@code parentDir} with the refs of {@code
   * image} exists durably.
   *
   * @return the link target a fork's entry in {@code repos/} gets (relative, so that it survives
   *     a move of the data directory)
   */
  public Path ensure(Path parentDir, FsRefStore.ForkImage image) throws IOException {
    byte[] alternates = RepoLayout.alternatesContent(parentDir);
    String name = nameOf(alternates, image);
    if (!durable.containsKey(name)) {
      synchronized (createLock) {
        if (!durable.containsKey(name)) {
          build(name, alternates, image);
          durable.put(name, Boolean.TRUE);
        }
      }
    }
    return linkTarget(name);
  }

  /** @return the view name a link target made by {@link #ensure} names, or null */
  public static String nameOfTarget(Path target) {
    if (target.getNameCount() != 3
        || !target.getName(0).toString().equals("..")
        || !target.getName(1).toString().equals(DIR)) {
      return null;
    }
    String name = target.getName(2).toString();
    return name.length() == NAME_LENGTH && name.chars().allMatch(c -> Character.digit(c, 16) >= 0)
        ? name
        : null;
  }

  private static Path linkTarget(String name) {
    return Path.of("..", DIR, name);
  }

  private static String nameOf(byte[] alternates, FsRefStore.ForkImage image) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(alternates);
      md.update((byte) 0);
      md.update(image.refsFile());
      return HexFormat.of().formatHex(md.digest()).substring(0, NAME_LENGTH);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  private void build(String name, byte[] alternates, FsRefStore.ForkImage image)
      throws IOException {
    Path target = dir.resolve(name);
    if (isComplete(target, alternates, image)) {
      return; // built by an earlier instance
    }
    Path stage = tmpDir.resolve("view-" + name + "-" + FsFiles.randomSuffix());
    try {
      RepoLayout view = new RepoLayout(stage);
      Files.createDirectory(stage);
      Files.createDirectory(view.refsDir);
      Files.createDirectory(view.objectsDir);
      Files.createDirectory(view.infoDir);
      FsFiles.writeDurably(view.head, image.head());
      FsFiles.writeDurably(view.packedRefs, image.packedRefs());
      FsFiles.writeDurably(view.config, RepoLayout.CONFIG.getBytes(StandardCharsets.UTF_8));
      FsFiles.writeDurably(view.alternates, alternates);
      for (Path d : new Path[] {view.refsDir, view.infoDir, view.objectsDir, stage}) {
        FsFiles.fsyncDirectory(d);
      }
      if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        // damaged from outside: links to it keep pointing at the name, which gets a whole view
        Path old = tmpDir.resolve("view-old-" + name + "-" + FsFiles.randomSuffix());
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        FsFiles.deleteRecursivelyQuietly(old);
      }
      Files.move(stage, target, StandardCopyOption.ATOMIC_MOVE);
      FsFiles.fsyncDirectory(dir);
    } finally {
      FsFiles.deleteRecursivelyQuietly(stage);
    }
  }

  private static boolean isComplete(Path view, byte[] alternates, FsRefStore.ForkImage image)
      throws IOException {
    RepoLayout l = new RepoLayout(view);
    return Files.isDirectory(l.refsDir)
        && java.util.Arrays.equals(FsFiles.readIfExists(l.alternates), alternates)
        && java.util.Arrays.equals(FsFiles.readIfExists(l.head), image.head())
        && java.util.Arrays.equals(FsFiles.readIfExists(l.packedRefs), image.packedRefs())
        && FsFiles.readIfExists(l.config) != null;
  }

  /** Deletes the views not in {@code used} (only while no fork is being made). */
  public void removeUnused(Set<String> used) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        if (!used.contains(p.getFileName().toString())) {
          LOG.debug("removing unused fork view {}", p);
          FsFiles.deleteRecursivelyQuietly(p);
        }
      }
    }
  }
}
