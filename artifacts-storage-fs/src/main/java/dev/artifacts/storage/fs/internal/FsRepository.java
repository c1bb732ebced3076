package dev.artifacts.storage.fs.internal;

import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One repository directory, loaded into memory: the pack manifest and the refs are read once,
 * leftovers of interrupted writes are removed, and the git mirrors are brought up to date.
 *
 * <p>Every write takes the read side of {@link #writeGate}; deleting the repository or closing the
 * storage takes the write side, so it waits for writes in flight and later writes fail.
 */
public final class FsRepository implements RepositoryStore {
  private static final Logger LOG = LoggerFactory.getLogger(FsRepository.class);

  private final String id;
  private final ForkRecord fork; // null for an original
  final RepoLayout layout;
  final Lifecycle lifecycle;
  final FsOptions options;
  private final ReentrantReadWriteLock writeGate = new ReentrantReadWriteLock();
  private volatile boolean deleted;
  private final FsObjectStore objects;
  private final FsRefStore refs;
  // non-null while this is a fork whose directory is not durable on its own (see ForkJournal)
  private volatile Settler settler;
  private final Object settleLock = new Object();

  /** Makes a fork's directory durable on its own, before its first write. */
  @FunctionalInterface
  public interface Settler {
    void settle(FsRepository fork) throws IOException;
  }

  private FsRepository(
      String id,
      ForkRecord fork,
      RepoLayout layout,
      Lifecycle lifecycle,
      FsOptions options,
      Map<String, PackDescriptor> packs,
      NavigableMap<String, RefValue> refValues,
      Settler settler) {
    this.id = id;
    this.settler = settler;
    this.fork = fork;
    this.layout = layout;
    this.lifecycle = lifecycle;
    this.options = options;
    this.objects = new FsObjectStore(this, packs);
    this.refs = new FsRefStore(this, refValues);
  }

  /**
   * Loads the repository at {@code dir}. Must only be called when nothing else of this process
   * uses the directory (first open after start or after create). Not for a fork that is not
   * settled yet (see {@link ForkJournal}): its entry is a link to a shared view.
   */
  public static FsRepository load(String id, Path dir, Lifecycle lifecycle, FsOptions options) {
    RepoLayout layout = new RepoLayout(dir);
    try {
      ForkRecord fork = readForkRecord(id, layout);
      byte[] manifest = FsFiles.readIfExists(layout.packManifest);
      byte[] refsData = FsFiles.readIfExists(layout.refsFile);
      if (manifest == null && fork != null && !hasPackFiles(layout)) {
        // a fork that never committed a pack: the manifest is written by its first commit
        manifest = PackManifest.serialize(List.of());
      }
      if (manifest == null || refsData == null) {
        throw new StorageException(
            "repository " + id + " at " + dir + " is damaged: missing "
                + (manifest == null ? layout.packManifest : layout.refsFile),
            null);
      }
      Map<String, PackDescriptor> packs;
      NavigableMap<String, RefValue> refValues;
      try {
        packs = PackManifest.parse(manifest);
      } catch (SealedText.CorruptFileException e) {
        throw new StorageException(
            "repository " + id + ": damaged pack manifest " + layout.packManifest + ": "
                + e.getMessage(), e);
      }
      try {
        refValues = RefsFile.parse(refsData);
      } catch (SealedText.CorruptFileException e) {
        throw new StorageException(
            "repository " + id + ": damaged refs file " + layout.refsFile + ": " + e.getMessage(),
            e);
      }
      cleanUp(id, layout, packs);
      syncDerived(layout, fork);
      FsRepository repo =
          new FsRepository(id, fork, layout, lifecycle, options, packs, refValues, null);
      repo.refs.syncMirrors(refValues, true);
      return repo;
    } catch (IOException e) {
      throw new StorageException("cannot load repository " + id + " at " + dir, e);
    }
  }

  /**
   * Wraps a fork whose refs are known without reading its directory: one just made, or one not
   * settled yet, whose entry in {@code repos/} is a link to a shared view.
   *
   * @param settler what gives it a durable directory of its own before its first write; null
   *     when it has one
   */
  public static FsRepository ofNewFork(
      String id,
      Path dir,
      ForkRecord fork,
      NavigableMap<String, RefValue> refValues,
      Lifecycle lifecycle,
      FsOptions options,
      Settler settler) {
    RepoLayout layout = new RepoLayout(dir);
    FsRepository repo =
        new FsRepository(id, fork, layout, lifecycle, options, Map.of(), refValues, settler);
    repo.refs.assumeMirrors(RefsFile.renderHead(refValues), RefsFile.renderPackedRefs(refValues));
    return repo;
  }

  /**
   * Reads the fork record of the repository at {@code dir}.
   *
   * @return the record, or null for an original repository
   * @throws StorageException when the record is unreadable or damaged
   */
  public static ForkRecord readForkRecord(String id, Path dir) {
    try {
      return readForkRecord(id, new RepoLayout(dir));
    } catch (IOException e) {
      throw new StorageException("repository " + id + ": cannot read its fork record", e);
    }
  }

  private static ForkRecord readForkRecord(String id, RepoLayout layout) throws IOException {
    byte[] data = FsFiles.readIfExists(layout.forkRecord);
    if (data == null) {
      return null;
    }
    try {
      return ForkRecord.parse(data);
    } catch (SealedText.CorruptFileException e) {
      throw new StorageException(
          "repository " + id + ": damaged fork record " + layout.forkRecord + ": "
              + e.getMessage(), e);
    }
  }

  private static boolean hasPackFiles(RepoLayout layout) throws IOException {
    if (!Files.isDirectory(layout.packDir)) {
      return false;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(layout.packDir)) {
      return entries.iterator().hasNext();
    }
  }

  /**
   * Rewrites derived files for stock git that are missing or differ (not fsynced): {@code config},
   * and a fork's {@code objects/info/alternates}, which names the parent's {@code objects}
   * directory by absolute path (so it is corrected here when the data directory was moved).
   */
  private static void syncDerived(RepoLayout layout, ForkRecord fork) throws IOException {
    replaceIfDifferent(layout.config, RepoLayout.CONFIG.getBytes(StandardCharsets.UTF_8));
    if (fork != null) {
      Files.createDirectories(layout.infoDir);
      replaceIfDifferent(
          layout.alternates,
          RepoLayout.alternatesContent(layout.dir.resolveSibling(fork.parentId())));
    }
  }

  private static void replaceIfDifferent(Path file, byte[] content) throws IOException {
    if (!Arrays.equals(FsFiles.readIfExists(file), content)) {
      FsFiles.replace(file, content, false);
    }
  }

  /** Removes what interrupted writes left behind; none of it was ever visible. */
  private static void cleanUp(String id, RepoLayout layout, Map<String, PackDescriptor> packs)
      throws IOException {
    FsFiles.emptyDirectoryQuietly(layout.incomingDir);
    Files.createDirectories(layout.incomingDir);
    Files.createDirectories(layout.packDir);
    Files.createDirectories(layout.refsDir);
    FsFiles.deleteTempFilesQuietly(layout.metaDir);
    FsFiles.deleteTempFilesQuietly(layout.dir);
    // objects/pack: keep exactly the files the manifest names
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(layout.packDir)) {
      for (Path p : entries) {
        if (!isCommittedFile(p.getFileName().toString(), packs)) {
          LOG.info("repository {}: removing uncommitted or retired file {}", id, p);
          FsFiles.deleteRecursivelyQuietly(p);
        }
      }
    }
    for (PackDescriptor d : packs.values()) {
      for (Map.Entry<String, Long> f : d.files().entrySet()) {
        Path p = layout.packFile(d.name(), f.getKey());
        long size = Files.exists(p) ? Files.size(p) : -1;
        if (size != f.getValue()) {
          LOG.error(
              "repository {}: committed file {} has length {}, manifest says {}",
              id, p, size, f.getValue());
        }
      }
    }
  }

  private static boolean isCommittedFile(String fileName, Map<String, PackDescriptor> packs) {
    if (!fileName.startsWith("pack-")) {
      return false;
    }
    int dot = fileName.lastIndexOf('.');
    if (dot < 0) {
      return false;
    }
    PackDescriptor d = packs.get(fileName.substring(5, dot));
    return d != null && d.files().containsKey(fileName.substring(dot + 1));
  }

  /** @return the paths of its directory */
  public RepoLayout layout() {
    return layout;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public Optional<String> parentId() {
    return fork == null ? Optional.empty() : Optional.of(fork.parentId());
  }

  @Override
  public boolean readOnly() {
    return fork != null && fork.readOnly();
  }

  @Override
  public FsObjectStore objects() {
    return objects;
  }

  @Override
  public FsRefStore refs() {
    return refs;
  }

  /** @throws StorageException when the storage is closed or the repository deleted */
  void checkReadable() {
    lifecycle.checkOpen();
    if (deleted) {
      throw new StorageException("repository " + id + " was deleted", null);
    }
  }

  /**
   * Enters a write; pair with {@link #endWrite()}. An unsettled fork is settled first: from its
   * first write on, its directory holds state its journal record does not.
   */
  void beginWrite() {
    writeGate.readLock().lock();
    try {
      checkReadable();
      if (settler != null) {
        settle();
      }
    } catch (RuntimeException e) {
      writeGate.readLock().unlock();
      throw e;
    }
  }

  private void settle() {
    synchronized (settleLock) {
      Settler s = settler;
      if (s == null) {
        return;
      }
      try {
        s.settle(this);
      } catch (IOException e) {
        throw new StorageException(
            "repository " + id + ": cannot make the fork's directory durable before its first"
                + " write", e);
      }
      settler = null;
    }
  }

  void endWrite() {
    writeGate.readLock().unlock();
  }

  /** Waits for writes in flight and marks the repository deleted; later calls fail. */
  public void markDeleted() {
    writeGate.writeLock().lock();
    try {
      deleted = true;
    } finally {
      writeGate.writeLock().unlock();
    }
  }

  /** Waits for writes in flight (the storage is already marked closed, so no new write starts). */
  public void awaitWrites() {
    writeGate.writeLock().lock();
    writeGate.writeLock().unlock();
  }

  void fault(String point) throws IOException {
    options.faults().at(point);
  }

  @Override
  public String toString() {
    return "FsRepository[" + id + " at " + layout.dir + "]";
  }
}
