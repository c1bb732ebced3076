package dev.artifacts.storage.fs;

import dev.artifacts.spi.RepositoryIds;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.Storage;
import dev.artifacts.spi.StorageException;
import dev.artifacts.spi.TokenStore;
import dev.artifacts.storage.fs.internal.FsFiles;
import dev.artifacts.storage.fs.internal.FsOptions;
import dev.artifacts.storage.fs.internal.FsRepository;
import dev.artifacts.storage.fs.internal.FsTokenStore;
import dev.artifacts.storage.fs.internal.Lifecycle;
import dev.artifacts.storage.fs.internal.RepoLayout;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Storage} that keeps everything in one local data directory.
 *
 * <p><b>Layout.</b> Each repository is a directory {@code <dataDir>/repos/<id>} that stock
 * {@code git} can read as a bare repository ({@code git --git-dir=<dir> log}, {@code fsck}):
 * committed packs are {@code objects/pack/pack-<name>.<ext>}, refs are mirrored into {@code
 * packed-refs} and {@code HEAD}. What this backend serves is decided by two authoritative files of
 * its own per repository, {@code artifacts/packs} and {@code artifacts/refs}; the module README
 * describes every file. The directories must not be modified by anything else, stock git
 * included (git may read them).
 *
 * <p><b>Durability.</b> Every acknowledged change (repository created or deleted, packs
 * committed, refs applied, token stored or removed) is on disk when the call returns: data files
 * are fsynced, then the directory entries that publish them, and a change becomes visible only
 * through an atomic rename of a fully written and fsynced file. After a crash, a new instance over
 * the same directory serves exactly the acknowledged state (plus, possibly, the change whose call
 * was in progress, if its rename had happened); leftovers of interrupted writes are never visible
 * and are removed on open (data-dir level) or when the repository is first opened (repository
 * level). If an fsync fails <em>after</em> the publishing rename, the call throws {@link
 * StorageException} although readers of this process already see the change.
 *
 * <p><b>One process.</b> A data directory must be served by one process (one instance) at a
 * time: state is cached in memory and never re-read. {@link #open} takes an exclusive lock on
 * {@code <dataDir>/lock} and fails with a {@link StorageException} when another process or
 * instance holds it; {@link #close} releases it.
 *
 * <p><b>Retired packs.</b> A pack replaced by a commit disappears from {@code listPacks} at once;
 * its files stay openable for a grace period (10 minutes) and are then deleted. A file already
 * open keeps working after deletion on POSIX systems (Linux, macOS), where an unlinked file
 * lives until its last descriptor closes. On Windows deletion of an open file fails and is
 * retried at a later commit.
 *
 * <p>Thread-safe. Repository stores are cached: {@link #open} returns the same instance until
 * the repository is deleted.
 */
public final class FileSystemStorage implements Storage {
  private static final Logger LOG = LoggerFactory.getLogger(FileSystemStorage.class);

  private final Path dataDir;
  private final Path reposDir;
  private final Path tmpDir;
  private final Path trashDir;
  private final FsOptions options;
  private final Lifecycle lifecycle;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final FsTokenStore tokens;
  private final NavigableSet<String> ids = new ConcurrentSkipListSet<>();
  private final Map<String, FsRepository> cache = new ConcurrentHashMap<>();
  private final Object registryLock = new Object();

  private FileSystemStorage(
      Path dataDir, FsOptions options, FileChannel lockChannel, FileLock lock, Lifecycle lifecycle)
      throws IOException {
    this.dataDir = dataDir;
    this.reposDir = dataDir.resolve("repos");
    this.tmpDir = dataDir.resolve("tmp");
    this.trashDir = dataDir.resolve("trash");
    this.options = options;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.lifecycle = lifecycle;
    Files.createDirectories(reposDir);
    Files.createDirectories(tmpDir);
    Files.createDirectories(trashDir);
    Files.createDirectories(dataDir.resolve("tokens"));
    // make the top-level directories (and the data dir itself, if just created) durable before
    // anything is published inside them
    FsFiles.fsyncDirectory(dataDir);
    if (dataDir.getParent() != null) {
      FsFiles.fsyncDirectory(dataDir.getParent());
    }
    // leftovers of creates and deletes interrupted by a crash; never visible
    FsFiles.emptyDirectoryQuietly(tmpDir);
    FsFiles.emptyDirectoryQuietly(trashDir);
    FsFiles.deleteTempFilesQuietly(dataDir);
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(reposDir)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        if (RepositoryIds.isValid(name) && Files.isDirectory(p)) {
          ids.add(name);
        } else {
          LOG.warn("ignoring unexpected entry {}", p);
        }
      }
    }
    this.tokens = FsTokenStore.load(dataDir.resolve("tokens"), lifecycle, options);
  }

  /**
   * Opens (creating it when missing) the data directory {@code dataDir} with default options.
   *
   * @param dataDir the data directory; a relative path is resolved against the current directory
   *     once, here
   * @return the storage, holding the directory's lock until {@link #close()}
   * @throws StorageException if the directory cannot be created or read, or another process or
   *     instance has it open
   */
  public static FileSystemStorage open(Path dataDir) {
    return open(dataDir, FsOptions.defaults());
  }

  /** {@link #open(Path)} with explicit options (tests). */
  static FileSystemStorage open(Path dataDir, FsOptions options) {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(options, "options");
    Path dir = dataDir.toAbsolutePath().normalize();
    FileChannel ch = null;
    FileLock lock = null;
    try {
      Files.createDirectories(dir);
      ch = FileChannel.open(
          dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new StorageException(
            "data directory " + dir + " is in use by another process or storage instance"
                + " (lock held on " + dir.resolve("lock") + "); one data directory must be served"
                + " by one process",
            null);
      }
      return new FileSystemStorage(dir, options, ch, lock, new Lifecycle(dir.toString()));
    } catch (IOException | RuntimeException e) {
      if (lock != null) {
        try {
          lock.release();
        } catch (IOException ignored) {
          // closing the channel releases it too
        }
      }
      FsFiles.closeQuietly(ch);
      if (e instanceof StorageException se) {
        throw se;
      }
      throw new StorageException("cannot open data directory " + dir, e);
    }
  }

  /** @return the absolute, normalized data directory */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * @return the directory that holds (or would hold) repository {@code id}; a bare git repository
   *     readable by stock git while the repository exists
   * @throws IllegalArgumentException for an invalid id
   */
  public Path repositoryDirectory(String id) {
    return reposDir.resolve(RepositoryIds.requireValid(id));
  }

  @Override
  public Optional<RepositoryStore> create(String id) {
    RepositoryIds.requireValid(id);
    synchronized (registryLock) {
      lifecycle.checkOpen();
      Path target = reposDir.resolve(id);
      if (ids.contains(id) || Files.exists(target)) {
        return Optional.empty();
      }
      Path stage = tmpDir.resolve(id + "-" + FsFiles.randomSuffix());
      boolean published = false;
      try {
        new RepoLayout(stage).initialize();
        options.faults().at(FsOptions.FaultInjector.CREATE_BEFORE_RENAME);
        Files.move(stage, target, StandardCopyOption.ATOMIC_MOVE);
        published = true;
        FsFiles.fsyncDirectory(reposDir);
        FsRepository repo = FsRepository.load(id, target, lifecycle, options);
        ids.add(id);
        cache.put(id, repo);
        return Optional.of(repo);
      } catch (IOException | RuntimeException e) {
        FsFiles.deleteRecursivelyQuietly(stage);
        if (published) {
          unpublish(target);
        }
        if (e instanceof StorageException se) {
          throw se;
        }
        throw new StorageException("cannot create repository " + id, e);
      }
    }
  }

  private void unpublish(Path target) {
    Path trash = trashDir.resolve(target.getFileName() + "-" + FsFiles.randomSuffix());
    try {
      Files.move(target, trash, StandardCopyOption.ATOMIC_MOVE);
      FsFiles.fsyncDirectory(reposDir);
    } catch (IOException | RuntimeException e) {
      LOG.error("could not remove partially created repository {}: {}", target, e.toString());
    }
    FsFiles.deleteRecursivelyQuietly(trash);
  }

  @Override
  public Optional<RepositoryStore> open(String id) {
    RepositoryIds.requireValid(id);
    lifecycle.checkOpen();
    FsRepository repo = cache.get(id);
    if (repo != null) {
      return Optional.of(repo);
    }
    synchronized (registryLock) {
      lifecycle.checkOpen();
      repo = cache.get(id);
      if (repo != null) {
        return Optional.of(repo);
      }
      if (!ids.contains(id)) {
        return Optional.empty();
      }
      repo = FsRepository.load(id, reposDir.resolve(id), lifecycle, options);
      cache.put(id, repo);
      return Optional.of(repo);
    }
  }

  @Override
  public List<String> list(String afterId, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1: " + limit);
    }
    lifecycle.checkOpen();
    NavigableSet<String> view = afterId == null ? ids : ids.tailSet(afterId, false);
    List<String> out = new ArrayList<>(Math.min(limit, 256));
    for (String id : view) {
      if (out.size() >= limit) {
        break;
      }
      out.add(id);
    }
    return out;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Order: the repository's tokens are removed first (so a crash can never leave tokens that
   * would grant access to a later repository of the same id), then the directory is renamed into
   * {@code trash/} (the commit point) and removed recursively; a crash leaves at most a trash
   * directory, removed on the next open.
   */
  @Override
  public boolean delete(String id) {
    RepositoryIds.requireValid(id);
    Path trash;
    synchronized (registryLock) {
      lifecycle.checkOpen();
      if (!ids.contains(id)) {
        return false;
      }
      tokens.removeRepository(id);
      FsRepository repo = cache.remove(id);
      if (repo != null) {
        repo.markDeleted();
      }
      Path dir = reposDir.resolve(id);
      trash = trashDir.resolve(id + "-" + FsFiles.randomSuffix());
      try {
        Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new StorageException("cannot delete repository " + id, e);
      }
      ids.remove(id);
      try {
        FsFiles.fsyncDirectory(reposDir);
      } catch (IOException e) {
        throw new StorageException(
            "repository " + id + " deleted but the deletion could not be made durable", e);
      }
    }
    FsFiles.deleteRecursivelyQuietly(trash);
    return true;
  }

  @Override
  public TokenStore tokens() {
    return tokens;
  }

  /**
   * Waits for writes in flight, then releases the data directory lock. Open {@link
   * dev.artifacts.spi.ReadableFile}s keep working until closed; every other call fails with
   * {@link StorageException}.
   */
  @Override
  public void close() {
    synchronized (registryLock) {
      if (lifecycle.isClosed()) {
        return;
      }
      lifecycle.markClosed();
    }
    try {
      for (FsRepository repo : cache.values()) {
        repo.awaitWrites();
      }
      tokens.awaitWrites();
      cache.clear();
    } catch (RuntimeException e) {
      LOG.warn("error while closing {}: {}", dataDir, e.toString());
    } finally {
      try {
        lock.release();
      } catch (IOException | RuntimeException e) {
        LOG.debug("lock release failed: {}", e.toString());
      }
      FsFiles.closeQuietly(lockChannel);
    }
  }

  @Override
  public String toString() {
    return "FileSystemStorage[" + dataDir + "]";
  }
}
