package dev.artifacts.internal.engine;

import dev.artifacts.spi.RefBatchResult;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefStore;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.StorageException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jgit.lib.BatchRefUpdate;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectIdRef;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefDatabase;
import org.eclipse.jgit.lib.RefRename;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.ReflogReader;
import org.eclipse.jgit.lib.SymbolicRef;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevTag;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * A JGit ref database that reads and writes straight through to an SPI {@link RefStore}. It keeps
 * no cache of its own, so every reader sees the store's current state; the store is the single
 * source of truth for compare-and-swap.
 */
final class StoreRefDatabase extends RefDatabase {
  private static final int MAX_SYMBOLIC_DEPTH = 5;

  private final EngineRepository repository;
  private final RefStore store;

  StoreRefDatabase(EngineRepository repository, RefStore store) {
    this.repository = repository;
    this.store = store;
  }

  EngineRepository repository() {
    return repository;
  }

  RefStore store() {
    return store;
  }

  @Override
  public void create() {}

  @Override
  public void close() {}

  @Override
  public void refresh() {}

  @Override
  public boolean performsAtomicTransactions() {
    return true;
  }

  @Override
  public boolean isNameConflicting(String name) throws IOException {
    Map<String, RefValue> all = list("");
    for (int slash = name.indexOf('/'); slash > 0; slash = name.indexOf('/', slash + 1)) {
      if (all.containsKey(name.substring(0, slash))) {
        return true;
      }
    }
    String asDir = name + "/";
    for (String existing : all.keySet()) {
      if (existing.startsWith(asDir)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public RefUpdate newUpdate(String name, boolean detach) throws IOException {
    Ref ref = exactRef(name);
    boolean detaching = false;
    if (ref == null) {
      ref = new ObjectIdRef.Unpeeled(Ref.Storage.NEW, name, null);
    } else {
      detaching = detach && ref.isSymbolic();
    }
    StoreRefUpdate update = new StoreRefUpdate(this, ref);
    if (detaching) {
      update.setDetachingSymbolicRef();
    }
    return update;
  }

  @Override
  public RefRename newRename(String fromName, String toName) throws IOException {
    return new StoreRefRename(this, newUpdate(fromName, false), newUpdate(toName, false));
  }

  @Override
  public BatchRefUpdate newBatchUpdate() {
    return new StoreBatchRefUpdate(this);
  }

  @Override
  public Ref exactRef(String name) throws IOException {
    RefValue value = get(name);
    return value == null ? null : toRef(name, value, 0);
  }

  @Override
  public Map<String, Ref> getRefs(String prefix) throws IOException {
    Map<String, Ref> out = new TreeMap<>();
    for (Ref ref : getRefsByPrefix(prefix)) {
      out.put(ref.getName().substring(prefix.length()), ref);
    }
    return out;
  }

  @Override
  public List<Ref> getRefsByPrefix(String prefix) throws IOException {
    Map<String, RefValue> values = list(prefix);
    List<Ref> out = new ArrayList<>(values.size());
    for (Map.Entry<String, RefValue> e : new TreeMap<>(values).entrySet()) {
      Ref ref = toRef(e.getKey(), e.getValue(), values, 0);
      if (ref != null) {
        out.add(ref);
      }
    }
    return Collections.unmodifiableList(out);
  }

  @Override
  public List<Ref> getAdditionalRefs() {
    return Collections.emptyList();
  }

  @Override
  public ReflogReader getReflogReader(Ref ref) {
    return null;
  }

  @Override
  public Ref peel(Ref ref) throws IOException {
    Ref leaf = ref.getLeaf();
    if (leaf.isPeeled() || leaf.getObjectId() == null) {
      return ref;
    }
    Ref peeled;
    try (RevWalk walk = new RevWalk(repository)) {
      peeled = peeledRef(walk, leaf.getName(), leaf.getObjectId(), leaf.getStorage());
    }
    if (ref.isSymbolic()) {
      return new SymbolicRef(ref.getName(), peeled);
    }
    return peeled;
  }

  static Ref peeledRef(RevWalk walk, String name, ObjectId id, Ref.Storage storage)
      throws IOException {
    RevObject obj = walk.parseAny(id);
    if (obj instanceof RevTag) {
      return new ObjectIdRef.PeeledTag(storage, name, id, walk.peel(obj).copy());
    }
    return new ObjectIdRef.PeeledNonTag(storage, name, id);
  }

  /** The value to store for {@code id}, with its peeled hint filled in. */
  static RefValue valueFor(RevWalk walk, ObjectId id) throws IOException {
    RevObject obj = walk.parseAny(id);
    if (obj instanceof RevTag) {
      return RefValue.peeled(id, walk.peel(obj).copy());
    }
    return RefValue.peeled(id, id);
  }

  RefValue get(String name) throws IOException {
    try {
      return store.get(name).orElse(null);
    } catch (StorageException e) {
      throw new IOException("storage failed to read ref " + name + ": " + e.getMessage(), e);
    }
  }

  Map<String, RefValue> list(String prefix) throws IOException {
    try {
      return store.list(prefix);
    } catch (StorageException e) {
      throw new IOException("storage failed to list refs: " + e.getMessage(), e);
    }
  }

  RefBatchResult apply(List<RefChange> changes) throws IOException {
    if (repository.store().readOnly()) {
      throw new IOException("repository " + repository.store().id() + " is read-only");
    }
    RefBatchResult result;
    // Listeners learn of changes in the order they were written (the event stream relies on it).
    synchronized (repository.refWriteLock()) {
      try {
        result = store.apply(changes);
      } catch (StorageException e) {
        throw new IOException("storage failed to update refs: " + e.getMessage(), e);
      }
      if (result.applied()) {
        repository.refsChanged(changes);
      }
    }
    if (result.applied()) {
      repository.afterRefsChanged();
    }
    return result;
  }

  private Ref toRef(String name, RefValue value, int depth) throws IOException {
    if (!value.isSymbolic()) {
      return objectRef(name, value);
    }
    String target = value.symbolicTarget();
    RefValue targetValue = depth < MAX_SYMBOLIC_DEPTH ? get(target) : null;
    Ref targetRef =
        targetValue == null
            ? new ObjectIdRef.Unpeeled(Ref.Storage.NEW, target, null)
            : toRef(target, targetValue, depth + 1);
    return new SymbolicRef(name, targetRef);
  }

  private Ref toRef(String name, RefValue value, Map<String, RefValue> snapshot, int depth)
      throws IOException {
    if (!value.isSymbolic()) {
      return objectRef(name, value);
    }
    String target = value.symbolicTarget();
    RefValue targetValue = snapshot.containsKey(target) ? snapshot.get(target) : null;
    if (targetValue == null && depth < MAX_SYMBOLIC_DEPTH) {
      targetValue = get(target);
    }
    Ref targetRef =
        targetValue == null
            ? new ObjectIdRef.Unpeeled(Ref.Storage.NEW, target, null)
            : toRef(target, targetValue, snapshot, depth + 1);
    return new SymbolicRef(name, targetRef);
  }

  private static Ref objectRef(String name, RefValue value) {
    ObjectId id = value.objectId();
    ObjectId peeled = value.peeledId();
    if (peeled == null) {
      return new ObjectIdRef.Unpeeled(Ref.Storage.PACKED, name, id);
    }
    if (peeled.equals(id)) {
      return new ObjectIdRef.PeeledNonTag(Ref.Storage.PACKED, name, id);
    }
    return new ObjectIdRef.PeeledTag(Ref.Storage.PACKED, name, id, peeled);
  }

  /** The value a ref has as JGit last saw it, for use as a compare-and-swap expectation. */
  static RefValue expectedValue(Ref ref) {
    if (ref == null || ref.getStorage() == Ref.Storage.NEW && !ref.isSymbolic()) {
      return null;
    }
    if (ref.isSymbolic()) {
      return RefValue.symbolic(ref.getTarget().getName());
    }
    return ref.getObjectId() == null ? null : RefValue.of(ref.getObjectId());
  }
}
