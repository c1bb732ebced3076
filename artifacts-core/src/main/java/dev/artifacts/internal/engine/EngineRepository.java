package dev.artifacts.internal.engine;

import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.ObjectStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.internal.storage.dfs.DfsReaderOptions;
import org.eclipse.jgit.internal.storage.dfs.DfsRepository;
import org.eclipse.jgit.internal.storage.dfs.DfsRepositoryBuilder;
import org.eclipse.jgit.internal.storage.dfs.DfsRepositoryDescription;
import org.eclipse.jgit.lib.RefDatabase;
import org.eclipse.jgit.lib.StoredConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JGit repository whose objects and refs live in an SPI {@link RepositoryStore}. Thread-safe
 * and meant to be shared: readers and inserters are created per use.
 */
public final class EngineRepository extends DfsRepository {
  private static final Logger LOG = LoggerFactory.getLogger(EngineRepository.class);

  private final RepositoryStore store;
  private final StoreObjDatabase objdb;
  private final StoreRefDatabase refdb;
  private final RefsChangedListener listener;
  private final Object refWriteLock = new Object();

  /** Told after every applied ref change, whatever path caused it (push, API, rename). */
  public interface RefsChangedListener {
    /**
     * Called while the repository's ref write lock is held, so that calls for one repository come
     * in write order; must be quick, since the next ref write of the repository waits for it.
     */
    void refsChanged(EngineRepository repository, List<RefChange> changes);

    /**
     * Called after {@link #refsChanged} once the lock is released, for work that needs no
     * ordering and may take longer (for example inspecting packs); calls may overlap.
     */
    default void afterRefsChanged(EngineRepository repository) {}
  }

  private EngineRepository(
      Builder builder,
      RepositoryStore store,
      List<RepositoryStore> ancestors,
      RefsChangedListener listener) {
    super(builder);
    this.store = store;
    this.listener = listener;
    Map<String, ObjectStore> ancestorObjects = new LinkedHashMap<>();
    for (RepositoryStore a : ancestors) {
      ancestorObjects.put(a.id(), a.objects());
    }
    this.objdb =
        new StoreObjDatabase(
            this, store.objects(), store.readOnly(), ancestorObjects, builder.getReaderOptions());
    this.refdb = new StoreRefDatabase(this, store.refs());
    StoredConfig config = getConfig();
    config.setBoolean("uploadpack", null, "allowfilter", true);
    config.setBoolean("uploadpack", null, "allowrefinwant", true);
    config.setBoolean("uploadpack", null, "allowsidebandall", true);
    config.setBoolean("uploadpack", null, "advertisesidebandall", false);
    config.setString("protocol", null, "version", "2");
    config.setBoolean("receive", null, "fsckobjects", false);
    config.setBoolean("core", null, "logallrefupdates", false);
  }

  /**
   * Wraps {@code store} as a JGit repository.
   *
   * @param ancestors for a fork, its parent, grandparent, ... (nearest first), whose packs it
   *     reads; empty for an original
   * @param listener told about every applied ref change; may be null
   */
  public static EngineRepository open(
      RepositoryStore store, List<RepositoryStore> ancestors, RefsChangedListener listener) {
    Builder builder = new Builder();
    builder.setRepositoryDescription(new DfsRepositoryDescription(store.id()));
    builder.setReaderOptions(new DfsReaderOptions());
    return new EngineRepository(builder, store, ancestors, listener);
  }

  /** @return true for a fork */
  public boolean isFork() {
    return store.parentId().isPresent();
  }

  /** @return the store this repository reads and writes */
  public RepositoryStore store() {
    return store;
  }

  /**
   * Held while a ref change is written and its listeners are told, so that they learn of one
   * repository's changes in write order. Per instance: the open-repository cache keeps one
   * instance per id (an instance evicted while still in use is the rare exception).
   */
  Object refWriteLock() {
    return refWriteLock;
  }

  void refsChanged(List<RefChange> changes) {
    if (listener != null) {
      try {
        listener.refsChanged(this, changes);
      } catch (RuntimeException e) {
        LOG.warn("ref change listener failed for {}", store.id(), e);
      }
    }
  }

  void afterRefsChanged() {
    if (listener != null) {
      try {
        listener.afterRefsChanged(this);
      } catch (RuntimeException e) {
        LOG.warn("ref change listener failed for {}", store.id(), e);
      }
    }
  }

  @Override
  public StoreObjDatabase getObjectDatabase() {
    return objdb;
  }

  @Override
  public RefDatabase getRefDatabase() {
    return refdb;
  }

  @Override
  public String toString() {
    return "EngineRepository[" + store.id() + "]";
  }

  static final class Builder extends DfsRepositoryBuilder<Builder, EngineRepository> {
    @Override
    public EngineRepository build() {
      throw new UnsupportedOperationException("use EngineRepository.open(store)");
    }
  }
}
