package dev.artifacts.storage.fs;

import dev.artifacts.spi.DeleteResult;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryIds;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.Storage;
import dev.artifacts.spi.StorageException;
import dev.artifacts.spi.TokenStore;
import dev.artifacts.storage.fs.internal.GroupSync;
import dev.artifacts.storage.fs.internal.ForkJournal;
import dev.artifacts.storage.fs.internal.ForkRecord;
import dev.artifacts.storage.fs.internal.ForkViews;
import dev.artifacts.storage.fs.internal.FsRefStore;
import dev.artifacts.storage.fs.internal.RefsFile;
import dev.artifacts.storage.fs.internal.SealedText;
import dev.artifacts.storage.fs.internal.FsFiles;
import dev.artifacts.storage.fs.internal.FsOptions;
import dev.artifacts.storage.fs.internal.FsRepository;
import dev.artifacts.storage.fs.internal.FsTokenStore;
import dev.artifacts.storage.fs.internal.Lifecycle;
import dev.artifacts.storage.fs.internal.RepoLayout;
import dev.artifacts.storage.fs.internal.SharedFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
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
 * through an atomic rename of a fully written and fsynced file, or of a record appended to a
 * journal and fsynced (tokens, new forks). After a crash, a new instance over
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
 * <p><b>Forks.</b> A fork is made durable by one record of the fork journal ({@code
 * forks/journal}: child, parent, read-only flag, the shared file with the refs it starts with),
 * acknowledged by an {@code fdatasync} shared with concurrent forks. Until its first write its
 * entry {@code repos/<id>} is a symbolic link (made without fsync, re-made from the record on
 * open if a crash lost it) to a read-only view {@code views/<hash>/} that stock git reads ({@code
 * HEAD}, {@code packed-refs}, {@code config}, {@code refs/}, {@code objects/info/alternates}
 * naming the parent's {@code objects} by absolute path) and that every fork made of the same
 * parent while its refs did not change shares. So a fork adds one link and one journal record,
 * whatever the parent's size or number of refs. Before its first write it is settled: it gets a
 * directory of its own whose files are hard links to files under {@code shared/} (a file is
 * replaced by rename, never rewritten in place, so a write to either side unshares it), fsynced
 * and renamed over the link. A repository with forks cannot be deleted ({@link
 * DeleteResult#HAS_FORKS}); fork and delete of the same repository are serialized.
 *
 * <p>Thread-safe. Repository stores are cached: {@link #open} returns the same instance until
 * the repository is deleted.
 */
public final class FileSystemStorage implements Storage {
  private static final Logger LOG = LoggerFactory.getLogger(FileSystemStorage.class);
  private static final int STRIPES = 256;

  private final Path dataDir;
  private final Path reposDir;
  private final Path tmpDir;
  private final Path trashDir;
  private final FsOptions options;
  private final Lifecycle lifecycle;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final FsTokenStore tokens;
  private final SharedFiles shared;
  private final ForkJournal forkJournal;
  private final ForkViews views;
  // false once a symbolic link could not be made: forks then get their own directory at once
  private volatile boolean symlinksWork = true;
  // group commit of the repos/ fsync after a create's or fork's rename
  private final GroupSync reposSync;
  private final NavigableSet<String> ids = new ConcurrentSkipListSet<>();
  private final Map<String, FsRepository> cache = new ConcurrentHashMap<>();
  // serializes open's load with delete's removal (cache, ids); creates and forks do not take it
  private final Object registryLock = new Object();
  // ids being created or forked, not yet in ids
  private final Set<String> reserved = ConcurrentHashMap.newKeySet();
  // fork index, derived from the artifacts/fork records: child -> parent, parent -> children
  private final Map<String, String> parentOf = new ConcurrentHashMap<>();
  private final Map<String, NavigableSet<String>> children = new ConcurrentHashMap<>();
  // fork(parent, ...) holds the read side of the parent's stripe, delete(id) the write side of
  // id's stripe: a delete waits for forks of the same repository in flight and sees their result
  private final ReentrantReadWriteLock[] stripes = new ReentrantReadWriteLock[STRIPES];
  // create, fork and delete hold the read side; close takes the write side to wait for them
  private final ReentrantReadWriteLock opGate = new ReentrantReadWriteLock();

  private FileSystemStorage(
      Path dataDir, FsOptions options, FileChannel lockChannel, FileLock lock, Lifecycle lifecycle)
      throws IOException {
    this.dataDir = dataDir;
    this.reposDir = dataDir.resolve("repos");
    this.tmpDir = dataDir.resolve("tmp");
    this.trashDir = dataDir.resolve("trash");
    this.reposSync = GroupSync.ofDirectory(reposDir);
    this.options = options;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.lifecycle = lifecycle;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new ReentrantReadWriteLock();
    }
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
    this.shared = SharedFiles.open(dataDir.resolve("shared"), options.faults());
    this.views = ForkViews.open(dataDir.resolve("views"), tmpDir);
    this.forkJournal = ForkJournal.open(dataDir.resolve("forks"));
    try {
      recoverForks();
    } catch (IOException | RuntimeException e) {
      forkJournal.close();
      throw e;
    }
    Set<String> sharedInUse = new HashSet<>();
    Set<String> viewsInUse = new HashSet<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(reposDir)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        if (RepositoryIds.isValid(name) && Files.isDirectory(p)) {
          ids.add(name);
          ForkJournal.Entry unsettled = forkJournal.unsettled(name);
          if (unsettled != null) {
            indexFork(unsettled.parentId(), name);
            sharedInUse.add(unsettled.refsFile());
            if (Files.isSymbolicLink(p)) {
              viewsInUse.add(ForkViews.nameOfTarget(Files.readSymbolicLink(p)));
            }
            continue;
          }
          try {
            ForkRecord fork = FsRepository.readForkRecord(name, p);
            if (fork != null) {
              indexFork(fork.parentId(), name);
            }
          } catch (StorageException e) {
            // the repository fails on open(id) with the same message
            LOG.error("{}", e.getMessage());
          }
        } else {
          LOG.warn("ignoring unexpected entry {}", p);
        }
      }
    }
    for (Map.Entry<String, String> e : parentOf.entrySet()) {
      if (!ids.contains(e.getValue())) {
        LOG.error("fork {} refers to missing parent {}", e.getKey(), e.getValue());
      }
    }
    // after recovery, before any fork: what the journal's forks need is known
    shared.removeUnlinked(sharedInUse);
    views.removeUnused(viewsInUse);
    try {
      this.tokens = FsTokenStore.load(dataDir.resolve("tokens"), lifecycle, options);
    } catch (IOException | RuntimeException e) {
      forkJournal.close();
      throw e;
    }
  }

  /**
   * Brings {@code repos/} in line with the fork journal after a crash: an unsettled fork's entry
   * (a link to its view) that is missing or points elsewhere is made again; a fork that was being
   * settled when the crash came and whose own directory is in place and whole is recorded as
   * settled; a fork whose deletion was recorded but whose entry is still there is removed.
   */
  private void recoverForks() throws IOException {
    boolean changed = false;
    for (String id : forkJournal.deletedAtOpen()) {
      Path dir = reposDir.resolve(id);
      RepoLayout layout = new RepoLayout(dir);
      // an original created after the deletion has artifacts/packs and no fork record
      if (Files.isSymbolicLink(dir)
          || (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
              && (Files.exists(layout.forkRecord) || !Files.exists(layout.packManifest)))) {
        LOG.info("finishing the deletion of fork {}, interrupted by a crash", id);
        Files.move(dir, trashDir.resolve(id + "-" + FsFiles.randomSuffix()),
            StandardCopyOption.ATOMIC_MOVE);
        changed = true;
      }
    }
    Map<String, FsRefStore.ForkImage> images = new HashMap<>(); // by shared refs file
    for (ForkJournal.Entry fork : forkJournal.unsettled()) {
      Path dir = reposDir.resolve(fork.childId());
      if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        if (isWhole(dir, fork)) {
          forkJournal.recordSettled(fork.childId()); // its S record was lost
        } else {
          // fsynced before it was renamed into place: this is damage, reported by open(id)
          LOG.error("fork {}: its directory {} is incomplete", fork.childId(), dir);
        }
        continue;
      }
      FsRefStore.ForkImage image = images.get(fork.refsFile());
      if (image == null) {
        image = imageOf(fork);
        images.put(fork.refsFile(), image);
      }
      Path target = views.ensure(reposDir.resolve(fork.parentId()), image);
      if (Files.isSymbolicLink(dir) && Files.readSymbolicLink(dir).equals(target)) {
        continue;
      }
      // lost in the crash, a settle interrupted between removing the link and renaming the
      // directory into place, or a view of the data directory's former location
      LOG.info("fork {}: linking its entry to its view again", fork.childId());
      Path link = tmpDir.resolve(fork.childId() + "-" + FsFiles.randomSuffix());
      Files.createSymbolicLink(link, target);
      Files.move(link, dir, StandardCopyOption.ATOMIC_MOVE);
      changed = true;
    }
    if (changed) {
      FsFiles.fsyncDirectory(reposDir);
    }
    FsFiles.emptyDirectoryQuietly(trashDir);
  }

  /** @return the refs an unsettled fork starts with, from the shared file its record names */
  private FsRefStore.ForkImage imageOf(ForkJournal.Entry fork) {
    try {
      byte[] refs = shared.read(fork.refsFile());
      return FsRefStore.ForkImage.of(RefsFile.parse(refs), refs);
    } catch (IOException | SealedText.CorruptFileException e) {
      throw new StorageException(
          "fork " + fork.childId() + " cannot be rebuilt: the refs its journal record names are"
              + " unreadable: " + e.getMessage(), e);
    }
  }

  /** @return whether {@code dir} holds {@code fork}'s record and a readable refs file */
  private static boolean isWhole(Path dir, ForkJournal.Entry fork) {
    RepoLayout layout = new RepoLayout(dir);
    try {
      byte[] record = FsFiles.readIfExists(layout.forkRecord);
      byte[] refs = FsFiles.readIfExists(layout.refsFile);
      if (record == null || refs == null || !ForkRecord.parse(record).equals(fork.forkRecord())) {
        return false;
      }
      RefsFile.parse(refs); // throws when torn
      return true;
    } catch (IOException | SealedText.CorruptFileException e) {
      return false;
    }
  }

  /**
   * Settles a fork before its first write (see {@link ForkJournal}): its entry in {@code repos/},
   * a link to a shared view, becomes a directory of its own, built and fsynced in {@code tmp/}
   * and renamed into place. The link is removed just before the rename; a crash in between leaves
   * no entry, which the recovery links to the view again (no write has happened yet).
   */
  private void settle(FsRepository fork) throws IOException {
    Path dir = fork.layout().dir;
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      // a link to its view, or nothing if an earlier settle failed between removing the link and
      // the rename
      Path stage = tmpDir.resolve(fork.id() + "-" + FsFiles.randomSuffix());
      try {
        buildForkDirectory(
            stage, fork.parentId().orElseThrow(), fork.readOnly(), fork.refs().forkImage());
        Files.deleteIfExists(dir);
        options.faults().at(FsOptions.FaultInjector.SETTLE_BEFORE_RENAME);
        Files.move(stage, dir, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        FsFiles.deleteRecursivelyQuietly(stage);
      }
    } else {
      fork.layout().settleFork();
    }
    reposSync.sync(); // the rename into repos/
    forkJournal.recordSettled(fork.id());
  }

  /** Builds a fork's own directory at {@code stage}, its authoritative files durable. */
  private void buildForkDirectory(
      Path stage, String parentId, boolean readOnly, FsRefStore.ForkImage image)
      throws IOException {
    RepoLayout layout = new RepoLayout(stage);
    layout.initializeFork(
        reposDir.resolve(parentId), new ForkRecord(parentId, readOnly), image, shared);
    layout.settleFork();
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
   *     readable by stock git while the repository exists (for a fork not written to yet, a
   *     symbolic link to a read-only view it shares with other forks of its parent)
   * @throws IllegalArgumentException for an invalid id
   */
  public Path repositoryDirectory(String id) {
    return reposDir.resolve(RepositoryIds.requireValid(id));
  }

  @Override
  public Optional<RepositoryStore> create(String id) {
    RepositoryIds.requireValid(id);
    enterOp();
    try {
      if (!reserve(id)) {
        return Optional.empty();
      }
      boolean registered = false;
      Path target = reposDir.resolve(id);
      Path stage = tmpDir.resolve(id + "-" + FsFiles.randomSuffix());
      boolean published = false;
      try {
        new RepoLayout(stage).initialize();
        options.faults().at(FsOptions.FaultInjector.CREATE_BEFORE_RENAME);
        Files.move(stage, target, StandardCopyOption.ATOMIC_MOVE);
        published = true;
        reposSync.sync(); // shared with concurrent creates and forks
        FsRepository repo = FsRepository.load(id, target, lifecycle, options);
        register(id, repo);
        registered = true;
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
      } finally {
        if (!registered) {
          unreserve(id);
        }
      }
    } finally {
      exitOp();
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>The parent's refs snapshot is stored as a shared file and its view made (both once per
   * snapshot), the fork's record is appended to the fork journal and made durable (the commit
   * point, one {@code fdatasync} shared with concurrent forks), and {@code repos/<childId>} is
   * made a symbolic link to the view, without fsync (see the module README). Where symbolic links
   * cannot be made the fork gets a durable directory of its own at once. Forks of the same parent
   * run concurrently; a {@link #delete} of the parent waits for them.
   */
  @Override
  public Optional<RepositoryStore> fork(String parentId, String childId, boolean readOnly) {
    RepositoryIds.requireValid(parentId);
    RepositoryIds.requireValid(childId);
    enterOp();
    try {
      Lock parentLock = stripe(parentId).readLock();
      parentLock.lock();
      try {
        FsRepository parent = (FsRepository) open(parentId).orElseThrow(
            () -> new IllegalArgumentException("no repository " + parentId + " to fork"));
        if (!reserve(childId)) {
          return Optional.empty();
        }
        boolean registered = false;
        Path target = reposDir.resolve(childId);
        Path stage = tmpDir.resolve(childId + "-" + FsFiles.randomSuffix());
        boolean journaled = false;
        boolean published = false;
        try {
          ForkRecord record = new ForkRecord(parentId, readOnly);
          FsRefStore.ForkImage image = parent.refs().forkImage();
          String refsFile = shared.ensure(image.refsFile());
          Path view = symlinksWork ? views.ensure(reposDir.resolve(parentId), image) : null;
          journaled = true; // from here on, a failure must be undone in the journal too
          forkJournal.recordFork(new ForkJournal.Entry(childId, parentId, readOnly, refsFile));
          options.faults().at(FsOptions.FaultInjector.FORK_BEFORE_RENAME);
          boolean linked = view != null && link(target, view);
          if (!linked) {
            buildForkDirectory(stage, parentId, readOnly, image);
            Files.move(stage, target, StandardCopyOption.ATOMIC_MOVE);
          }
          published = true;
          FsRepository repo =
              FsRepository.ofNewFork(
                  childId, target, record, image.refs(), lifecycle, options,
                  linked ? this::settle : null);
          if (!linked) {
            settle(repo); // its directory is durable already; this records it
          }
          // index first: a delete of the child can only start once it is registered
          indexFork(parentId, childId);
          register(childId, repo);
          registered = true;
          return Optional.of(repo);
        } catch (IOException | RuntimeException e) {
          FsFiles.deleteRecursivelyQuietly(stage);
          if (journaled) {
            forgetFailedFork(childId, e);
          }
          if (published) {
            unpublish(target);
          }
          if (e instanceof StorageException se) {
            throw se;
          }
          throw new StorageException("cannot fork " + parentId + " as " + childId, e);
        } finally {
          if (!registered) {
            unreserve(childId);
          }
        }
      } finally {
        parentLock.unlock();
      }
    } finally {
      exitOp();
    }
  }

  @Override
  public List<String> forks(String id) {
    RepositoryIds.requireValid(id);
    lifecycle.checkOpen();
    NavigableSet<String> c = children.get(id);
    return c == null ? List.of() : List.copyOf(c);
  }

  private ReentrantReadWriteLock stripe(String id) {
    int h = id.hashCode();
    h ^= h >>> 16;
    return stripes[(h & 0x7fffffff) % STRIPES];
  }

  private void enterOp() {
    opGate.readLock().lock();
    try {
      lifecycle.checkOpen();
    } catch (RuntimeException e) {
      opGate.readLock().unlock();
      throw e;
    }
  }

  private void exitOp() {
    opGate.readLock().unlock();
  }

  /**
   * Lock-free: {@link #register} adds to {@code ids} before it drops the reservation, so a
   * reservation made in between is seen by the second {@code ids} check.
   *
   * @return false when {@code id} exists or is being created
   */
  private boolean reserve(String id) {
    if (ids.contains(id) || !reserved.add(id)) {
      return false;
    }
    if (ids.contains(id)) {
      reserved.remove(id);
      return false;
    }
    if (Files.exists(reposDir.resolve(id))) {
      // not a repository this instance knows (it was not there at open): never overwrite it
      unreserve(id);
      return false;
    }
    return true;
  }

  private void unreserve(String id) {
    reserved.remove(id);
  }

  /** Publishes a new repository: cache first, so whoever sees the id in ids finds it cached. */
  private void register(String id, FsRepository repo) {
    cache.put(id, repo);
    ids.add(id);
    reserved.remove(id);
  }

  private void indexFork(String parentId, String childId) {
    parentOf.put(childId, parentId);
    // lock-free when the parent has a set already; empty sets stay until the parent is deleted
    children.computeIfAbsent(parentId, k -> new ConcurrentSkipListSet<>()).add(childId);
  }

  private void unindexFork(String childId) {
    String parentId = parentOf.remove(childId);
    NavigableSet<String> siblings = parentId == null ? null : children.get(parentId);
    if (siblings != null) {
      siblings.remove(childId);
    }
  }

  /**
   * Makes {@code target} a symbolic link to {@code view} (not fsynced: the journal record makes
   * the fork durable).
   *
   * @return false where symbolic links cannot be made; later forks then stop trying
   */
  private boolean link(Path target, Path view) throws IOException {
    try {
      options.faults().at(FsOptions.FaultInjector.BEFORE_SYMLINK);
      Files.createSymbolicLink(target, view);
      return true;
    } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        throw e;
      }
      symlinksWork = false;
      LOG.info("no symbolic links in {} ({}): every fork gets its own directory at once",
          reposDir, e.toString());
      return false;
    }
  }

  /** Records a fork that failed after its journal record, so a crash recovery does not build it. */
  private void forgetFailedFork(String childId, Exception cause) {
    try {
      forkJournal.recordDelete(childId);
      forkJournal.deleted(childId);
    } catch (IOException | RuntimeException e) {
      cause.addSuppressed(e);
      LOG.error("fork {} failed, and so did its removal from the fork journal: it may appear"
          + " after a restart: {}", childId, e.toString());
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
      // ids before cache: register() caches a new repository before adding its id
      if (!ids.contains(id)) {
        return Optional.empty();
      }
      repo = cache.get(id);
      if (repo != null) {
        return Optional.of(repo);
      }
      Path dir = reposDir.resolve(id);
      ForkJournal.Entry unsettled = forkJournal.unsettled(id);
      if (unsettled != null && Files.isSymbolicLink(dir)) {
        repo =
            FsRepository.ofNewFork(
                id,
                dir,
                unsettled.forkRecord(),
                imageOf(unsettled).refs(),
                lifecycle,
                options,
                this::settle);
      } else {
        repo = FsRepository.load(id, dir, lifecycle, options);
      }
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
   * <p>Runs under the write side of the repository's lock stripe, so it waits for forks of it in
   * flight and a fork that completed is seen: {@link DeleteResult#HAS_FORKS} is decided before
   * anything is touched. Order: the repository's tokens are removed first (so a crash can never
   * leave tokens that would grant access to a later repository of the same id), then, for a fork
   * the fork journal still names, a durable deletion record (from then on a crash recovery
   * finishes the deletion), then the directory is renamed into {@code trash/} (the commit point
   * otherwise), {@code repos/} is fsynced, and
   * only then is the repository dropped from its parent's fork list (so a parent never becomes
   * deletable before the deletion of its last fork is durable). The trash directory is removed
   * recursively; a crash leaves at most a trash directory, removed on the next open.
   */
  @Override
  public DeleteResult delete(String id) {
    RepositoryIds.requireValid(id);
    enterOp();
    try {
      Path trash;
      Lock lock = stripe(id).writeLock();
      lock.lock();
      try {
        if (!ids.contains(id)) {
          return DeleteResult.NOT_FOUND;
        }
        NavigableSet<String> forks = children.get(id);
        if (forks != null && !forks.isEmpty()) {
          return DeleteResult.HAS_FORKS;
        }
        tokens.removeRepository(id);
        boolean journaled = forkJournal.hasRecord(id);
        if (journaled) {
          // from here on a crash recovery finishes the deletion: the directory may not be
          // durable on its own, and the journal would otherwise rebuild it
          try {
            forkJournal.recordDelete(id);
          } catch (IOException e) {
            throw new StorageException("cannot delete repository " + id, e);
          }
        }
        FsRepository cached = cache.get(id);
        if (cached != null) {
          cached.markDeleted(); // waits for writes in flight; later ones fail
        }
        Path dir = reposDir.resolve(id);
        trash = trashDir.resolve(id + "-" + FsFiles.randomSuffix());
        synchronized (registryLock) {
          FsRepository loaded = cache.remove(id);
          if (loaded != null && loaded != cached) {
            loaded.markDeleted(); // opened concurrently
          }
          try {
            Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
          } catch (IOException e) {
            throw new StorageException("cannot delete repository " + id, e);
          }
          ids.remove(id);
        }
        try {
          FsFiles.fsyncDirectory(reposDir);
        } catch (IOException e) {
          // stays in its parent's fork list: the parent cannot be deleted by this process
          throw new StorageException(
              "repository " + id + " deleted but the deletion could not be made durable", e);
        }
        if (journaled) {
          forkJournal.deleted(id);
        }
        unindexFork(id);
        // its (empty) fork set: no fork of it is in flight (this holds its stripe's write lock)
        // and none can start (it left ids)
        children.remove(id);
      } finally {
        lock.unlock();
      }
      FsFiles.deleteRecursivelyQuietly(trash);
      return DeleteResult.DELETED;
    } finally {
      exitOp();
    }
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
    opGate.writeLock().lock(); // waits for creates, forks and deletes in flight
    try {
      for (FsRepository repo : cache.values()) {
        repo.awaitWrites();
      }
      tokens.close();
      forkJournal.close();
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
      opGate.writeLock().unlock();
    }
  }

  @Override
  public String toString() {
    return "FileSystemStorage[" + dataDir + "]";
  }
}
