package dev.artifacts.storage.fs.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Immutable, durable files named by the SHA-256 of their content ({@code <dataDir>/shared/}),
 * which repositories hard-link instead of writing their own copy: every fork of one parent has the
 * same fork record, {@code config} and alternates, and every fork made while the parent's refs did
 * not change the same refs file and git mirrors, so a fork links them (a directory entry) instead
 * of creating and fsyncing files. A linked file is never modified in place (every write of this
 * backend replaces a file by rename), so the links behave like private copies. The fork journal
 * names a fork's refs file by its shared name, so a fork whose directory a crash damaged can be
 * rebuilt.
 *
 * <p>Where hard links are not supported, or a file has reached its file system's link limit,
 * {@link #link} reports failure and the caller writes a private copy.
 */
public final class SharedFiles {
  private static final Logger LOG = LoggerFactory.getLogger(SharedFiles.class);

  private static final Pattern NAME = Pattern.compile("[0-9a-f]{64}");

  private final Path dir;
  private final FsOptions.FaultInjector faults;
  /** Content hash -> a file known to exist durably with that content. */
  private final Map<String, Path> durable = new ConcurrentHashMap<>();
  private final Object createLock = new Object();
  private volatile boolean linksWork = true;

  private SharedFiles(Path dir, FsOptions.FaultInjector faults) {
    this.dir = dir;
    this.faults = faults;
  }

  /**
   * Opens {@code dir} (creating it), removes leftovers of interrupted writes and makes the
   * directory's entries durable. Files no repository links any more stay until {@link
   * #removeUnlinked}.
   */
  public static SharedFiles open(Path dir, FsOptions.FaultInjector faults) throws IOException {
    Files.createDirectories(dir);
    FsFiles.deleteTempFilesQuietly(dir);
    FsFiles.fsyncDirectory(dir);
    return new SharedFiles(dir, faults);
  }

  /**
   * Deletes the shared files no repository links any more (link count 1) except {@code keep} (the
   * refs files the fork journal names). Only safe while nothing links or reads shared files: at
   * open, after the fork journal's recovery.
   */
  public void removeUnlinked(Set<String> keep) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        if (keep.contains(p.getFileName().toString())) {
          continue;
        }
        Integer links = linkCount(p);
        if (links != null && links <= 1) {
          FsFiles.deleteQuietly(p);
        }
      }
    }
  }

  private static Integer linkCount(Path p) {
    try {
      return (Integer) Files.getAttribute(p, "unix:nlink");
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return null; // no such attribute here: keep the file
    }
  }

  /**
   * Makes sure a durable shared file holds {@code content} (written and fsynced, with its
   * directory entry, the first time a content is seen by this instance).
   *
   * @return the file's name, which {@link #read} accepts
   */
  public String ensure(byte[] content) throws IOException {
    String name = nameOf(content);
    if (!durable.containsKey(name)) {
      ensure(name, content);
    }
    return name;
  }

  /**
   * Reads shared file {@code name} and checks that its content still has that name.
   *
   * @throws IOException when it is missing or its content does not match its name
   */
  public byte[] read(String name) throws IOException {
    if (!NAME.matcher(name).matches()) {
      throw new IOException("not a shared file name: " + name);
    }
    Path file = dir.resolve(name);
    byte[] content = FsFiles.readIfExists(file);
    if (content == null) {
      throw new IOException("shared file " + file + " is missing");
    }
    if (!nameOf(content).equals(name)) {
      throw new IOException("shared file " + file + " is damaged (its content has another hash)");
    }
    return content;
  }

  /**
   * Creates {@code target} (which must not exist) as a hard link to a durable shared file holding
   * {@code content}, creating that file when needed. The link itself becomes durable with the
   * fsync of {@code target}'s directory, which is the caller's job.
   *
   * @return false when no link could be made (no hard links here, link limit reached); {@code
   *     target} does not exist then, but the shared file does
   */
  public boolean link(Path target, byte[] content) throws IOException {
    String name = ensure(content);
    if (!linksWork) {
      return false;
    }
    Path shared = durable.get(name);
    try {
      faults.at(FsOptions.FaultInjector.BEFORE_LINK);
      Files.createLink(target, shared);
      return true;
    } catch (UnsupportedOperationException e) {
      linksWork = false;
      LOG.info("no hard links in {} ({}), forks get private copies", dir, e.toString());
      return false;
    } catch (FileSystemException e) {
      if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        throw e; // not a link problem
      }
      // most likely the link limit (65,000 on ext4): later links go to a fresh copy
      synchronized (createLock) {
        FsFiles.replace(shared, content, true);
      }
      try {
        faults.at(FsOptions.FaultInjector.BEFORE_LINK);
        Files.createLink(target, shared);
        return true;
      } catch (FileSystemException again) {
        // not the link limit: this file system cannot link here, so stop trying (and replacing)
        linksWork = false;
        LOG.info("hard links fail in {} ({}), forks get private copies", dir, again.toString());
        return false;
      }
    }
  }

  private Path ensure(String name, byte[] content) throws IOException {
    synchronized (createLock) {
      Path shared = durable.get(name);
      if (shared != null) {
        return shared;
      }
      shared = dir.resolve(name);
      byte[] existing = FsFiles.readIfExists(shared);
      if (!Arrays.equals(existing, content)) {
        // missing, or damaged from outside: links made before keep their own inode
        FsFiles.replace(shared, content, true);
      }
      durable.put(name, shared);
      return shared;
    }
  }

  static String nameOf(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
