package dev.artifacts.storage.fs.internal;

import dev.artifacts.spi.RefBatchResult;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefStore;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.StorageException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refs of one repository. The authoritative state is the single file {@code artifacts/refs}
 * (every ref, {@code HEAD} and other symbolic refs included), so a batch touching any set of refs
 * is published by one atomic rename. Reads are served from an immutable in-memory snapshot that
 * is swapped after the rename; this process is the only writer.
 *
 * <p>After each batch the git-readable mirrors {@code packed-refs} and {@code HEAD} are rewritten
 * (atomically, but not fsynced: they are derived data, regenerated from {@code artifacts/refs}
 * whenever the repository is loaded).
 */
public final class FsRefStore implements RefStore {
  private static final Logger LOG = LoggerFactory.getLogger(FsRefStore.class);

  private final FsRepository repo;
  private final RepoLayout layout;
  private final Object lock = new Object();
  private volatile NavigableMap<String, RefValue> refs;
  // content of the mirrors as last written (guarded by lock)
  private byte[] headMirror;
  private byte[] packedRefsMirror;
  // the image of the last snapshot a fork was made of
  private volatile ForkImage forkImage;

  FsRefStore(FsRepository repo, NavigableMap<String, RefValue> refs) {
    this.repo = repo;
    this.layout = repo.layout;
    this.refs = Collections.unmodifiableNavigableMap(new TreeMap<>(refs));
  }

  @Override
  public Optional<RefValue> get(String name) {
    Objects.requireNonNull(name, "name");
    repo.checkReadable();
    return Optional.ofNullable(refs.get(name));
  }

  @Override
  public Map<String, RefValue> list(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    repo.checkReadable();
    NavigableMap<String, RefValue> snapshot = refs;
    if (prefix.isEmpty()) {
      return snapshot; // immutable
    }
    NavigableMap<String, RefValue> out = new TreeMap<>();
    for (Map.Entry<String, RefValue> e : snapshot.tailMap(prefix, true).entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        break;
      }
      out.put(e.getKey(), e.getValue());
    }
    return Collections.unmodifiableNavigableMap(out);
  }

  /** @return all refs at one instant (immutable) */
  public NavigableMap<String, RefValue> snapshot() {
    repo.checkReadable();
    return refs;
  }

  @Override
  public RefBatchResult apply(List<RefChange> changes) {
    Objects.requireNonNull(changes, "changes");
    Set<String> names = new HashSet<>();
    for (RefChange c : changes) {
      Objects.requireNonNull(c, "change");
      if (!names.add(c.name())) {
        throw new IllegalArgumentException("ref " + c.name() + " appears twice in one batch");
      }
      RefsFile.checkName("ref name", c.name());
      if (c.newValue() != null && c.newValue().isSymbolic()) {
        RefsFile.checkName("symbolic target", c.newValue().symbolicTarget());
      }
    }
    repo.beginWrite();
    try {
      if (changes.isEmpty()) {
        return RefBatchResult.APPLIED;
      }
      synchronized (lock) {
        NavigableMap<String, RefValue> current = refs;
        for (RefChange c : changes) {
          RefValue now = current.get(c.name());
          boolean ok = c.expected() == null ? now == null : c.expected().sameTarget(now);
          if (!ok) {
            return new RefBatchResult.Conflict(c.name(), now);
          }
        }
        TreeMap<String, RefValue> next = new TreeMap<>(current);
        for (RefChange c : changes) {
          if (c.newValue() == null) {
            next.remove(c.name());
          } else {
            next.put(c.name(), c.newValue());
          }
        }
        try {
          Path tmp = FsFiles.writeTemp(layout.refsFile, RefsFile.serialize(next), true);
          try {
            repo.fault(FsOptions.FaultInjector.REFS_BEFORE_RENAME);
          } catch (IOException e) {
            FsFiles.deleteQuietly(tmp);
            throw e;
          }
          FsFiles.renameOver(tmp, layout.refsFile);
        } catch (IOException e) {
          throw new StorageException(
              "repository " + repo.id() + ": cannot update refs " + names, e);
        }
        // the rename is the commit point
        NavigableMap<String, RefValue> published = Collections.unmodifiableNavigableMap(next);
        refs = published;
        try {
          FsFiles.fsyncDirectory(layout.metaDir);
        } catch (IOException e) {
          throw new StorageException(
              "repository " + repo.id() + ": refs " + names
                  + " were updated but the update could not be made durable", e);
        }
        syncMirrors(published, false);
        return RefBatchResult.APPLIED;
      }
    } finally {
      repo.endWrite();
    }
  }

  /**
   * The content a new fork of this repository starts with: its refs as they are now, serialized
   * as {@code artifacts/refs} and as the git mirrors. Computed once per refs snapshot, so
   * concurrent forks of an unchanged parent share it.
   */
  public record ForkImage(
      NavigableMap<String, RefValue> refs, byte[] refsFile, byte[] head, byte[] packedRefs) {

    /** @return the image of {@code refs} */
    public static ForkImage of(NavigableMap<String, RefValue> refs) {
      return of(refs, RefsFile.serialize(refs));
    }

    /** @return the image of {@code refs}, read from the refs file {@code refsFile} */
    public static ForkImage of(NavigableMap<String, RefValue> refs, byte[] refsFile) {
      return new ForkImage(
          refs, refsFile, RefsFile.renderHead(refs), RefsFile.renderPackedRefs(refs));
    }
  }

  /** @return what a fork made now starts with */
  public ForkImage forkImage() {
    repo.checkReadable();
    NavigableMap<String, RefValue> snapshot = refs;
    ForkImage image = forkImage;
    if (image == null || image.refs() != snapshot) {
      image = ForkImage.of(snapshot);
      forkImage = image;
    }
    return image;
  }

  /** Records that the mirrors on disk already hold {@code head} and {@code packedRefs}. */
  void assumeMirrors(byte[] head, byte[] packedRefs) {
    synchronized (lock) {
      headMirror = head;
      packedRefsMirror = packedRefs;
    }
  }

  /**
   * Rewrites the git mirrors if their content differs from {@code state}. Failures are logged:
   * the mirrors are only for stock git tools and are regenerated on the next load.
   *
   * @param compareWithDisk true to compare with the files on disk (at load), false to compare
   *     with what this store wrote last
   */
  void syncMirrors(Map<String, RefValue> state, boolean compareWithDisk) {
    synchronized (lock) {
      try {
        if (compareWithDisk) {
          headMirror = FsFiles.readIfExists(layout.head);
          packedRefsMirror = FsFiles.readIfExists(layout.packedRefs);
        }
        byte[] head = RefsFile.renderHead(state);
        if (!Arrays.equals(head, headMirror)) {
          FsFiles.replace(layout.head, head, false);
          headMirror = head;
        }
        byte[] packed = RefsFile.renderPackedRefs(state);
        if (!Arrays.equals(packed, packedRefsMirror)) {
          FsFiles.replace(layout.packedRefs, packed, false);
          packedRefsMirror = packed;
        }
      } catch (IOException | RuntimeException e) {
        headMirror = null;
        packedRefsMirror = null;
        LOG.warn(
            "repository {}: could not update the git mirrors HEAD/packed-refs: {}",
            repo.id(), e.toString());
      }
    }
  }
}
