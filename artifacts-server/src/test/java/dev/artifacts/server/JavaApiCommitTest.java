package dev.artifacts.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.Artifacts;
import dev.artifacts.ArtifactsException;
import dev.artifacts.repo.CommitRequest;
import dev.artifacts.repo.CommitResult;
import dev.artifacts.repo.FileChange;
import dev.artifacts.repo.MergeRequest;
import dev.artifacts.repo.MergeResult;
import dev.artifacts.repo.MergeStrategy;
import dev.artifacts.repo.Person;
import dev.artifacts.repo.Repo;
import dev.artifacts.storage.mem.InMemoryStorage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.internal.storage.dfs.DfsPackFile;
import org.eclipse.jgit.internal.storage.dfs.DfsRepository;
import org.eclipse.jgit.internal.storage.pack.PackExt;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Repo#commit} and {@link Repo#merge} from Java, and what many small commits do to the
 * pack list: background maintenance merges the tiny packs without a full repack, and every
 * commit stays readable.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class JavaApiCommitTest {

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void manySmallCommitsStayReadableAndTinyPacksAreMergedWithoutAFullRepack() throws Exception {
    try (Artifacts artifacts = Artifacts.builder(new InMemoryStorage()).build()) {
      artifacts.createRepository("r");
      Repo repo = artifacts.repo("r");
      String parent = null;
      for (int i = 0; i < 40; i++) {
        CommitResult r =
            repo.commit(
                new CommitRequest(
                    "main", parent, "c" + i, new Person("Bot", "bot@example.com"),
                    List.of(FileChange.write("f" + (i % 3), utf8("v" + i)))));
        assertThat(r.branch()).isEqualTo("refs/heads/main");
        parent = r.commit();
      }
      DfsRepository git = (DfsRepository) artifacts.repository("r").orElseThrow();
      // maintenance runs in the background; wait until it has brought the pack count down
      List<DfsPackFile> packs = List.of(git.getObjectDatabase().getPacks());
      for (int i = 0; i < 600 && packs.size() >= 8; i++) {
        Thread.sleep(100);
        packs = List.of(git.getObjectDatabase().getPacks());
      }
      assertThat(packs.size()).isLessThan(8);
      // 40 commits of 3 objects each are far below the full-repack threshold: no bitmap written
      assertThat(packs).noneMatch(p -> p.getPackDescription().hasFileExt(PackExt.BITMAP_INDEX));
      try (RevWalk walk = new RevWalk(git)) {
        walk.markStart(walk.parseCommit(ObjectId.fromString(parent)));
        int n = 0;
        for (RevCommit c : walk) {
          try (TreeWalk tw = TreeWalk.forPath(git, "f0", c.getTree())) {
            assertThat(tw).isNotNull();
          }
          n++;
        }
        assertThat(n).isEqualTo(40);
      }
      // a further commit after the merge of packs works
      repo.commit(new CommitRequest("main", parent, "after", null, List.of(FileChange.delete("f1"))));
    }
  }

  @Test
  void mergeFromJavaAndItsRefusals() throws Exception {
    try (Artifacts artifacts = Artifacts.builder(new InMemoryStorage()).build()) {
      artifacts.createRepository("m");
      Repo repo = artifacts.repo("m");
      String base = repo.commit(new CommitRequest("main", null, "base", null, List.of(FileChange.write("a", utf8("1\n"))))).commit();
      Repository git = artifacts.repository("m").orElseThrow();
      // make a side branch at base through the ref database, as a push would
      var ru = git.updateRef("refs/heads/side");
      ru.setNewObjectId(ObjectId.fromString(base));
      ru.update();
      String side = repo.commit(new CommitRequest("side", base, "side", null, List.of(FileChange.write("b", utf8("b"))))).commit();
      String main = repo.commit(new CommitRequest("main", base, "main", null, List.of(FileChange.write("c", utf8("c"))))).commit();

      assertThatThrownBy(() -> repo.merge(new MergeRequest("side", "main", MergeStrategy.FF_ONLY)))
          .isInstanceOfSatisfying(ArtifactsException.class, e -> assertThat(e.code()).isEqualTo("not_fast_forward"));
      MergeResult merged = repo.merge(new MergeRequest("side", "main", MergeStrategy.AUTO, "join", new Person("M", "m@x")));
      assertThat(merged.fastForward()).isFalse();
      assertThat(merged.upToDate()).isFalse();
      try (RevWalk walk = new RevWalk(git)) {
        RevCommit c = walk.parseCommit(ObjectId.fromString(merged.commit()));
        assertThat(c.getParents()).extracting(ObjectId::name).containsExactly(main, side);
        assertThat(c.getFullMessage()).isEqualTo("join");
        assertThat(c.getAuthorIdent().getName()).isEqualTo("M");
      }
      assertThat(repo.merge(new MergeRequest(side, "main", MergeStrategy.MERGE)).upToDate()).isTrue();
      assertThatThrownBy(() -> repo.merge(new MergeRequest("side", "nope", MergeStrategy.AUTO)))
          .isInstanceOfSatisfying(ArtifactsException.class, e -> assertThat(e.kind()).isEqualTo(ArtifactsException.Kind.NOT_FOUND));
    }
  }
}
