package dev.artifacts.internal.engine;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jgit.internal.storage.dfs.DfsGarbageCollector;
import org.eclipse.jgit.internal.storage.dfs.DfsPackCompactor;
import org.eclipse.jgit.internal.storage.dfs.DfsObjDatabase.PackSource;
import org.eclipse.jgit.internal.storage.dfs.DfsPackDescription;
import org.eclipse.jgit.internal.storage.dfs.DfsPackFile;
import org.eclipse.jgit.internal.storage.pack.PackExt;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.storage.pack.PackConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps repositories fast to serve: every push adds a pack without a bitmap, so after enough of
 * them the repository is repacked in the background into one pack with bitmaps (JGit's DFS
 * garbage collector, which never drops an object a ref reaches and keeps packs written
 * concurrently untouched). While few objects lack a bitmap, too many small packs (REST commits)
 * are merged cheaply instead (see {@link #compactSmallPacks}). At most one repack per repository
 * is queued or running at a time.
 */
public final class Maintenance implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Maintenance.class);

  /** Repack when this many packs have accumulated. */
  static final int MAX_PACKS = 8;
  /** Repack when this many objects sit in packs without a bitmap. */
  static final long MAX_OBJECTS_WITHOUT_BITMAP = 2_000;
  /** Packs smaller than this, without a bitmap, are merged cheaply instead of a full repack. */
  static final long SMALL_PACK_BYTES = 1L << 20;

  private final ExecutorService executor;
  private final Set<String> queued = ConcurrentHashMap.newKeySet();
  private final Predicate<String> hasForks;
  private final boolean automatic;
  private final long garbageTtlMillis;
  /** One repack at a time per repository: two concurrent ones would both commit a full pack. */
  private final ConcurrentHashMap<String, ReentrantLock> repackLocks = new ConcurrentHashMap<>();

  /**
   * @param hasForks tells whether a repository has forks, which read its packs
   * @param automatic whether {@link #refsChanged} schedules background repacks
   * @param garbageTtlMillis how long unreachable objects of a repository without forks survive
   *     repacks; must be positive
   */
  public Maintenance(Predicate<String> hasForks, boolean automatic, long garbageTtlMillis) {
    if (garbageTtlMillis <= 0) {
      throw new IllegalArgumentException("garbage time to live must be positive");
    }
    this.hasForks = hasForks;
    this.automatic = automatic;
    this.garbageTtlMillis = garbageTtlMillis;
    this.executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "artifacts-maintenance");
              t.setDaemon(true);
              t.setPriority(Thread.MIN_PRIORITY);
              return t;
            });
  }

  /** Called after refs of {@code repo} moved; queues a repack when the repository needs one. */
  public void refsChanged(EngineRepository repo) {
    String id = repo.store().id();
    if (!automatic || queued.contains(id)) {
      return;
    }
    try {
      if (!needsRepack(repo)) {
        return;
      }
    } catch (IOException e) {
      LOG.debug("cannot inspect packs of {}", id, e);
      return;
    }
    if (queued.add(id)) {
      try {
        executor.execute(
            () -> {
              boolean repacked = false;
              try {
                repacked = repackIfNeeded(repo);
              } catch (IOException | RuntimeException e) {
                LOG.warn("background repack of {} failed", id, e);
              } finally {
                queued.remove(id);
              }
              if (repacked) {
                // Packs added while this pass ran found it queued and did not queue another.
                refsChanged(repo);
              }
            });
      } catch (RejectedExecutionException e) {
        queued.remove(id);
      }
    }
  }

  static boolean needsRepack(EngineRepository repo) throws IOException {
    if (repo.store().readOnly()) {
      return false;
    }
    List<DfsPackFile> packs = ownPacks(repo);
    if (packs.size() >= MAX_PACKS) {
      return true;
    }
    if (repo.isFork()) {
      return false;
    }
    long withoutBitmap = 0;
    for (DfsPackFile p : packs) {
      DfsPackDescription d = p.getPackDescription();
      if (d.getPackSource() == PackSource.UNREACHABLE_GARBAGE) {
        continue;
      }
      if (!d.hasFileExt(PackExt.BITMAP_INDEX)) {
        withoutBitmap += d.getObjectCount();
      }
    }
    return withoutBitmap >= MAX_OBJECTS_WITHOUT_BITMAP;
  }

  /**
   * The cheap way out of too many packs: many small commits (REST commits, small pushes) each add
   * a tiny pack, and a full repack every few of them would cost as much as the whole repository
   * each time. While few objects lack a bitmap, the small packs without one are merged into one
   * pack (JGit's pack compactor: no object is dropped, the inputs are retired atomically); the
   * full repack with bitmaps runs once {@link #MAX_OBJECTS_WITHOUT_BITMAP} is reached or when
   * merging would not bring the pack count down enough.
   *
   * @return true when small packs were merged and nothing else is needed now
   */
  static boolean compactSmallPacks(EngineRepository repo) throws IOException {
    if (repo.isFork()) {
      return false;
    }
    List<DfsPackFile> own = ownPacks(repo);
    List<DfsPackFile> small = new ArrayList<>();
    long withoutBitmap = 0;
    for (DfsPackFile p : own) {
      DfsPackDescription d = p.getPackDescription();
      if (d.getPackSource() == PackSource.UNREACHABLE_GARBAGE || d.hasFileExt(PackExt.BITMAP_INDEX)) {
        continue;
      }
      withoutBitmap += d.getObjectCount();
      if (d.getFileSize(PackExt.PACK) < SMALL_PACK_BYTES) {
        small.add(p);
      }
    }
    if (withoutBitmap >= MAX_OBJECTS_WITHOUT_BITMAP
        || small.size() < 2
        || own.size() - small.size() + 1 >= MAX_PACKS) {
      return false;
    }
    DfsPackCompactor compactor = new DfsPackCompactor(repo);
    for (DfsPackFile p : small) {
      compactor.add(p);
    }
    compactor.compact(NullProgressMonitor.INSTANCE);
    LOG.debug("merged {} small packs of {}", small.size(), repo.store().id());
    return true;
  }

  private static List<DfsPackFile> ownPacks(EngineRepository repo) throws IOException {
    List<DfsPackFile> own = new ArrayList<>();
    for (DfsPackFile p : repo.getObjectDatabase().getPacks()) {
      if (repo.getObjectDatabase().owns(p.getPackDescription())) {
        own.add(p);
      }
    }
    return own;
  }

  /** @return whether packs were merged or repacked */
  private boolean repackIfNeeded(EngineRepository repo) throws IOException {
    ReentrantLock lock = lockOf(repo);
    lock.lock();
    try {
      if (!needsRepack(repo)) {
        return false;
      }
      if (!compactSmallPacks(repo)) {
        repack(repo, hasForks.test(repo.store().id()), garbageTtlMillis);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Repacks now in the calling thread, after any repack of the same repository in progress. */
  public void repackNow(EngineRepository repo) throws IOException {
    ReentrantLock lock = lockOf(repo);
    lock.lock();
    try {
      repack(repo, hasForks.test(repo.store().id()), garbageTtlMillis);
    } finally {
      lock.unlock();
    }
  }

  private ReentrantLock lockOf(EngineRepository repo) {
    return repackLocks.computeIfAbsent(repo.store().id(), k -> new ReentrantLock());
  }

  /**
   * Repacks {@code repo} now, in the calling thread, without ever dropping an object a ref of the
   * repository or of any fork may reach.
   *
   * <p>An original repository is garbage-collected: reachable objects go into packs with bitmaps,
   * unreachable ones into a garbage pack. The garbage pack is deleted once older than {@code
   * garbageTtlMillis} only when no fork exists; a fork's refs may reach objects its parent no longer does, so with forks
   * garbage is kept. A fork only merges its own packs into one; its parent's packs are shared and
   * never copied.
   *
   * @param hasForks whether forks of {@code repo} exist now
   * @param garbageTtlMillis age after which garbage of a repository without forks is dropped
   */
  static void repack(EngineRepository repo, boolean hasForks, long garbageTtlMillis) throws IOException {
    long start = System.nanoTime();
    if (repo.isFork()) {
      List<DfsPackFile> own = ownPacks(repo);
      if (own.size() < 2) {
        return;
      }
      DfsPackCompactor compactor = new DfsPackCompactor(repo);
      for (DfsPackFile p : own) {
        compactor.add(p);
      }
      compactor.compact(NullProgressMonitor.INSTANCE);
    } else {
      PackConfig config = new PackConfig(repo);
      config.setBuildBitmaps(true);
      config.setIndexVersion(2);
      DfsGarbageCollector gc = new DfsGarbageCollector(repo);
      gc.setPackConfig(config);
      // A time to live of 0 keeps garbage packs for ever (JGit expires them only when > 0).
      gc.setGarbageTtl(hasForks ? 0 : garbageTtlMillis, TimeUnit.MILLISECONDS);
      gc.pack(NullProgressMonitor.INSTANCE);
    }
    LOG.debug(
        "repacked {} in {} ms",
        repo.store().id(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
  }

  /** Stops the background thread; a repack in progress is abandoned (its packs roll back). */
  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
