package dev.artifacts.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * REST commits and merges over real HTTP against the runnable jar's server, checked with the
 * stock git CLI: create a branch, CAS on the parent, contents and modes git sees, delete, push
 * then commit, and every merge strategy. One subclass per backend.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
abstract class RestCommitEndToEndTestBase {
  @TempDir Path tmp;

  ArtifactsServer server;
  RestHarness rest;
  GitE2e g;
  String admin;

  /** @return {@code fs}, {@code sqlite} or {@code mem} */
  abstract String backend();

  @BeforeEach
  void start() throws Exception {
    Files.createDirectories(tmp.resolve("data"));
    server = ArtifactsServer.start(new ServerConfig(tmp.resolve("data"), backend(), "127.0.0.1", 0, null));
    rest = RestHarness.of(server);
    g = new GitE2e(tmp.resolve("work"));
    admin = server.adminToken();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  static Map<String, Object> write(String path, String content) {
    return Map.of("op", "write", "path", path, "content", content);
  }

  static Map<String, Object> delete(String path) {
    return Map.of("op", "delete", "path", path);
  }

  static Map<String, Object> commitBody(String branch, String parent, String message, List<?> changes) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("branch", branch);
    body.put("parent", parent);
    body.put("message", message);
    body.put("changes", changes);
    return body;
  }

  RestHarness.Answer commit(String repo, String token, String branch, String parent, List<?> changes) {
    return rest.post("/v1/repos/" + repo + "/commits", token, commitBody(branch, parent, "msg", changes));
  }

  String commitOk(String repo, String branch, String parent, List<?> changes) {
    Map<String, Object> out = commit(repo, admin, branch, parent, changes).expect(201).json();
    return (String) out.get("commit");
  }

  /** {@code git ls-tree -r} of {@code rev} in {@code dir}: path to "mode type id". */
  Map<String, String> lsTree(Path dir, String rev) {
    Map<String, String> out = new HashMap<>();
    for (String line : g.gitOk(dir, "ls-tree", "-r", rev).stdout().split("\n")) {
      if (!line.isBlank()) {
        int tab = line.indexOf('\t');
        out.put(line.substring(tab + 1), line.substring(0, tab));
      }
    }
    return out;
  }

  @Test
  void createBranchThenCommitWithParentCasAndGitCloneSeesExactFilesAndModes() throws Exception {
    Map<String, Object> created = rest.createRepo("docs");
    Map<String, Object> first =
        rest.post(
                "/v1/repos/docs/commits",
                admin,
                commitBody(
                    "main",
                    null,
                    "first\n",
                    List.of(
                        write("README.md", "hello\n"),
                        Map.of("op", "write", "path", "bin/run.sh", "content", "#!/bin/sh\necho hi\n", "mode", "100755"),
                        Map.of("op", "write", "path", "link", "content", "README.md", "mode", "120000"),
                        Map.of(
                            "op", "write",
                            "path", "data/blob.bin",
                            "contentBase64", Base64.getEncoder().encodeToString(new byte[] {0, 1, 2, (byte) 255})))))
            .expect(201)
            .json();
    String c1 = (String) first.get("commit");
    assertThat(first.get("branch")).isEqualTo("refs/heads/main");
    assertThat(c1).matches("[0-9a-f]{40}");
    assertThat((String) first.get("tree")).matches("[0-9a-f]{40}");

    // second commit right after the first, on top of it (parent CAS), accepting the full ref name
    Map<String, Object> second =
        rest.post(
                "/v1/repos/docs/commits",
                admin,
                commitBody(
                    "refs/heads/main",
                    c1,
                    "second",
                    List.of(write("docs/guide.md", "guide\n"), delete("data/blob.bin"))))
            .expect(201)
            .json();
    String c2 = (String) second.get("commit");

    // a stale parent is refused with expected and current
    RestHarness.Answer stale = commit("docs", admin, "main", c1, List.of(write("x", "x")));
    stale.expect(409);
    assertThat(stale.errorCode()).isEqualTo("ref_conflict");
    assertThat(stale.error().get("expected")).isEqualTo(c1);
    assertThat(stale.error().get("current")).isEqualTo(c2);
    // parent null on an existing branch is a conflict too
    RestHarness.Answer exists = commit("docs", admin, "main", null, List.of(write("x", "x")));
    exists.expect(409);
    assertThat(exists.error().get("expected")).isNull();
    assertThat(exists.error().get("current")).isEqualTo(c2);

    Path clone = g.newDir("clone");
    g.gitOk(g.root(), "clone", "-q", (String) created.get("remote"), clone.toString());
    assertThat(g.rev(clone, "HEAD")).isEqualTo(c2);
    assertThat(g.rev(clone, "HEAD^")).isEqualTo(c1);
    Map<String, String> tree = lsTree(clone, "HEAD");
    assertThat(tree.keySet()).containsExactlyInAnyOrder("README.md", "bin/run.sh", "link", "docs/guide.md");
    assertThat(tree.get("README.md")).startsWith("100644 blob");
    assertThat(tree.get("bin/run.sh")).startsWith("100755 blob");
    assertThat(tree.get("link")).startsWith("120000 blob");
    assertThat(GitE2e.readFile(clone.resolve("README.md"))).isEqualTo("hello\n");
    assertThat(GitE2e.readFile(clone.resolve("bin/run.sh"))).isEqualTo("#!/bin/sh\necho hi\n");
    assertThat(Files.isSymbolicLink(clone.resolve("link"))).isTrue();
    assertThat(Files.readSymbolicLink(clone.resolve("link")).toString()).isEqualTo("README.md");
    assertThat(g.rev(clone, "HEAD^:data/blob.bin"))
        .isEqualTo(
            new org.eclipse.jgit.lib.ObjectInserter.Formatter()
                .idFor(org.eclipse.jgit.lib.Constants.OBJ_BLOB, new byte[] {0, 1, 2, (byte) 255})
                .name());
    assertThat(g.gitOk(clone, "log", "-1", "--format=%s", "HEAD").out()).isEqualTo("second");
    g.gitOk(clone, "fsck", "--strict");

    // the next commit is visible to git fetch at once
    String c3 = commitOk("docs", "main", c2, List.of(write("README.md", "changed\n")));
    g.gitOk(clone, "fetch", "-q", "origin");
    assertThat(g.rev(clone, "origin/main")).isEqualTo(c3);
    assertThat(g.gitOk(clone, "show", "origin/main:README.md").stdout()).isEqualTo("changed\n");
  }

  @Test
  void pushWithGitThenRestCommitOnTopThenPushOnTopOfThat() {
    Map<String, Object> created = rest.createRepo("mixed");
    Path work = g.initRepo("mixed", (String) created.get("remote"));
    String pushed = g.commit(work, "pushed", Map.of("a.txt", "a\n"));
    g.gitOk(work, "push", "-q", "origin", "main");

    String viaRest = commitOk("mixed", "main", pushed, List.of(write("b.txt", "b\n")));
    // a second REST commit at once: the first one's pack must be readable already
    String again = commitOk("mixed", "main", viaRest, List.of(write("c.txt", "c\n")));

    g.gitOk(work, "pull", "-q", "--ff-only", "origin", "main");
    assertThat(g.rev(work, "HEAD")).isEqualTo(again);
    assertThat(GitE2e.readFile(work.resolve("b.txt"))).isEqualTo("b\n");
    String pushedAgain = g.commit(work, "pushed again", Map.of("d.txt", "d\n"));
    g.gitOk(work, "push", "-q", "origin", "main");

    RestHarness.Answer stale = commit("mixed", admin, "main", again, List.of(write("e.txt", "e")));
    stale.expect(409);
    assertThat(stale.error().get("current")).isEqualTo(pushedAgain);
    commitOk("mixed", "main", pushedAgain, List.of(write("e.txt", "e")));
  }

  @Test
  void manyCommitsInARowStayReadableAcrossBackgroundCompaction() {
    Map<String, Object> created = rest.createRepo("many");
    String parent = null;
    for (int i = 0; i < 30; i++) {
      parent = commitOk("many", "main", parent, List.of(write("f" + (i % 5) + ".txt", "v" + i + "\n")));
    }
    Path clone = g.newDir("clone");
    g.gitOk(g.root(), "clone", "-q", (String) created.get("remote"), clone.toString());
    assertThat(g.rev(clone, "HEAD")).isEqualTo(parent);
    assertThat(g.gitOk(clone, "rev-list", "--count", "HEAD").out()).isEqualTo("30");
    g.gitOk(clone, "fsck", "--strict");
    rest.post("/v1/repos/many/compact", admin, Map.of()).expect(200);
    commitOk("many", "main", parent, List.of(write("after.txt", "after\n")));
  }

  RestHarness.Answer merge(String repo, String source, String target, String strategy) {
    return rest.post(
        "/v1/repos/" + repo + "/merge", admin, Map.of("source", source, "target", target, "strategy", strategy));
  }

  @Test
  void mergeFastForwardThreeWayFfOnlyConflictAndUpToDate() {
    Map<String, Object> created = rest.createRepo("m");
    String remote = (String) created.get("remote");
    String base = commitOk("m", "main", null, List.of(write("a.txt", "a\n"), write("shared.txt", "1\n2\n3\n")));
    Path work = g.newDir("work");
    g.gitOk(g.root(), "clone", "-q", remote, work.toString());
    g.gitOk(work, "checkout", "-q", "-b", "feature");
    String feature = g.commit(work, "feature", Map.of("b.txt", "b\n"));
    g.gitOk(work, "push", "-q", "origin", "feature");

    // fast-forward
    Map<String, Object> ff = merge("m", "feature", "main", "auto").expect(200).json();
    assertThat(ff.get("commit")).isEqualTo(feature);
    assertThat(ff.get("target")).isEqualTo("refs/heads/main");
    assertThat(ff.get("fastForward")).isEqualTo(true);
    assertThat(ff.get("upToDate")).isEqualTo(false);

    // already up to date: the unchanged commit, whatever the strategy
    for (String strategy : List.of("auto", "ff-only", "merge")) {
      Map<String, Object> same = merge("m", "feature", "main", strategy).expect(200).json();
      assertThat(same.get("commit")).isEqualTo(feature);
      assertThat(same.get("upToDate")).isEqualTo(true);
      assertThat(same.get("fastForward")).isEqualTo(false);
    }

    // diverge: main gets a REST commit, feature gets a pushed commit
    String mainTip = commitOk("m", "main", feature, List.of(write("c.txt", "c\n")));
    String feature2 = g.commit(work, "feature 2", Map.of("d.txt", "d\n"));
    g.gitOk(work, "push", "-q", "origin", "feature");

    RestHarness.Answer refused = merge("m", "feature", "main", "ff-only").expect(409);
    assertThat(refused.errorCode()).isEqualTo("not_fast_forward");

    // three-way merge commit
    Map<String, Object> merged = merge("m", "refs/heads/feature", "main", "auto").expect(200).json();
    String mergeCommit = (String) merged.get("commit");
    assertThat(merged.get("fastForward")).isEqualTo(false);
    assertThat(merged.get("upToDate")).isEqualTo(false);
    g.gitOk(work, "fetch", "-q", "origin");
    assertThat(g.rev(work, "origin/main")).isEqualTo(mergeCommit);
    assertThat(g.gitOk(work, "rev-list", "--parents", "-n", "1", "origin/main").out())
        .isEqualTo(mergeCommit + " " + mainTip + " " + feature2);
    assertThat(lsTree(work, "origin/main").keySet())
        .containsExactlyInAnyOrder("a.txt", "b.txt", "c.txt", "d.txt", "shared.txt");

    // strategy merge makes a merge commit even when a fast-forward is possible
    String feature3 = g.commit(work, "feature 3", Map.of("e.txt", "e\n"));
    g.gitOk(work, "merge", "-q", "origin/main");
    String feature3b = g.rev(work, "HEAD");
    g.gitOk(work, "push", "-q", "origin", "feature");
    Map<String, Object> forced = merge("m", "feature", "main", "merge").expect(200).json();
    assertThat(forced.get("fastForward")).isEqualTo(false);
    String forcedId = (String) forced.get("commit");
    assertThat(forcedId).isNotEqualTo(feature3b).isNotEqualTo(feature3);
    g.gitOk(work, "fetch", "-q", "origin");
    assertThat(g.gitOk(work, "rev-list", "--parents", "-n", "1", "origin/main").out())
        .isEqualTo(forcedId + " " + mergeCommit + " " + feature3b);

    // conflict: both sides change the same line; main does not move
    g.gitOk(work, "reset", "-q", "--hard", "origin/main");
    g.commit(work, "feature edits shared", Map.of("shared.txt", "1\nfeature\n3\n"));
    g.gitOk(work, "push", "-q", "-f", "origin", "HEAD:feature");
    String mainBefore = commitOk("m", "main", forcedId, List.of(write("shared.txt", "1\nmain\n3\n")));
    RestHarness.Answer conflict = merge("m", "feature", "main", "auto").expect(409);
    assertThat(conflict.errorCode()).isEqualTo("merge_conflict");
    assertThat(conflict.error().get("paths")).isEqualTo(List.of("shared.txt"));
    assertThat(g.lsRemote(remote).get("refs/heads/main")).isEqualTo(mainBefore);

    // unknown source or target
    assertThat(merge("m", "nope", "main", "auto").expect(404).errorCode()).isEqualTo("not_found");
    assertThat(merge("m", "feature", "nope", "auto").expect(404).errorCode()).isEqualTo("not_found");
    assertThat(merge("m", "feature", "main", "octopus").expect(400).errorCode()).isEqualTo("invalid_strategy");
  }
}
