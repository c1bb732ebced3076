package dev.artifacts.internal.engine;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.internal.storage.dfs.DfsGarbageCollector;
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
 * concurrently untouched). At most one repack per repository is queued or running at a time.
 */
public final class Maintenance implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Maintenance.class);

  /** Repack when this many packs have accumulated. */
  static final int MAX_PACKS = 8;
  /** Repack when this many objects sit in packs without a bitmap. */
  static final long MAX_OBJECTS_WITHOUT_BITMAP = 2_000;

  private final ExecutorService executor;
  private final Set<String> queued = ConcurrentHashMap.newKeySet();

  public Maintenance() {
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
    if (queued.contains(id)) {
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
              try {
                repack(repo);
              } catch (IOException | RuntimeException e) {
                LOG.warn("background repack of {} failed", id, e);
              } finally {
                queued.remove(id);
              }
            });
      } catch (RejectedExecutionException e) {
        queued.remove(id);
      }
    }
  }

  static boolean needsRepack(EngineRepository repo) throws IOException {
    DfsPackFile[] packs = repo.getObjectDatabase().getPacks();
    if (packs.length >= MAX_PACKS) {
      return true;
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
   * Repacks {@code repo} now, in the calling thread: reachable objects into packs with bitmaps,
   * unreachable ones into a garbage pack that is dropped only after its time to live.
   */
  public static void repack(EngineRepository repo) throws IOException {
    long start = System.nanoTime();
    PackConfig config = new PackConfig(repo);
    config.setBuildBitmaps(true);
    config.setIndexVersion(2);
    DfsGarbageCollector gc = new DfsGarbageCollector(repo);
    gc.setPackConfig(config);
    gc.setGarbageTtl(1, TimeUnit.DAYS);
    gc.pack(NullProgressMonitor.INSTANCE);
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
