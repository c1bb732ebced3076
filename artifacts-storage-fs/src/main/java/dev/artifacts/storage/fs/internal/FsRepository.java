package dev.artifacts.storage.fs.internal;

import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.StorageException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.NavigableMap;
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
  final RepoLayout layout;
  final Lifecycle lifecycle;
  final FsOptions options;
  private final ReentrantReadWriteLock writeGate = new ReentrantReadWriteLock();
  private volatile boolean deleted;
  private final FsObjectStore objects;
  private final FsRefStore refs;

  private FsRepository(
      String id,
      RepoLayout layout,
      Lifecycle lifecycle,
      FsOptions options,
      Map<String, PackDescriptor> packs,
      NavigableMap<String, RefValue> refValues) {
    this.id = id;
    this.layout = layout;
    this.lifecycle = lifecycle;
    this.options = options;
    this.objects = new FsObjectStore(this, packs);
    this.refs = new FsRefStore(this, refValues);
  }

  /**
   * Loads the repository at {@code dir}. Must only be called when nothing else of this process
   * uses the directory (first open after start or after create).
   */
  public static FsRepository load(String id, Path dir, Lifecycle lifecycle, FsOptions options) {
    RepoLayout layout = new RepoLayout(dir);
    try {
      byte[] manifest = FsFiles.readIfExists(layout.packManifest);
      byte[] refsData = FsFiles.readIfExists(layout.refsFile);
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
      FsRepository repo = new FsRepository(id, layout, lifecycle, options, packs, refValues);
      repo.refs.syncMirrors(refValues, true);
      return repo;
    } catch (IOException e) {
      throw new StorageException("cannot load repository " + id + " at " + dir, e);
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

  @Override
  public String id() {
    return id;
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

  /** Enters a write; pair with {@link #endWrite()}. */
  void beginWrite() {
    writeGate.readLock().lock();
    try {
      checkReadable();
    } catch (RuntimeException e) {
      writeGate.readLock().unlock();
      throw e;
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
