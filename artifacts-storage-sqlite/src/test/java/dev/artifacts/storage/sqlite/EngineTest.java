package dev.artifacts.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.Artifacts;
import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.RepositoryStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.internal.storage.dfs.DfsRepositoryDescription;
import org.eclipse.jgit.internal.storage.dfs.InMemoryRepository;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TestProtocol;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UploadPack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine on this backend: pushes and clones through JGit's DFS layer (whose block cache
 * reads 64 KiB chunks), forks reading their parent's packs, compaction retiring packs, and a
 * restart serving everything from the database file.
 */
class EngineTest {
  @TempDir Path dir;

  private TestProtocol<Object> protocol;
  private Artifacts artifacts;

  @BeforeEach
  void registerProtocol() {
    protocol =
        new TestProtocol<>((req, db) -> new UploadPack(db), (req, db) -> new ReceivePack(db));
    Transport.register(protocol);
  }

  @AfterEach
  void unregister() {
    Transport.unregister(protocol);
    if (artifacts != null) {
      artifacts.close();
    }
  }

  private Artifacts start() {
    // a fresh block cache: reads must come from the database, not from blocks cached before
    artifacts =
        Artifacts.builder(SqliteStorage.open(dir.resolve("artifacts.db")))
            .blockCacheBytes(4L << 20)
            .autoCompaction(false)
            .build();
    return artifacts;
  }

  private URIish uri(String id) {
    Repository repo = artifacts.repository(id).orElseThrow();
    return protocol.register(new Object(), repo);
  }

  /** Commits a tree with {@code files} (name to content) on top of {@code parent}. */
  private static ObjectId commit(Repository repo, ObjectId parent, String message, byte[]... files)
      throws Exception {
    try (ObjectInserter ins = repo.newObjectInserter()) {
      TreeFormatter tree = new TreeFormatter();
      for (int i = 0; i < files.length; i++) {
        tree.append("f" + i, FileMode.REGULAR_FILE, ins.insert(Constants.OBJ_BLOB, files[i]));
      }
      CommitBuilder c = new CommitBuilder();
      c.setTreeId(ins.insert(tree));
      if (parent != null) {
        c.setParentId(parent);
      }
      PersonIdent who = new PersonIdent("t", "t@example.com", 1_700_000_000_000L, 0);
      c.setAuthor(who);
      c.setCommitter(who);
      c.setMessage(message);
      ObjectId id = ins.insert(c);
      ins.flush();
      RefUpdate u = repo.updateRef("refs/heads/main");
      u.setNewObjectId(id);
      u.setForceUpdate(true);
      u.update();
      return id;
    }
  }

  private static InMemoryRepository client(String name) {
    return new InMemoryRepository(new DfsRepositoryDescription(name));
  }

  private void push(Repository from, String id) throws Exception {
    var results =
        Git.wrap(from)
            .push()
            .setRemote(uri(id).toString())
            .setRefSpecs(new RefSpec("refs/heads/main:refs/heads/main"))
            .call();
    results.forEach(
        r ->
            r.getRemoteUpdates()
                .forEach(u -> assertThat(u.getStatus().name()).isEqualTo("OK")));
  }

  private InMemoryRepository cloneOf(String id) throws Exception {
    InMemoryRepository to = client("clone-" + id);
    Git.wrap(to)
        .fetch()
        .setRemote(uri(id).toString())
        .setRefSpecs(new RefSpec("+refs/heads/*:refs/heads/*"))
        .call();
    return to;
  }

  private static byte[] blob(Repository repo, String path) throws Exception {
    ObjectId head = repo.resolve("refs/heads/main^{tree}");
    try (var walk = org.eclipse.jgit.treewalk.TreeWalk.forPath(repo, path, head)) {
      return repo.open(walk.getObjectId(0)).getBytes();
    }
  }

  @Test
  void pushCloneForkCompactAndRestart() throws Exception {
    byte[] big = TestSupport.randomBytes(3_000_000, 1); // incompressible: ~46 chunks
    byte[] small = "hello\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] forkOnly = TestSupport.randomBytes(200_000, 2);
    InMemoryRepository local = client("local");
    ObjectId c1 = commit(local, null, "first", big, small);

    start();
    artifacts.createRepository("src");
    push(local, "src");
    RepositoryStore src = artifacts.storage().open("src").orElseThrow();
    assertThat(src.objects().listPacks()).isNotEmpty();
    assertThat(blob(cloneOf("src"), "f0")).isEqualTo(big);

    // a fork shares the parent's packs: it clones fine owning none
    artifacts.fork("src", "fork", false);
    RepositoryStore fork = artifacts.storage().open("fork").orElseThrow();
    assertThat(fork.objects().listPacks()).isEmpty();
    InMemoryRepository forkClone = cloneOf("fork");
    assertThat(forkClone.resolve("refs/heads/main")).isEqualTo(c1);
    assertThat(blob(forkClone, "f0")).isEqualTo(big);

    // pushing to the fork adds a pack of the fork only; the parent does not move
    ObjectId c2 = commit(forkClone, c1, "fork work", big, small, forkOnly);
    push(forkClone, "fork");
    assertThat(fork.objects().listPacks()).hasSize(1);
    assertThat(cloneOf("src").resolve("refs/heads/main")).isEqualTo(c1);
    assertThat(blob(cloneOf("fork"), "f2")).isEqualTo(forkOnly);

    // a second push to the parent, then compaction replaces its packs
    ObjectId c3 = commit(local, c1, "second", big, TestSupport.randomBytes(100_000, 3));
    push(local, "src");
    Set<String> before =
        src.objects().listPacks().stream().map(PackDescriptor::name).collect(Collectors.toSet());
    assertThat(before).hasSizeGreaterThanOrEqualTo(2);
    artifacts.compact("src");
    Set<String> after =
        src.objects().listPacks().stream().map(PackDescriptor::name).collect(Collectors.toSet());
    assertThat(after).doesNotContainAnyElementsOf(before);
    assertThat(blob(cloneOf("src"), "f0")).isEqualTo(big);
    assertThat(cloneOf("src").resolve("refs/heads/main")).isEqualTo(c3);
    assertThat(blob(cloneOf("fork"), "f2")).isEqualTo(forkOnly);
    artifacts.compact("fork");
    assertThat(blob(cloneOf("fork"), "f0")).isEqualTo(big);

    // restart: everything is served from the database file
    artifacts.close();
    start();
    InMemoryRepository again = cloneOf("src");
    assertThat(again.resolve("refs/heads/main")).isEqualTo(c3);
    assertThat(blob(again, "f0")).isEqualTo(big);
    InMemoryRepository forkAgain = cloneOf("fork");
    assertThat(forkAgain.resolve("refs/heads/main")).isEqualTo(c2);
    assertThat(blob(forkAgain, "f2")).isEqualTo(forkOnly);
    assertThat(artifacts.storage().forks("src")).containsExactly("fork");
    assertThat(artifacts.storage().open("fork").orElseThrow().parentId()).contains("src");

    // cascade delete: the fork first, then the parent; the file keeps nothing of them
    assertThat(artifacts.deleteRepository("src", true)).isTrue();
    assertThat(artifacts.listRepositories(null, 10)).isEmpty();
    assertThat(TestSupport.queryLong(dir.resolve("artifacts.db"), "SELECT count(*) FROM chunks"))
        .isZero();
    assertThat(List.of("repos", "refs", "packs", "files", "tokens"))
        .allSatisfy(
            t ->
                assertThat(
                        TestSupport.queryLong(
                            dir.resolve("artifacts.db"), "SELECT count(*) FROM " + t))
                    .as(t)
                    .isZero());
  }
}
