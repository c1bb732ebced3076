package dev.artifacts.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.Artifacts;
import dev.artifacts.spi.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.internal.storage.dfs.DfsBlockCache;
import org.eclipse.jgit.internal.storage.dfs.DfsBlockCacheConfig;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.ObjectWalk;
import org.eclipse.jgit.revwalk.RevObject;

/** Helpers to drive the engine ({@link Artifacts}) over a storage under test. */
final class EngineSupport {
  static final PersonIdent AUTHOR =
      new PersonIdent(
          "Conformance Kit",
          "kit@example.invalid",
          java.time.Instant.ofEpochMilli(1_700_000_000_000L),
          java.time.ZoneOffset.UTC);

  private EngineSupport() {}

  /** An object's type and raw content. */
  record Obj(int type, byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Obj other && other.type == type && Arrays.equals(other.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return type * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return Constants.typeString(type) + "(" + bytes.length + " bytes)";
    }
  }

  /** The engine over {@code storage}, without background compaction (tests compact explicitly). */
  static Artifacts artifacts(Storage storage) {
    return Artifacts.builder(storage).autoCompaction(false).build();
  }

  /**
   * A new engine view of a repository: empties JGit's process-wide block cache and opens the
   * repository through a new {@link Artifacts}, so every byte read afterwards comes from the
   * backend. The instance is not closed (closing it would close the storage, which the kit does).
   */
  static Repository freshView(Storage storage, String id) {
    DfsBlockCache.reconfigure(new DfsBlockCacheConfig());
    return artifacts(storage)
        .repository(id)
        .orElseThrow(() -> new AssertionError("repository " + id + " not found by a fresh engine"));
  }

  /**
   * Inserts a commit with a few random files on top of {@code parent} and moves {@code ref} to it
   * (compare-and-swap against the ref's current value), recording every new object.
   */
  static ObjectId commitRandomFiles(
      Repository repo, String ref, ObjectId parent, long seed, Map<ObjectId, Obj> record)
      throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    ObjectId commitId;
    try (ObjectInserter ins = repo.newObjectInserter()) {
      DirCache dc = DirCache.newInCore();
      DirCacheBuilder b = dc.builder();
      int files = 2 + random.nextInt(4);
      for (int i = 0; i < files; i++) {
        byte[] content = Packs.content(seed * 1000 + i, i == 0 ? 20_000 + random.nextInt(5000) : 10 + random.nextInt(3000));
        ObjectId blob = ins.insert(Constants.OBJ_BLOB, content);
        record.put(blob, new Obj(Constants.OBJ_BLOB, content));
        DirCacheEntry e = new DirCacheEntry("dir" + (i % 2) + "/file-" + seed + "-" + i);
        e.setFileMode(FileMode.REGULAR_FILE);
        e.setObjectId(blob);
        b.add(e);
      }
      b.finish();
      ObjectId tree = dc.writeTree(ins);
      CommitBuilder c = new CommitBuilder();
      c.setTreeId(tree);
      if (parent != null) {
        c.setParentId(parent);
      }
      c.setAuthor(AUTHOR);
      c.setCommitter(AUTHOR);
      c.setMessage("commit " + seed + "\n");
      commitId = ins.insert(c);
      ins.flush();
    }
    recordReachable(repo, commitId, record);
    Ref current = repo.exactRef(ref);
    RefUpdate u = repo.updateRef(ref);
    u.setExpectedOldObjectId(current == null ? ObjectId.zeroId() : current.getObjectId());
    u.setNewObjectId(commitId);
    u.setForceUpdate(true);
    RefUpdate.Result r = u.update();
    assertThat(r).as("update of %s", ref).isIn(RefUpdate.Result.NEW, RefUpdate.Result.FAST_FORWARD, RefUpdate.Result.FORCED);
    return commitId;
  }

  static void deleteRef(Repository repo, String ref, ObjectId expected) throws IOException {
    RefUpdate u = repo.updateRef(ref);
    u.setExpectedOldObjectId(expected);
    u.setForceUpdate(true);
    assertThat(u.delete()).as("delete of %s", ref).isEqualTo(RefUpdate.Result.FORCED);
  }

  /** Records {@code start} and everything reachable from it. */
  static void recordReachable(Repository repo, ObjectId start, Map<ObjectId, Obj> record)
      throws IOException {
    try (ObjectWalk walk = new ObjectWalk(repo); ObjectReader reader = repo.newObjectReader()) {
      walk.markStart(walk.parseAny(start));
      collect(walk, reader, record);
    }
  }

  /** @return every object reachable from any ref of {@code repo}, with its content */
  static Map<ObjectId, Obj> allReachable(Repository repo) {
    Map<ObjectId, Obj> out = new LinkedHashMap<>();
    try (ObjectWalk walk = new ObjectWalk(repo); ObjectReader reader = repo.newObjectReader()) {
      for (Ref ref : repo.getRefDatabase().getRefs()) {
        ObjectId id = ref.getObjectId();
        if (id != null) {
          walk.markStart(walk.parseAny(id));
        }
      }
      collect(walk, reader, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static void collect(ObjectWalk walk, ObjectReader reader, Map<ObjectId, Obj> out)
      throws IOException {
    RevObject o;
    while ((o = walk.next()) != null) {
      put(reader, o, out);
    }
    while ((o = walk.nextObject()) != null) {
      put(reader, o, out);
    }
  }

  private static void put(ObjectReader reader, RevObject o, Map<ObjectId, Obj> out) throws IOException {
    ObjectId id = o.copy();
    if (!out.containsKey(id)) {
      ObjectLoader l = reader.open(id);
      out.put(id, new Obj(l.getType(), l.getCachedBytes(Integer.MAX_VALUE)));
    }
  }

  /** Asserts that {@code repo} holds every object of {@code expected}, byte for byte. */
  static void assertHasAll(Repository repo, Map<ObjectId, Obj> expected) {
    try (ObjectReader reader = repo.newObjectReader()) {
      for (Map.Entry<ObjectId, Obj> e : expected.entrySet()) {
        assertThat(reader.has(e.getKey())).as("object %s is present", e.getKey().name()).isTrue();
        ObjectLoader l = reader.open(e.getKey());
        Obj actual = new Obj(l.getType(), l.getCachedBytes(Integer.MAX_VALUE));
        assertThat(actual).as("content of %s", e.getKey().name()).isEqualTo(e.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** @return ref name to object id for refs under {@code refs/} (symbolic refs resolved) */
  static Map<String, ObjectId> refs(Repository repo) {
    Map<String, ObjectId> out = new TreeMap<>();
    try {
      for (Ref r : repo.getRefDatabase().getRefsByPrefix(Constants.R_REFS)) {
        if (r.getObjectId() != null) {
          out.put(r.getName(), r.getObjectId().copy());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
