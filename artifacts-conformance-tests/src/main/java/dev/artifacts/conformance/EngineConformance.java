package dev.artifacts.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.Artifacts;
import dev.artifacts.ArtifactsException;
import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.Storage;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.FilterSpec;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end contract tests: the engine ({@link Artifacts}) serves Git over the backend, and a
 * Git client (JGit's, in the same JVM, over an in-process transport) pushes a generated history
 * and gets it back byte for byte: full, incremental, shallow and partial clones, after
 * compaction, through forks, and after reopening the storage.
 *
 * <p>"Byte for byte" means: every ref of the source is in the clone with the same id, and every
 * object reachable from them is in the clone with the same type and content.
 */
public abstract class EngineConformance extends ConformanceSuite {
  private static final RefSpec ALL_HEADS = new RefSpec("+refs/heads/*:refs/heads/*");
  private static final RefSpec ALL_TAGS = new RefSpec("+refs/tags/*:refs/tags/*");

  @TempDir Path tmp;

  private final List<InProcessGit.Server> servers = new ArrayList<>();
  private final List<Repository> locals = new ArrayList<>();
  private int dirs;

  @AfterEach
  protected final void closeEngineResources() {
    servers.forEach(InProcessGit.Server::close);
    locals.forEach(Repository::close);
  }

  private InProcessGit.Server serve(Artifacts artifacts) {
    InProcessGit.Server s = InProcessGit.serve(artifacts);
    servers.add(s);
    return s;
  }

  private File dir(String name) {
    return tmp.resolve(name + "-" + (++dirs)).toFile();
  }

  private History source() throws Exception {
    History h = History.create(dir("source"), 20240501L);
    locals.add(h.repository());
    return h;
  }

  private static void push(Repository local, String uri, RefSpec... specs) throws Exception {
    Iterable<PushResult> results =
        Git.wrap(local).push().setRemote(uri).setRefSpecs(specs).setAtomic(true).call();
    for (PushResult r : results) {
      for (RemoteRefUpdate u : r.getRemoteUpdates()) {
        assertThat(u.getStatus())
            .as("push of %s: %s", u.getRemoteName(), u.getMessage())
            .isIn(RemoteRefUpdate.Status.OK, RemoteRefUpdate.Status.UP_TO_DATE);
      }
    }
  }

  private Repository mirrorClone(String uri) throws Exception {
    Repository r =
        Git.cloneRepository().setURI(uri).setDirectory(dir("clone")).setBare(true).setMirror(true).call().getRepository();
    locals.add(r);
    return r;
  }

  /** Asserts the clone has the source's refs and every reachable object, byte for byte. */
  private static void assertSameHistory(Repository source, Repository clone) {
    assertThat(EngineSupport.refs(clone)).isEqualTo(EngineSupport.refs(source));
    Map<ObjectId, EngineSupport.Obj> all = EngineSupport.allReachable(source);
    assertThat(all).isNotEmpty();
    EngineSupport.assertHasAll(clone, all);
  }

  /** Asserts the backend's refs under {@code refs/} are the source's (read through the SPI). */
  private static void assertStoredRefs(Storage storage, String id, Repository source) {
    Map<String, ObjectId> stored = new TreeMap<>();
    for (Map.Entry<String, RefValue> e : storage.open(id).orElseThrow().refs().list("refs/").entrySet()) {
      assertThat(e.getValue().isSymbolic()).as("%s is not symbolic", e.getKey()).isFalse();
      stored.put(e.getKey(), e.getValue().objectId());
    }
    assertThat(stored).isEqualTo(EngineSupport.refs(source));
  }

  /**
   * A pushed history (branches, merge, annotated and lightweight tags, binary deltas, symlink,
   * executable) is stored — the backend's refs equal the source's and HEAD links to {@code main}
   * — and a mirror clone gets back every ref and object byte for byte.
   */
  @Test
  public void pushedHistoryClonesBackByteExact() throws Exception {
    Storage storage = newStorage();
    Artifacts artifacts = EngineSupport.artifacts(storage);
    InProcessGit.Server server = serve(artifacts);
    String id = artifacts.createRepository(uniqueId("e2e")).id();
    History h = source().standard();
    Repository src = h.repository();
    Map<ObjectId, EngineSupport.Obj> all = EngineSupport.allReachable(src);
    assertThat(all.values().stream().map(EngineSupport.Obj::type).collect(Collectors.toSet()))
        .as("the generated history has every object type")
        .containsExactlyInAnyOrder(Constants.OBJ_COMMIT, Constants.OBJ_TREE, Constants.OBJ_BLOB, Constants.OBJ_TAG);

    push(src, server.uri(id), ALL_HEADS, ALL_TAGS);
    assertStoredRefs(storage, id, src);
    assertThat(storage.open(id).orElseThrow().refs().get(Constants.HEAD))
        .contains(RefValue.symbolic("refs/heads/main"));
    assertThat(storage.open(id).orElseThrow().objects().listPacks()).isNotEmpty();

    Repository clone = mirrorClone(server.uri(id));
    assertSameHistory(src, clone);
    assertThat(clone.exactRef(Constants.HEAD).getTarget().getName()).isEqualTo("refs/heads/main");

    // And through a fresh engine whose bytes all come from the backend.
    EngineSupport.assertHasAll(EngineSupport.freshView(storage, id), all);
  }

  /**
   * After more pushes (new commits, a new branch, a deleted branch, a moved tag) a fetch into an
   * existing clone brings it level with the source, byte for byte.
   */
  @Test
  public void incrementalFetchBringsTheCloneLevel() throws Exception {
    Storage storage = newStorage();
    Artifacts artifacts = EngineSupport.artifacts(storage);
    InProcessGit.Server server = serve(artifacts);
    String id = artifacts.createRepository(uniqueId("fetch")).id();
    History h = source().standard();
    Repository src = h.repository();
    push(src, server.uri(id), ALL_HEADS, ALL_TAGS);
    Repository clone = mirrorClone(server.uri(id));
    int packsBefore = storage.open(id).orElseThrow().objects().listPacks().size();

    h.commits("refs/heads/main", 4);
    h.commits("refs/heads/topic", 3);
    h.setRef("refs/tags/light", src.exactRef("refs/heads/main").getObjectId());
    ObjectId feature = src.exactRef("refs/heads/feature").getObjectId();
    Git.wrap(src).branchDelete().setBranchNames("refs/heads/feature").setForce(true).call();
    push(src, server.uri(id), ALL_HEADS, ALL_TAGS, new RefSpec(":refs/heads/feature"));
    assertStoredRefs(storage, id, src);
    assertThat(storage.open(id).orElseThrow().objects().listPacks().size()).isGreaterThan(packsBefore);

    Git.wrap(clone).fetch().setRemote("origin").setRemoveDeletedRefs(true).call();
    assertSameHistory(src, clone);
    assertThat(clone.exactRef("refs/heads/feature")).isNull();
    assertThat(clone.getObjectDatabase().has(feature)).as("old objects are still in the clone").isTrue();
  }

  /**
   * A clone of depth 1 has the tip commit with its complete tree, marks it shallow, and does not
   * have the tip's parent.
   */
  @Test
  public void shallowCloneOfDepthOne() throws Exception {
    Storage storage = newStorage();
    Artifacts artifacts = EngineSupport.artifacts(storage);
    InProcessGit.Server server = serve(artifacts);
    String id = artifacts.createRepository(uniqueId("shallow")).id();
    Repository src = source().standard().repository();
    push(src, server.uri(id), ALL_HEADS, ALL_TAGS);

    Repository clone =
        Git.cloneRepository()
            .setURI(server.uri(id))
            .setDirectory(dir("shallow"))
            .setBare(true)
            .setBranchesToClone(List.of("refs/heads/main"))
            .setBranch("refs/heads/main")
            .setNoTags()
            .setDepth(1)
            .call()
            .getRepository();
    locals.add(clone);
    ObjectId tip = src.exactRef("refs/heads/main").getObjectId();
    assertThat(clone.exactRef("refs/heads/main").getObjectId()).isEqualTo(tip);
    assertThat(clone.getObjectDatabase().getShallowCommits()).containsExactly(tip);
    RevCommit tipCommit;
    try (RevWalk rw = new RevWalk(src)) {
      tipCommit = rw.parseCommit(tip);
    }
    Map<ObjectId, EngineSupport.Obj> tipObjects = new HashMap<>();
    EngineSupport.recordReachable(src, tipCommit.getTree(), tipObjects);
    try (ObjectReader r = src.newObjectReader()) {
      tipObjects.put(tip, new EngineSupport.Obj(Constants.OBJ_COMMIT, r.open(tip).getCachedBytes()));
    }
    EngineSupport.assertHasAll(clone, tipObjects);
    try (ObjectReader r = clone.newObjectReader()) {
      for (RevCommit parent : tipCommit.getParents()) {
        assertThat(r.has(parent)).as("parent %s of the shallow tip", parent.name()).isFalse();
      }
    }
  }

  /**
   * A partial clone with filter {@code blob:none} has every commit and tree of the source, byte for
   * byte, and no blob.
   */
  @Test
  public void partialCloneWithoutBlobs() throws Exception {
    Storage storage = newStorage();
    Artifacts artifacts = EngineSupport.artifacts(storage);
    InProcessGit.Server server = serve(artifacts);
    String id = artifacts.createRepository(uniqueId("partial")).id();
    Repository src = source().standard().repository();
    push(src, server.uri(id), ALL_HEADS, ALL_TAGS);

    Repository clone = Git.init().setBare(true).setDirectory(dir("partial")).call().getRepository();
    locals.add(clone);
    try (Transport t = Transport.open(clone, server.uri(id))) {
      t.setFilterSpec(FilterSpec.fromFilterLine("blob:none"));
      t.fetch(NullProgressMonitor.INSTANCE, List.of(ALL_HEADS, ALL_TAGS));
    }
    assertThat(EngineSupport.refs(clone)).isEqualTo(EngineSupport.refs(src));
    Map<ObjectId, EngineSupport.Obj> all = EngineSupport.allReachable(src);
    Map<ObjectId, EngineSupport.Obj> notBlobs = new HashMap<>();
    List<ObjectId> blobs = new ArrayList<>();
    all.forEach((oid, o) -> {
      if (o.type() == Constants.OBJ_BLOB) {
        blobs.add(oid);
      } else {
        notBlobs.put(oid, o);
      }
    });
    EngineSupport.assertHasAll(clone, notBlobs);
    try (ObjectReader r = clone.newObjectReader()) {
      for (ObjectId blob : blobs) {
        assertThat(r.has(blob)).as("blob %s in a blob:none clone", blob.name()).isFalse();
      }
    }
  }

  /**
   * Several pushes (one pack each), then {@link Artifacts#compact}: the backend's packs are
   * replaced, and a clone through a fresh engine still gets everything back byte for byte.
   */
  @Test
  public void compactionKeepsTheHistoryCloneable() throws Exception {
    Storage storage = newStorage();
    Artifacts artifacts = EngineSupport.artifacts(storage);
    InProcessGit.Server server = serve(artifacts);
    String id = artifacts.createRepository(uniqueId("gc")).id();
    History h = source();
    for (int i = 0; i < 4; i++) {
      h.commits("refs/heads/main", 5);
      push(h.repository(), server.uri(id), ALL_HEADS);
    }
    h.annotatedTag("v2", h.repository().exactRef("refs/heads/main").getObjectId());
    push(h.repository(), server.uri(id), ALL_HEADS, ALL_TAGS);
    RepositoryStore store = storage.open(id).orElseThrow();
    Set<String> before = Packs.names(store.objects());
    assertThat(before).hasSizeGreaterThanOrEqualTo(4);

    artifacts.compact(id);
    assertThat(Packs.names(store.objects())).doesNotContainAnyElementsOf(before);

    InProcessGit.Server fresh = serve(artifactsWithFreshCache(storage));
    assertSameHistory(h.repository(), mirrorClone(fresh.uri(id)));
  }

  /**
   * Garbage expiry is live (a repository without forks loses the objects of a deleted branch once
   * the retention has passed) and never reaches a parent with forks: the fork's refs still reach
   * the deleted branch's commits, and a clone of the fork through a fresh engine gets them back
   * byte for byte.
   */
  @Test
  public void garbageExpiryNeverDropsObjectsAForkReaches() throws Exception {
    Storage storage = newStorage();
    Artifacts artifacts =
        Artifacts.builder(storage).autoCompaction(false).garbageRetention(Duration.ofMillis(1)).build();
    InProcessGit.Server server = serve(artifacts);
    String parent = artifacts.createRepository(uniqueId("parent")).id();
    String lonely = artifacts.createRepository(uniqueId("lonely")).id();
    History h = source().standard();
    List<ObjectId> topic = h.commits("refs/heads/topic", 3);
    ObjectId topicTip = topic.get(topic.size() - 1);
    for (String id : List.of(parent, lonely)) {
      push(h.repository(), server.uri(id), ALL_HEADS, ALL_TAGS);
    }
    String child = artifacts.fork(parent, uniqueId("child"), false).id();

    for (String id : List.of(parent, lonely)) {
      push(h.repository(), server.uri(id), new RefSpec(":refs/heads/topic"));
      artifacts.compact(id);
    }
    Thread.sleep(50);
    for (String id : List.of(parent, lonely)) {
      artifacts.compact(id);
    }

    try (ObjectReader reader = EngineSupport.freshView(storage, lonely).newObjectReader()) {
      assertThat(reader.has(topicTip))
          .as("the deleted branch's tip is dropped from a repository without forks")
          .isFalse();
    }
    try (ObjectReader reader = EngineSupport.freshView(storage, parent).newObjectReader()) {
      assertThat(reader.has(topicTip)).as("a parent with forks keeps its garbage").isTrue();
    }
    InProcessGit.Server fresh = serve(artifactsWithFreshCache(storage));
    assertSameHistory(h.repository(), mirrorClone(fresh.uri(child)));
  }

  /**
   * A fork starts with the parent's refs and HEAD and no packs of its own, clones byte for byte
   * like its parent; pushes to the fork never show in the parent; a fork of the fork sees both;
   * compacting the parent (which has forks) keeps every fork cloneable; deleting the parent is
   * refused while forks exist, and a cascade removes the whole tree from the backend.
   */
  @Test
  public void forksShareHistoryAndIsolatePushes() throws Exception {
    Storage storage = newStorage();
    Artifacts artifacts = EngineSupport.artifacts(storage);
    InProcessGit.Server server = serve(artifacts);
    String parent = artifacts.createRepository(uniqueId("parent")).id();
    History h = source().standard();
    Repository src = h.repository();
    push(src, server.uri(parent), ALL_HEADS, ALL_TAGS);
    Map<String, RefValue> parentRefs = storage.open(parent).orElseThrow().refs().list("");
    List<PackDescriptor> parentPacks = storage.open(parent).orElseThrow().objects().listPacks();

    String child = artifacts.fork(parent, uniqueId("child"), false).id();
    RepositoryStore childStore = storage.open(child).orElseThrow();
    assertThat(childStore.parentId()).contains(parent);
    assertThat(childStore.refs().list("")).isEqualTo(parentRefs);
    assertThat(childStore.objects().listPacks()).as("a fork owns no packs").isEmpty();
    assertSameHistory(src, mirrorClone(server.uri(child)));

    // Push to the fork only.
    h.commits("refs/heads/topic", 3);
    push(src, server.uri(child), new RefSpec("refs/heads/topic:refs/heads/topic"));
    assertThat(storage.open(parent).orElseThrow().refs().list("")).isEqualTo(parentRefs);
    assertThat(storage.open(parent).orElseThrow().objects().listPacks())
        .containsExactlyInAnyOrderElementsOf(parentPacks);
    assertThat(childStore.objects().listPacks()).isNotEmpty();
    assertSameHistory(src, mirrorClone(server.uri(child)));
    Repository parentClone = mirrorClone(server.uri(parent));
    assertThat(parentClone.exactRef("refs/heads/topic")).isNull();

    String grandchild = artifacts.fork(child, uniqueId("grandchild"), false).id();
    assertThat(storage.open(grandchild).orElseThrow().parentId()).contains(child);
    assertSameHistory(src, mirrorClone(server.uri(grandchild)));

    // Compaction of the parent and of the child keeps all three cloneable (fresh engine).
    artifacts.compact(parent);
    artifacts.compact(child);
    InProcessGit.Server fresh = serve(artifactsWithFreshCache(storage));
    assertSameHistory(src, mirrorClone(fresh.uri(grandchild)));
    assertSameHistory(src, mirrorClone(fresh.uri(child)));
    Repository parentAgain = mirrorClone(fresh.uri(parent));
    assertThat(EngineSupport.refs(parentAgain)).isEqualTo(EngineSupport.refs(parentClone));

    assertThatThrownBy(() -> artifacts.deleteRepository(parent))
        .isInstanceOf(ArtifactsException.class);
    assertThat(storage.open(parent)).isPresent();
    assertThat(artifacts.deleteRepository(parent, true)).isTrue();
    assertThat(storage.open(parent)).isEmpty();
    assertThat(storage.open(child)).isEmpty();
    assertThat(storage.open(grandchild)).isEmpty();
    assertThat(storage.list(null, 100)).doesNotContain(parent, child, grandchild);
  }

  /**
   * A read-only fork (the flag is stored by the backend) can be cloned but refuses pushes; its refs
   * in the backend do not move.
   */
  @Test
  public void readOnlyForkRefusesPushes() throws Exception {
    Storage storage = newStorage();
    Artifacts artifacts = EngineSupport.artifacts(storage);
    InProcessGit.Server server = serve(artifacts);
    String parent = artifacts.createRepository(uniqueId("ro-parent")).id();
    History h = source().standard();
    push(h.repository(), server.uri(parent), ALL_HEADS, ALL_TAGS);
    String ro = artifacts.fork(parent, uniqueId("ro"), true).id();
    assertThat(storage.open(ro).orElseThrow().readOnly()).isTrue();
    assertThat(artifacts.isReadOnly(ro)).isTrue();
    Map<String, RefValue> before = storage.open(ro).orElseThrow().refs().list("");
    assertSameHistory(h.repository(), mirrorClone(server.uri(ro)));

    h.commits("refs/heads/main", 1);
    boolean refused;
    try {
      Iterable<PushResult> results =
          Git.wrap(h.repository()).push().setRemote(server.uri(ro)).setRefSpecs(ALL_HEADS).call();
      refused = false;
      for (PushResult r : results) {
        for (RemoteRefUpdate u : r.getRemoteUpdates()) {
          refused |= u.getStatus() != RemoteRefUpdate.Status.OK;
        }
      }
    } catch (org.eclipse.jgit.api.errors.GitAPIException e) {
      refused = true;
    }
    assertThat(refused).as("a push to a read-only fork is refused").isTrue();
    assertThat(storage.open(ro).orElseThrow().refs().list("")).isEqualTo(before);
    assertThat(storage.open(ro).orElseThrow().objects().listPacks()).isEmpty();
  }

  /**
   * ({@link Capability#REOPEN}) After the engine and the storage are closed and the storage is
   * reopened, a new engine serves the same history, byte for byte, for the original and its
   * read-only fork.
   */
  @Test
  public void reopenedStorageServesTheSameHistory() throws Exception {
    requireCapability(Capability.REOPEN);
    Storage storage = newStorage();
    Artifacts artifacts = EngineSupport.artifacts(storage);
    InProcessGit.Server server = serve(artifacts);
    String id = artifacts.createRepository(uniqueId("durable")).id();
    History h = source().standard();
    push(h.repository(), server.uri(id), ALL_HEADS, ALL_TAGS);
    String fork = artifacts.fork(id, uniqueId("durable-fork"), true).id();
    artifacts.compact(id);
    artifacts.close();

    Storage again = closeAndReopen(storage);
    assertThat(again.open(fork).orElseThrow().parentId()).contains(id);
    assertThat(again.open(fork).orElseThrow().readOnly()).isTrue();
    InProcessGit.Server reopened = serve(artifactsWithFreshCache(again));
    assertSameHistory(h.repository(), mirrorClone(reopened.uri(id)));
    assertSameHistory(h.repository(), mirrorClone(reopened.uri(fork)));
  }

  private static Artifacts artifactsWithFreshCache(Storage storage) {
    org.eclipse.jgit.internal.storage.dfs.DfsBlockCache.reconfigure(
        new org.eclipse.jgit.internal.storage.dfs.DfsBlockCacheConfig());
    return EngineSupport.artifacts(storage);
  }
}
