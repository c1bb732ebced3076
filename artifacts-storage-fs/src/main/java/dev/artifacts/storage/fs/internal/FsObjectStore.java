package dev.artifacts.storage.fs.internal;

import dev.artifacts.spi.ObjectStore;
import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.ReadableFile;
import dev.artifacts.spi.StorageException;
import dev.artifacts.spi.WritableFile;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packs of one repository. Visibility is decided by the manifest {@code artifacts/packs}, held in
 * memory as an immutable snapshot and replaced on disk atomically at each commit.
 *
 * <p>Commit protocol (under the repository's commit lock): the new files (closed, not yet
 * fsynced) are renamed from {@code artifacts/incoming/} to {@code objects/pack/}; then, at the
 * same time, each new file is fsynced, {@code objects/pack/} is fsynced and a new manifest is
 * written to a temp file and fsynced; once all of these are durable the manifest is renamed over
 * the old one (the commit point), and {@code artifacts/} is fsynced. Two rounds of fsync instead
 * of five, with the same guarantee: the manifest never names a file whose bytes or directory
 * entry are not durable.
 * A crash before the manifest rename leaves only files the manifest does not name; they are
 * invisible and removed on the next load.
 *
 * <p>Retired packs leave the manifest at once but their files stay for {@link
 * FsOptions#retiredGrace()} so readers that listed them can still open them; files already open
 * keep working after deletion (POSIX unlink semantics). After a restart, retired files are removed
 * on load.
 */
public final class FsObjectStore implements ObjectStore {
  private static final Logger LOG = LoggerFactory.getLogger(FsObjectStore.class);

  private record Key(String name, String ext) {}

  private record Retired(PackDescriptor pack, long deadlineNanos) {}

  private final FsRepository repo;
  private final RepoLayout layout;
  private final Object commitLock = new Object();
  private volatile Map<String, PackDescriptor> visible;
  private final Map<String, Retired> retired = new ConcurrentHashMap<>();
  private final Map<Key, FsWritableFile> pending = new ConcurrentHashMap<>();
  // false until objects/pack and the manifest are known to be durable (guarded by commitLock);
  // a fork is created without them
  private boolean layoutDurable;

  FsObjectStore(FsRepository repo, Map<String, PackDescriptor> packs) {
    this.repo = repo;
    this.layout = repo.layout;
    this.visible = Collections.unmodifiableMap(new LinkedHashMap<>(packs));
    this.layoutDurable = repo.parentId().isEmpty();
  }

  @Override
  public List<PackDescriptor> listPacks() {
    repo.checkReadable();
    return List.copyOf(visible.values());
  }

  @Override
  public Optional<ReadableFile> open(String packName, String ext) {
    repo.checkReadable();
    if (packName == null || ext == null
        || !PackDescriptor.isValidName(packName) || !PackDescriptor.isValidExtension(ext)) {
      return Optional.empty();
    }
    boolean isVisible = true;
    PackDescriptor d = visible.get(packName);
    if (d == null) {
      isVisible = false;
      Retired r = retired.get(packName);
      d = r == null ? null : r.pack();
    }
    if (d == null || !d.files().containsKey(ext)) {
      return Optional.empty();
    }
    long size = d.files().get(ext);
    Path p = layout.packFile(packName, ext);
    FileChannel ch;
    try {
      ch = FileChannel.open(p, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      if (!isVisible) {
        return Optional.empty(); // retired and already removed
      }
      throw new StorageException(
          "repository " + repo.id() + ": committed file " + p + " is missing", e);
    } catch (IOException e) {
      throw new StorageException("repository " + repo.id() + ": cannot open " + p, e);
    }
    try {
      long actual = ch.size();
      if (actual < size) {
        throw new StorageException(
            "repository " + repo.id() + ": committed file " + p + " has " + actual
                + " bytes, expected " + size, null);
      }
    } catch (IOException | RuntimeException e) {
      FsFiles.closeQuietly(ch);
      if (e instanceof StorageException se) {
        throw se;
      }
      throw new StorageException("repository " + repo.id() + ": cannot open " + p, e);
    }
    return Optional.of(new FsReadableFile(p, ch, size));
  }

  @Override
  public WritableFile create(String packName, String ext) {
    Objects.requireNonNull(packName, "packName");
    Objects.requireNonNull(ext, "ext");
    PackDescriptor.requireValidName(packName);
    PackDescriptor.requireValidExtension(ext);
    repo.beginWrite();
    try {
      if (visible.containsKey(packName) || retired.containsKey(packName)) {
        throw new IllegalArgumentException(
            "pack " + packName + " is already committed in repository " + repo.id());
      }
      Key key = new Key(packName, ext);
      FsWritableFile w = new FsWritableFile(packName, ext, layout.incomingFile(packName, ext));
      if (pending.putIfAbsent(key, w) != null) {
        throw new IllegalArgumentException(
            "file " + ext + " of pack " + packName + " is already being written");
      }
      try {
        Files.createDirectories(layout.incomingDir); // a fork has none until its first write
        w.openChannel();
      } catch (IOException | RuntimeException e) {
        pending.remove(key, w);
        w.abort();
        throw new StorageException(
            "repository " + repo.id() + ": cannot create file " + ext + " of pack " + packName, e);
      }
      return w;
    } finally {
      repo.endWrite();
    }
  }

  @Override
  public void commit(Collection<PackDescriptor> added, Collection<String> replaced) {
    Objects.requireNonNull(added, "added");
    Objects.requireNonNull(replaced, "replaced");
    repo.beginWrite();
    try {
      synchronized (commitLock) {
        commitLocked(List.copyOf(added), List.copyOf(replaced));
      }
    } finally {
      repo.endWrite();
    }
  }

  private void commitLocked(List<PackDescriptor> added, List<String> replaced) {
    Map<String, PackDescriptor> current = visible;
    // 1. validate: nothing touched yet
    Set<String> addedNames = new HashSet<>();
    List<FsWritableFile> files = new ArrayList<>();
    for (PackDescriptor d : added) {
      if (!addedNames.add(d.name())) {
        throw new IllegalArgumentException("pack " + d.name() + " added twice");
      }
      if (current.containsKey(d.name()) || retired.containsKey(d.name())) {
        throw new IllegalArgumentException("pack " + d.name() + " is already committed");
      }
      files.addAll(
          d.requireWritten(
                  ext -> pending.get(new Key(d.name(), ext)),
                  FsWritableFile::isComplete,
                  FsWritableFile::length)
              .values());
    }
    List<String> retiring = new ArrayList<>();
    for (String r : replaced) {
      if (addedNames.contains(r)) {
        throw new IllegalArgumentException("pack " + r + " is both added and replaced");
      }
      if (current.containsKey(r)) {
        retiring.add(r);
      }
    }
    if (added.isEmpty() && retiring.isEmpty()) {
      return;
    }

    Map<String, PackDescriptor> next = new LinkedHashMap<>(current);
    retiring.forEach(next::remove);
    for (PackDescriptor d : added) {
      next.put(d.name(), d);
    }

    // 2. move files into objects/pack, then publish the manifest
    List<FsWritableFile> moved = new ArrayList<>();
    try {
      ensureLayoutDurable();
      for (FsWritableFile w : files) {
        Files.move(
            w.path, layout.packFile(w.packName, w.ext), StandardCopyOption.ATOMIC_MOVE);
        moved.add(w);
      }
      repo.fault(FsOptions.FaultInjector.COMMIT_AFTER_PACK_RENAME);
      // The new files' contents, their directory entries and the new manifest (under a temporary
      // name) are made durable at the same time; only then is the manifest renamed into place.
      byte[] manifest = PackManifest.serialize(next.values());
      Path[] written = new Path[1];
      List<FsFiles.IoTask> syncs = new ArrayList<>();
      syncs.add(() -> written[0] = FsFiles.writeTemp(layout.packManifest, manifest, true));
      for (FsWritableFile w : moved) {
        Path p = layout.packFile(w.packName, w.ext);
        syncs.add(() -> FsFiles.fsyncFile(p));
      }
      if (!moved.isEmpty()) {
        syncs.add(() -> FsFiles.fsyncDirectory(layout.packDir));
      }
      try {
        FsFiles.runAll(syncs);
      } catch (IOException | RuntimeException e) {
        if (written[0] != null) {
          FsFiles.deleteQuietly(written[0]);
        }
        throw e;
      }
      Path tmp = written[0];
      try {
        repo.fault(FsOptions.FaultInjector.COMMIT_BEFORE_MANIFEST_RENAME);
      } catch (IOException e) {
        FsFiles.deleteQuietly(tmp);
        throw e;
      }
      FsFiles.renameOver(tmp, layout.packManifest);
    } catch (IOException | RuntimeException e) {
      for (int i = moved.size() - 1; i >= 0; i--) {
        FsWritableFile w = moved.get(i);
        try {
          Files.move(
              layout.packFile(w.packName, w.ext), w.path, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e2) {
          // stays in objects/pack, not in the manifest: invisible, removed on next load
          LOG.warn("repository {}: could not move {} back: {}", repo.id(), w.path, e2.toString());
        }
      }
      throw new StorageException(
          "repository " + repo.id() + ": commit of " + addedNames + " failed", e);
    }

    // 3. the manifest is replaced: this is the commit point
    visible = Collections.unmodifiableMap(next);
    long deadline = System.nanoTime() + repo.options.retiredGrace().toNanos();
    for (String r : retiring) {
      retired.put(r, new Retired(current.get(r), deadline));
    }
    for (FsWritableFile w : files) {
      pending.remove(new Key(w.packName, w.ext), w);
    }
    // files written for an added pack but not named by its descriptor are not part of it
    for (Map.Entry<Key, FsWritableFile> e : pending.entrySet()) {
      if (addedNames.contains(e.getKey().name()) && pending.remove(e.getKey(), e.getValue())) {
        e.getValue().abort();
      }
    }
    try {
      FsFiles.fsyncDirectory(layout.metaDir);
    } catch (IOException e) {
      throw new StorageException(
          "repository " + repo.id() + ": packs " + addedNames
              + " are visible but the manifest rename could not be made durable", e);
    }
    purgeRetired();
  }

  /**
   * A fork is created without {@code objects/pack} and {@code artifacts/packs}, and after a
   * restart its {@code objects/pack} may have been created by the load without fsync. Before the
   * first commit of this process, makes both durable: an empty manifest (so that pack files
   * without a manifest always mean damage, never an interrupted first commit) and the directory
   * entry of {@code objects/pack}.
   */
  private void ensureLayoutDurable() throws IOException {
    if (layoutDurable) {
      return;
    }
    if (!Files.exists(layout.packManifest)) {
      FsFiles.replace(layout.packManifest, PackManifest.serialize(List.of()), true);
    }
    Files.createDirectories(layout.packDir);
    FsFiles.fsyncDirectory(layout.objectsDir);
    layoutDurable = true;
  }

  /** Deletes files of retired packs whose grace period has passed. */
  private void purgeRetired() {
    long now = System.nanoTime();
    for (Map.Entry<String, Retired> e : retired.entrySet()) {
      Retired r = e.getValue();
      if (now - r.deadlineNanos() < 0) {
        continue;
      }
      boolean all = true;
      for (String ext : r.pack().files().keySet()) {
        try {
          Files.deleteIfExists(layout.packFile(r.pack().name(), ext));
        } catch (IOException | RuntimeException ex) {
          all = false; // e.g. Windows refuses to delete open files; retry at the next commit
          LOG.debug("repository {}: cannot delete retired {}: {}", repo.id(), ext, ex.toString());
        }
      }
      if (all) {
        retired.remove(e.getKey(), r);
      }
    }
  }

  @Override
  public void rollback(Collection<String> packNames) {
    if (packNames == null) {
      return;
    }
    try {
      Set<String> names = new HashSet<>();
      for (String n : packNames) {
        if (n != null) {
          names.add(n);
        }
      }
      for (Map.Entry<Key, FsWritableFile> e : pending.entrySet()) {
        if (names.contains(e.getKey().name()) && pending.remove(e.getKey(), e.getValue())) {
          e.getValue().abort();
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("repository {}: rollback of {} incomplete: {}", repo.id(), packNames, e.toString());
    }
  }

  /** @return names of retired packs whose files are still kept (for tests) */
  public Set<String> retiredNames() {
    return Set.copyOf(retired.keySet());
  }

  /** Deletes all retired files now, whatever their grace period (for tests and shutdown). */
  public void purgeRetiredNow() {
    synchronized (commitLock) {
      retired.replaceAll((k, v) -> new Retired(v.pack(), System.nanoTime()));
      purgeRetired();
    }
  }
}
