package dev.artifacts.server;

import static dev.artifacts.server.GitE2e.FLUSH;
import static dev.artifacts.server.GitE2e.ZERO_ID;
import static dev.artifacts.server.GitE2e.basicAuth;
import static dev.artifacts.server.GitE2e.concat;
import static dev.artifacts.server.GitE2e.pkt;
import static dev.artifacts.server.GitE2e.readFile;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.PushLimits;
import dev.artifacts.TokenScope;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End-to-end tests: the real server on an ephemeral loopback port, driven by the stock {@code git}
 * CLI (and, where git cannot express the case, by raw smart-HTTP requests). Each concrete subclass
 * picks a storage backend; every test here runs on each.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
abstract class GitEndToEndTestBase {

  @TempDir Path tmp;

  protected ArtifactsServer server;
  protected GitE2e g;

  /** "fs" or "mem". */
  protected abstract String storage();

  /** The configuration a test's server starts with. */
  protected ServerConfig config(Path dataDir, String adminToken) {
    return new ServerConfig(dataDir, storage(), "127.0.0.1", 0, adminToken);
  }

  protected Path dataDir() {
    return tmp.resolve("data");
  }

  @BeforeEach
  void startServer() throws Exception {
    Files.createDirectories(dataDir());
    g = new GitE2e(tmp.resolve("work"));
    server = ArtifactsServer.start(config(dataDir(), null));
  }

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  // ------------------------------------------------------------------ helpers

  protected GitE2e.Created newRepo() {
    return GitE2e.createRepo(server.baseUrl(), server.adminToken(), GitE2e.newRepoId("r"));
  }

  /** A local repository with origin = the repo's remote and one commit on main, pushed. */
  protected Path pushedWorkdir(GitE2e.Created repo, Map<String, String> files) {
    Path work = g.initRepo("pusher", repo.remote());
    g.commit(work, "first", files);
    g.gitOk(work, "push", "-q", "origin", "main");
    return work;
  }

  protected static Map<String, String> files(String... pathThenContent) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < pathThenContent.length; i += 2) {
      m.put(pathThenContent[i], pathThenContent[i + 1]);
    }
    return m;
  }

  protected void assertFiles(Path dir, Map<String, String> expected) {
    expected.forEach(
        (path, content) ->
            assertThat(readFile(dir.resolve(path))).as("content of %s in %s", path, dir)
                .isEqualTo(content));
  }

  protected Map<String, String> serverRefs(GitE2e.Created repo) {
    return g.lsRemote(repo.remote());
  }

  // ------------------------------------------------------------------ REST

  @Test
  void healthAnswersOk() {
    HttpResponse<String> r =
        GitE2e.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/health")).build());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(GitE2e.jsonLiteral(r.body(), "ok")).as(r.body()).isEqualTo("true");
  }

  @Test
  void restCreateRepoAnswersRemoteAndToken() {
    GitE2e.Created generated = GitE2e.createRepo(server.baseUrl(), server.adminToken(), null);
    assertThat(generated.id()).matches("[A-Za-z0-9_-]{1,64}");
    assertThat(generated.remote())
        .isEqualTo(GitE2e.remoteUrl(server.baseUrl(), generated.id(), generated.token()));

    String id = GitE2e.newRepoId("named");
    GitE2e.Created named = GitE2e.createRepo(server.baseUrl(), server.adminToken(), id);
    assertThat(named.id()).isEqualTo(id);
    assertThat(named.remote()).isEqualTo(GitE2e.remoteUrl(server.baseUrl(), id, named.token()));
    assertThat(named.remote()).startsWith("http://x:" + named.token() + "@127.0.0.1:"
        + server.port() + "/git/" + id + ".git");
    assertThat(named.token()).isNotEqualTo(generated.token());
  }

  @Test
  void restRejectsDuplicateBadIdAndMissingAdminToken() {
    String id = GitE2e.newRepoId("dup");
    GitE2e.createRepo(server.baseUrl(), server.adminToken(), id);

    HttpResponse<String> dup =
        GitE2e.postRepos(server.baseUrl(), server.adminToken(), "{\"id\":\"" + id + "\"}");
    assertThat(dup.statusCode()).as(dup.body()).isEqualTo(409);
    assertThat(GitE2e.jsonString(dup.body(), "code")).as(dup.body()).isNotBlank();

    HttpResponse<String> bad =
        GitE2e.postRepos(server.baseUrl(), server.adminToken(), "{\"id\":\"bad id!\"}");
    assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
    assertThat(GitE2e.jsonString(bad.body(), "code")).as(bad.body()).isNotBlank();
    assertThat(GitE2e.jsonString(bad.body(), "message")).as(bad.body()).isNotBlank();

    HttpResponse<String> noAuth = GitE2e.postRepos(server.baseUrl(), null, null);
    assertThat(noAuth.statusCode()).as(noAuth.body()).isEqualTo(401);
    HttpResponse<String> wrongAuth =
        GitE2e.postRepos(server.baseUrl(), server.adminToken() + "x", null);
    assertThat(wrongAuth.statusCode()).as(wrongAuth.body()).isEqualTo(401);
  }

  // ------------------------------------------------------------------ clone / push / fetch

  @Test
  void cloneOfEmptyRepository() {
    GitE2e.Created repo = newRepo();
    Path clone = g.newDir("clone");
    GitE2e.Result r = g.gitOk(g.root(), "clone", repo.remote(), clone.toString());
    assertThat(r.stderr()).contains("empty repository");
    assertThat(g.git(clone, "rev-parse", "--verify", "-q", "HEAD").exit()).isNotZero();
    assertThat(serverRefs(repo)).isEmpty();

    // The empty clone is usable: commit and push from it, then a fresh clone matches.
    String head = g.commit(clone, "from empty clone", files("a.txt", "hello\n"));
    g.gitOk(clone, "push", "origin", "main");
    Path second = g.newDir("second");
    g.gitOk(g.root(), "clone", repo.remote(), second.toString());
    assertThat(g.rev(second, "HEAD")).isEqualTo(head);
    assertFiles(second, files("a.txt", "hello\n"));
  }

  @Test
  void pushThenCloneMatches() {
    GitE2e.Created repo = newRepo();
    Map<String, String> content =
        files(
            "README.md", "# hello\n",
            "src/main/App.java", "class App {}\n",
            "deep/a/b/c/d.txt", GitE2e.text("deep", 20_000),
            "unicode-\u00e9.txt", "caf\u00e9 \u2603\n");
    Path work = g.initRepo("pusher", repo.remote());
    g.commit(work, "first", content);
    String head = g.commit(work, "second", files("README.md", "# hello again\n"));
    content.put("README.md", "# hello again\n");
    GitE2e.Result push = g.gitOk(work, "push", "origin", "main");
    assertThat(push.stderr()).contains("main -> main");

    assertThat(serverRefs(repo)).containsEntry("refs/heads/main", head);

    Path clone = g.newDir("clone");
    g.gitOk(g.root(), "clone", repo.remote(), clone.toString());
    assertThat(g.rev(clone, "HEAD")).isEqualTo(head);
    assertThat(g.rev(clone, "HEAD^{tree}")).isEqualTo(g.rev(work, "HEAD^{tree}"));
    assertThat(g.rev(clone, "HEAD~1")).isEqualTo(g.rev(work, "HEAD~1"));
    assertThat(g.gitOk(clone, "symbolic-ref", "HEAD").out()).isEqualTo("refs/heads/main");
    assertFiles(clone, content);
    g.gitOk(clone, "fsck", "--full", "--strict");

    GitE2e.Result symref = g.gitOk(g.root(), "ls-remote", "--symref", repo.remote(), "HEAD");
    assertThat(symref.stdout()).contains("ref: refs/heads/main\tHEAD");
  }

  @ParameterizedTest(name = "protocol v{0}")
  @ValueSource(ints = {0, 1, 2})
  void cloneAndIncrementalFetchWithProtocolVersion(int version) {
    GitE2e.Created repo = newRepo();
    Path work = pushedWorkdir(repo, files("f.txt", "one\n"));
    String first = g.rev(work, "HEAD");
    String pv = "protocol.version=" + version;
    Map<String, String> trace = Map.of("GIT_TRACE_PACKET", "1");

    Path clone = g.newDir("clone-v" + version);
    GitE2e.Result cloned =
        g.gitOkEnv(g.root(), trace, "-c", pv, "clone", repo.remote(), clone.toString());
    assertNegotiated(version, cloned);
    assertThat(g.rev(clone, "HEAD")).isEqualTo(first);
    assertFiles(clone, files("f.txt", "one\n"));

    // Second push, then an incremental fetch over the same protocol version.
    g.commit(work, "second", files("f.txt", "two\n", "g.txt", "new\n"));
    String second = g.commit(work, "third", files("h/i.txt", "three\n"));
    g.gitOk(work, "push", "-q", "origin", "main");

    GitE2e.Result fetched = g.gitOkEnv(clone, trace, "-c", pv, "fetch", "origin");
    assertNegotiated(version, fetched);
    // Incremental: the client told the server what it already has.
    assertThat(fetched.stderr()).contains("have " + first);
    assertThat(g.rev(clone, "refs/remotes/origin/main")).isEqualTo(second);
    g.gitOk(clone, "merge", "--ff-only", "-q", "origin/main");
    assertFiles(clone, files("f.txt", "two\n", "g.txt", "new\n", "h/i.txt", "three\n"));
    g.gitOk(clone, "fsck", "--full");

    // ls-remote over the same version shows the same tip.
    GitE2e.Result ls = g.gitOk(g.root(), "-c", pv, "ls-remote", repo.remote(), "refs/heads/main");
    assertThat(GitE2e.parseRefs(ls.stdout())).containsEntry("refs/heads/main", second);
  }

  private static void assertNegotiated(int version, GitE2e.Result r) {
    if (version == 2) {
      assertThat(r.stderr()).as("server must speak protocol v2\n%s", r.describe())
          .contains("git< version 2");
    } else {
      assertThat(r.stderr()).as("protocol v%d must not be answered with v2", version)
          .doesNotContain("git< version 2");
    }
  }

  // ------------------------------------------------------------------ shallow

  /** Pushes six commits dated 2020-01-01 .. 2020-01-06, 12:00 UTC; returns their ids, oldest first. */
  private List<String> pushDatedHistory(GitE2e.Created repo) {
    Path work = g.initRepo("dated", repo.remote());
    List<String> ids = new ArrayList<>();
    for (int day = 1; day <= 6; day++) {
      ids.add(
          g.commitAt(
              work,
              "day " + day,
              files("log.txt", "day " + day + "\n", "day" + day + ".txt", "d" + day + "\n"),
              String.format("2020-01-%02dT12:00:00+0000", day)));
    }
    g.gitOk(work, "push", "-q", "origin", "main");
    return ids;
  }

  @Test
  void shallowCloneDepthOneThenDeepen() {
    GitE2e.Created repo = newRepo();
    List<String> ids = pushDatedHistory(repo);

    Path clone = g.newDir("shallow");
    g.gitOk(g.root(), "clone", "--depth", "1", repo.remote(), clone.toString());
    assertThat(g.rev(clone, "HEAD")).isEqualTo(ids.get(5));
    assertThat(g.gitOk(clone, "rev-list", "--count", "HEAD").out()).isEqualTo("1");
    assertThat(readFile(clone.resolve(".git/shallow")).strip()).isEqualTo(ids.get(5));
    assertFiles(clone, files("log.txt", "day 6\n", "day1.txt", "d1\n"));

    g.gitOk(clone, "fetch", "--deepen=2");
    assertThat(g.gitOk(clone, "rev-list", "--count", "HEAD").out()).isEqualTo("3");
    assertThat(readFile(clone.resolve(".git/shallow")).strip()).isEqualTo(ids.get(3));
    assertThat(g.rev(clone, "HEAD~2")).isEqualTo(ids.get(3));

    g.gitOk(clone, "fetch", "--unshallow");
    assertThat(g.gitOk(clone, "rev-list", "--count", "HEAD").out()).isEqualTo("6");
    assertThat(Files.exists(clone.resolve(".git/shallow"))).isFalse();
    g.gitOk(clone, "fsck", "--full");
  }

  @ParameterizedTest(name = "protocol v{0}")
  @ValueSource(ints = {0, 2})
  void shallowCloneThenFetchDepthAndUnshallow(int version) {
    GitE2e.Created repo = newRepo();
    List<String> ids = pushDatedHistory(repo);
    String pv = "protocol.version=" + version;

    Path clone = g.newDir("depth");
    g.gitOk(g.root(), "-c", pv, "clone", "--depth", "2", repo.remote(), clone.toString());
    assertThat(g.gitOk(clone, "rev-list", "--count", "HEAD").out()).isEqualTo("2");
    assertThat(readFile(clone.resolve(".git/shallow")).strip()).isEqualTo(ids.get(4));

    g.gitOk(clone, "-c", pv, "fetch", "--depth=4");
    assertThat(g.gitOk(clone, "rev-list", "--count", "HEAD").out()).isEqualTo("4");
    assertThat(readFile(clone.resolve(".git/shallow")).strip()).isEqualTo(ids.get(2));

    g.gitOk(clone, "-c", pv, "fetch", "--unshallow");
    assertThat(g.gitOk(clone, "rev-list", "--count", "HEAD").out()).isEqualTo("6");
    assertThat(Files.exists(clone.resolve(".git/shallow"))).isFalse();
    assertThat(g.rev(clone, "HEAD~5")).isEqualTo(ids.get(0));
    g.gitOk(clone, "fsck", "--full");
  }

  @ParameterizedTest(name = "protocol v{0}")
  @ValueSource(ints = {0, 2})
  void shallowSinceThenDeepen(int version) {
    GitE2e.Created repo = newRepo();
    List<String> ids = pushDatedHistory(repo);

    Path clone = g.newDir("since");
    g.gitOk(
        g.root(), "-c", "protocol.version=" + version, "clone",
        "--shallow-since=2020-01-03 00:00:00 +0000", repo.remote(), clone.toString());
    // Commits of days 3, 4, 5 and 6 only.
    assertThat(g.gitOk(clone, "rev-list", "HEAD").stdout().strip().split("\n"))
        .containsExactly(ids.get(5), ids.get(4), ids.get(3), ids.get(2));
    assertThat(Files.exists(clone.resolve(".git/shallow"))).isTrue();

    g.gitOk(clone, "-c", "protocol.version=" + version, "fetch", "--deepen=2");
    assertThat(g.gitOk(clone, "rev-list", "--count", "HEAD").out()).isEqualTo("6");
    assertThat(g.rev(clone, "HEAD~5")).isEqualTo(ids.get(0));
  }

  // ------------------------------------------------------------------ partial clone

  private static final String SMALL_1 = GitE2e.text("small one", 100);
  private static final String SMALL_2 = GitE2e.text("small two", 120);
  private static final String BIG_1 = GitE2e.text("big one", 6000);
  private static final String BIG_2 = GitE2e.text("big two", 7000);

  /** Two commits: small.txt and big.txt (over 1 KiB) change in each; returns the work dir. */
  private Path pushTwoVersions(GitE2e.Created repo) {
    Path work = g.initRepo("partial", repo.remote());
    g.commit(work, "v1", files("small.txt", SMALL_1, "big.txt", BIG_1, "dir/n.txt", "n1\n"));
    g.commit(work, "v2", files("small.txt", SMALL_2, "big.txt", BIG_2, "dir/n.txt", "n2\n"));
    g.gitOk(work, "push", "-q", "origin", "main");
    return work;
  }

  @Test
  void partialCloneBlobNoneFetchesBlobsLazily() {
    GitE2e.Created repo = newRepo();
    Path work = pushTwoVersions(repo);
    String oldBig = g.rev(work, "HEAD~1:big.txt");
    String oldSmall = g.rev(work, "HEAD~1:small.txt");

    Path clone = g.newDir("blobnone");
    GitE2e.Result r =
        g.gitOk(g.root(), "clone", "--filter=blob:none", repo.remote(), clone.toString());
    assertThat(r.stderr()).doesNotContain("filtering not recognized");
    assertThat(g.gitOk(clone, "config", "remote.origin.promisor").out()).isEqualTo("true");
    // Checkout of HEAD fetched its blobs; the old ones are still missing.
    assertFiles(clone, files("small.txt", SMALL_2, "big.txt", BIG_2, "dir/n.txt", "n2\n"));
    assertThat(g.missingObjects(clone, "--all")).contains(oldBig, oldSmall);

    // A checkout of the old commit fetches the missing blobs on demand.
    g.gitOk(clone, "checkout", "-q", "HEAD~1");
    assertFiles(clone, files("small.txt", SMALL_1, "big.txt", BIG_1, "dir/n.txt", "n1\n"));
    assertThat(g.missingObjects(clone, "--all")).doesNotContain(oldBig, oldSmall);
  }

  @Test
  void partialCloneBlobLimitOmitsOnlyBigBlobs() {
    GitE2e.Created repo = newRepo();
    Path work = pushTwoVersions(repo);
    String big1 = g.rev(work, "HEAD~1:big.txt");
    String big2 = g.rev(work, "HEAD:big.txt");
    String small1 = g.rev(work, "HEAD~1:small.txt");
    String small2 = g.rev(work, "HEAD:small.txt");

    Path clone = g.newDir("blobLimit");
    g.gitOk(
        g.root(), "clone", "--no-checkout", "--filter=blob:limit=1k", repo.remote(),
        clone.toString());
    List<String> missing = g.missingObjects(clone, "--all");
    assertThat(missing).contains(big1, big2).doesNotContain(small1, small2);
    // Small blobs are present without any further fetch.
    assertThat(g.gitOk(clone, "cat-file", "-p", small1).stdout()).isEqualTo(SMALL_1);

    g.gitOk(clone, "reset", "-q", "--hard", "HEAD");
    assertFiles(clone, files("small.txt", SMALL_2, "big.txt", BIG_2, "dir/n.txt", "n2\n"));
    assertThat(g.missingObjects(clone, "--all")).contains(big1).doesNotContain(big2);
    // A single old blob fetched on demand.
    assertThat(g.gitOk(clone, "cat-file", "-p", big1).stdout()).isEqualTo(BIG_1);
    assertThat(g.missingObjects(clone, "--all")).doesNotContain(big1);
  }

  @Test
  void partialCloneTreeZeroFetchesTreesLazily() {
    GitE2e.Created repo = newRepo();
    Path work = pushTwoVersions(repo);
    String oldTree = g.rev(work, "HEAD~1^{tree}");

    Path clone = g.newDir("tree0");
    g.gitOk(g.root(), "clone", "--filter=tree:0", repo.remote(), clone.toString());
    assertFiles(clone, files("small.txt", SMALL_2, "big.txt", BIG_2, "dir/n.txt", "n2\n"));
    assertThat(g.missingObjects(clone, "--all")).contains(oldTree);
    assertThat(g.rev(clone, "HEAD~1")).isEqualTo(g.rev(work, "HEAD~1"));

    g.gitOk(clone, "checkout", "-q", "HEAD~1");
    assertFiles(clone, files("small.txt", SMALL_1, "big.txt", BIG_1, "dir/n.txt", "n1\n"));
    assertThat(g.missingObjects(clone, "--all")).doesNotContain(oldTree);
  }

  // ------------------------------------------------------------------ ref updates

  @Test
  void atomicPushWithOneRejectedRefMovesNothing() {
    GitE2e.Created repo = newRepo();
    Path work = pushedWorkdir(repo, files("a.txt", "a\n"));
    g.gitOk(work, "checkout", "-q", "-b", "feature");
    g.commit(work, "feature 1", files("f.txt", "f1\n"));
    g.gitOk(work, "push", "-q", "origin", "main", "feature");
    Map<String, String> before = serverRefs(repo);
    assertThat(before).containsKeys("refs/heads/main", "refs/heads/feature");

    // feature rewritten (non-fast-forward), main advanced (fast-forward).
    g.gitOk(work, "reset", "-q", "--hard", "HEAD~1");
    g.commit(work, "feature rewritten", files("f.txt", "other\n"));
    g.gitOk(work, "checkout", "-q", "main");
    g.commit(work, "main 2", files("a.txt", "a2\n"));

    GitE2e.Result r = g.gitFails(work, "push", "--atomic", "origin", "main", "feature");
    assertThat(r.stderr()).contains("non-fast-forward").contains("atomic push failed");
    assertThat(serverRefs(repo)).isEqualTo(before);

    // Both valid: both move.
    g.gitOk(work, "branch", "-q", "feature2");
    GitE2e.Result ok = g.gitOk(work, "push", "--atomic", "origin", "main", "feature2");
    assertThat(ok.stderr()).doesNotContain("rejected");
    Map<String, String> after = serverRefs(repo);
    assertThat(after).containsEntry("refs/heads/main", g.rev(work, "main"))
        .containsEntry("refs/heads/feature2", g.rev(work, "main"))
        .containsEntry("refs/heads/feature", before.get("refs/heads/feature"));
  }

  @Test
  void nonFastForwardIsRefusedAndRefUnchanged() {
    GitE2e.Created repo = newRepo();
    Path work = pushedWorkdir(repo, files("a.txt", "a\n"));
    Path other = g.newDir("other");
    g.gitOk(g.root(), "clone", "-q", repo.remote(), other.toString());
    String serverTip = g.commit(other, "from other", files("b.txt", "b\n"));
    g.gitOk(other, "push", "-q", "origin", "main");

    // work does not have serverTip: "fetch first".
    g.commit(work, "diverging", files("c.txt", "c\n"));
    GitE2e.Result r = g.gitFails(work, "push", "origin", "main");
    assertThat(r.stderr()).contains("rejected").containsAnyOf("fetch first", "non-fast-forward");
    assertThat(serverRefs(repo)).containsEntry("refs/heads/main", serverTip);

    // work has serverTip but diverges from it: "non-fast-forward".
    g.gitOk(work, "fetch", "-q", "origin");
    GitE2e.Result r2 = g.gitFails(work, "push", "origin", "main");
    assertThat(r2.stderr()).contains("rejected").contains("non-fast-forward");
    assertThat(serverRefs(repo)).containsEntry("refs/heads/main", serverTip);
  }

  @Test
  void forcePushRewritesHistory() {
    GitE2e.Created repo = newRepo();
    Path work = pushedWorkdir(repo, files("a.txt", "a\n"));
    g.commit(work, "second", files("a.txt", "a2\n"));
    g.gitOk(work, "push", "-q", "origin", "main");

    g.gitOk(work, "reset", "-q", "--hard", "HEAD~1");
    String rewritten = g.commit(work, "rewritten", files("a.txt", "rewritten\n"));
    g.gitFails(work, "push", "origin", "main");
    GitE2e.Result forced = g.gitOk(work, "push", "--force", "origin", "main");
    assertThat(forced.stderr()).contains("(forced update)");
    assertThat(serverRefs(repo)).containsEntry("refs/heads/main", rewritten);

    Path clone = g.newDir("clone");
    g.gitOk(g.root(), "clone", "-q", repo.remote(), clone.toString());
    assertThat(g.rev(clone, "HEAD")).isEqualTo(rewritten);
    assertFiles(clone, files("a.txt", "rewritten\n"));

    // --force-with-lease with the right expectation also works.
    g.gitOk(work, "reset", "-q", "--hard", "HEAD~1");
    String leased = g.commit(work, "leased", files("a.txt", "leased\n"));
    g.gitOk(work, "push", "-q", "--force-with-lease=main:" + rewritten, "origin", "main");
    assertThat(serverRefs(repo)).containsEntry("refs/heads/main", leased);
  }

  @Test
  void deleteBranch() {
    GitE2e.Created repo = newRepo();
    Path work = pushedWorkdir(repo, files("a.txt", "a\n"));
    g.gitOk(work, "push", "-q", "origin", "main:refs/heads/topic");
    assertThat(serverRefs(repo)).containsKeys("refs/heads/main", "refs/heads/topic");

    GitE2e.Result r = g.gitOk(work, "push", "origin", "--delete", "topic");
    assertThat(r.stderr()).contains("[deleted]");
    Map<String, String> refs = serverRefs(repo);
    assertThat(refs).containsKey("refs/heads/main").doesNotContainKey("refs/heads/topic");

    Path clone = g.newDir("clone");
    g.gitOk(g.root(), "clone", "-q", repo.remote(), clone.toString());
    assertThat(g.git(clone, "rev-parse", "--verify", "-q", "refs/remotes/origin/topic").exit())
        .isNotZero();
  }

  @ParameterizedTest(name = "protocol v{0}")
  @ValueSource(ints = {0, 2})
  void annotatedAndLightweightTags(int version) {
    GitE2e.Created repo = newRepo();
    Path work = pushedWorkdir(repo, files("a.txt", "a\n"));
    String commit = g.rev(work, "HEAD");
    g.gitOk(work, "tag", "-a", "v1.0", "-m", "release 1.0");
    g.gitOk(work, "tag", "light");
    String tagObject = g.rev(work, "refs/tags/v1.0");
    assertThat(tagObject).isNotEqualTo(commit);
    g.gitOk(work, "push", "-q", "origin", "--tags");

    GitE2e.Result ls =
        g.gitOk(g.root(), "-c", "protocol.version=" + version, "ls-remote", "--tags",
            repo.remote());
    Map<String, String> tags = GitE2e.parseRefs(ls.stdout());
    assertThat(tags)
        .containsEntry("refs/tags/v1.0", tagObject)
        .containsEntry("refs/tags/v1.0^{}", commit)
        .containsEntry("refs/tags/light", commit)
        .doesNotContainKey("refs/tags/light^{}")
        .hasSize(3);

    Path clone = g.newDir("clone");
    g.gitOk(g.root(), "-c", "protocol.version=" + version, "clone", "-q", repo.remote(),
        clone.toString());
    assertThat(g.gitOk(clone, "tag", "-l").stdout().strip().split("\n"))
        .containsExactlyInAnyOrder("light", "v1.0");
    assertThat(g.gitOk(clone, "cat-file", "-t", "v1.0").out()).isEqualTo("tag");
    assertThat(g.rev(clone, "v1.0")).isEqualTo(tagObject);
    assertThat(g.rev(clone, "v1.0^{commit}")).isEqualTo(commit);
    assertThat(g.rev(clone, "light")).isEqualTo(commit);
    assertThat(g.gitOk(clone, "cat-file", "-p", "v1.0").stdout()).contains("release 1.0");
  }

  @Test
  void pushOptionsAreAccepted() {
    GitE2e.Created repo = newRepo();
    Path work = pushedWorkdir(repo, files("a.txt", "a\n"));
    String head = g.commit(work, "second", files("a.txt", "b\n"));
    GitE2e.Result r =
        g.gitOk(work, "push", "-o", "foo=bar", "-o", "ci.skip", "origin", "main");
    assertThat(r.stderr()).doesNotContain("does not support push options");
    assertThat(serverRefs(repo)).containsEntry("refs/heads/main", head);
  }

  @Test
  void largePushIsSentChunkedAndClonesBack() throws Exception {
    GitE2e.Created repo = newRepo();
    Path work = g.initRepo("large", repo.remote());
    // 3 MiB of incompressible bytes: the pack exceeds git's 1 MiB post buffer, so the
    // receive-pack request goes out with Transfer-Encoding: chunked.
    byte[] data = new byte[3 * 1024 * 1024];
    new java.util.Random(42).nextBytes(data);
    Files.createDirectories(work.resolve("bin"));
    Files.write(work.resolve("bin/random.bin"), data);
    String head = g.commit(work, "large", files("small.txt", "small\n"));
    GitE2e.Result push =
        g.gitOkEnv(work, Map.of("GIT_TRACE_CURL", "1", "GIT_TRACE_CURL_NO_DATA", "1"),
            "push", "origin", "main");
    assertThat(push.stderr()).containsIgnoringCase("Transfer-Encoding: chunked");
    assertThat(serverRefs(repo)).containsEntry("refs/heads/main", head);

    Path clone = g.newDir("clone");
    g.gitOk(g.root(), "clone", "-q", repo.remote(), clone.toString());
    assertThat(g.rev(clone, "HEAD")).isEqualTo(head);
    assertThat(Files.readAllBytes(clone.resolve("bin/random.bin"))).isEqualTo(data);
  }

  // ------------------------------------------------------------------ gzip

  @Test
  void fetchWithManyHavesSendsGzipBody() {
    GitE2e.Created repo = newRepo();
    Path work = pushedWorkdir(repo, files("a.txt", "a\n"));
    Path clone = g.newDir("clone");
    g.gitOk(g.root(), "clone", "-q", repo.remote(), clone.toString());

    // 150 local commits the server never saw, all newer than anything the server has: the
    // negotiation sends them as haves in rounds of 16, 32, 64 before reaching a common commit,
    // and git gzips any upload-pack request body over 1 KiB.
    StringBuilder stream = new StringBuilder();
    for (int i = 1; i <= 150; i++) {
      String data = "local " + i + "\n";
      stream.append("commit refs/heads/local\n")
          .append("committer E2E <e2e@example.invalid> ").append(4_000_000_000L + i)
          .append(" +0000\n")
          .append("data ").append(("c" + i).length()).append("\nc").append(i).append('\n');
      if (i == 1) {
        stream.append("from refs/heads/main\n");
      }
      stream.append("M 100644 inline local.txt\ndata ").append(data.length()).append('\n')
          .append(data).append('\n');
    }
    Path streamFile = g.root().resolve("fast-import-" + System.nanoTime());
    GitE2e.write(streamFile, stream.toString());
    GitE2e.Result imported =
        g.run(clone, Map.of(), streamFile, List.of("git", "fast-import", "--quiet"));
    assertThat(imported.exit()).as(imported.describe()).isZero();

    for (int version : new int[] {2, 0}) {
      String remoteTip = g.commit(work, "server side v" + version, files("s.txt", "v" + version + "\n"));
      g.gitOk(work, "push", "-q", "origin", "main");
      GitE2e.Result r =
          g.gitOkEnv(
              clone,
              Map.of("GIT_TRACE_CURL", "1", "GIT_TRACE_CURL_NO_DATA", "1"),
              "-c", "protocol.version=" + version, "fetch", "origin");
      assertThat(r.stderr()).as("client gzipped a request body (v%d)", version)
          .containsIgnoringCase("Content-Encoding: gzip");
      assertThat(g.rev(clone, "refs/remotes/origin/main")).isEqualTo(remoteTip);
      assertThat(g.gitOk(clone, "cat-file", "-p", remoteTip + ":s.txt").stdout())
          .isEqualTo("v" + version + "\n");
    }
  }

  @Test
  void rawUploadPackWithGzipBody() {
    GitE2e.Created repo = newRepo();
    Path work = pushedWorkdir(repo, files("a.txt", "a\n", "d/b.txt", "b\n"));
    String head = g.rev(work, "HEAD");

    byte[] request =
        concat(
            pkt("want " + head + " side-band-64k ofs-delta\n"),
            FLUSH,
            pkt("done\n"));
    HttpResponse<byte[]> resp =
        GitE2e.sendBytes(
            HttpRequest.newBuilder(
                    URI.create(GitE2e.anonymousUrl(server.baseUrl(), repo.id())
                        + "/git-upload-pack"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", basicAuth("x", repo.token()))
                .header("Content-Type", "application/x-git-upload-pack-request")
                .header("Accept", "application/x-git-upload-pack-result")
                .header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(GitE2e.gzip(request)))
                .build());
    String asText = new String(resp.body(), StandardCharsets.ISO_8859_1);
    assertThat(resp.statusCode()).as(asText).isEqualTo(200);
    assertThat(resp.headers().firstValue("Content-Type")).hasValue(
        "application/x-git-upload-pack-result");

    List<GitE2e.Pkt> pkts = GitE2e.parsePkts(resp.body());
    assertThat(pkts).isNotEmpty();
    assertThat(pkts.get(0).text()).isEqualTo("NAK\n");
    ByteArrayOutputStream pack = new ByteArrayOutputStream();
    for (GitE2e.Pkt p : pkts.subList(1, pkts.size())) {
      if (p.payload() == null) {
        continue;
      }
      int band = p.payload()[0];
      assertThat(band).as("side-band error: %s", p.text()).isNotEqualTo(3);
      if (band == 1) {
        pack.write(p.payload(), 1, p.payload().length - 1);
      }
    }
    byte[] packBytes = pack.toByteArray();
    assertThat(new String(packBytes, 0, Math.min(4, packBytes.length), StandardCharsets.US_ASCII))
        .isEqualTo("PACK");

    // The pack is complete: index it into an empty repository and walk everything.
    Path bare = g.newDir("indexed");
    g.gitOk(g.root(), "init", "-q", "--bare", bare.toString());
    Path packFile = g.root().resolve("received-" + System.nanoTime() + ".pack");
    try {
      Files.write(packFile, packBytes);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    GitE2e.Result idx =
        g.run(bare, Map.of(), packFile, List.of("git", "index-pack", "--stdin", "--strict"));
    assertThat(idx.exit()).as(idx.describe()).isZero();
    g.gitOk(bare, "update-ref", "refs/heads/main", head);
    g.gitOk(bare, "fsck", "--full", "--strict");
    assertThat(g.gitOk(bare, "cat-file", "-p", head + ":d/b.txt").stdout()).isEqualTo("b\n");
  }

  // ------------------------------------------------------------------ auth and errors

  @Test
  void cloneWithoutCredentialsFailsWithoutHanging() {
    GitE2e.Created repo = newRepo();
    pushedWorkdir(repo, files("a.txt", "a\n"));
    String anonymous = GitE2e.anonymousUrl(server.baseUrl(), repo.id());

    GitE2e.Result r =
        g.gitFails(g.root(), "-c", "credential.helper=", "clone", anonymous,
            g.newDir("anon").toString());
    assertThat(r.stderr()).containsAnyOf("terminal prompts disabled", "Authentication failed",
        "could not read Username");

    GitE2e.Result ls =
        g.gitFails(g.root(), "-c", "credential.helper=", "ls-remote", anonymous);
    assertThat(ls.stderr()).containsAnyOf("terminal prompts disabled", "Authentication failed",
        "could not read Username");
  }

  @Test
  void wrongTokenIsRejectedForCloneAndPush() {
    GitE2e.Created repo = newRepo();
    Path work = pushedWorkdir(repo, files("a.txt", "a\n"));
    String before = g.rev(work, "HEAD");
    String wrong = GitE2e.remoteUrl(server.baseUrl(), repo.id(), repo.token() + "nope");

    GitE2e.Result clone =
        g.gitFails(g.root(), "-c", "credential.helper=", "clone", wrong,
            g.newDir("bad").toString());
    assertThat(clone.stderr()).contains("Authentication failed");

    g.commit(work, "second", files("a.txt", "b\n"));
    GitE2e.Result push =
        g.gitFails(work, "-c", "credential.helper=", "push", wrong, "main");
    assertThat(push.stderr()).contains("Authentication failed");
    assertThat(serverRefs(repo)).containsEntry("refs/heads/main", before);

    // Another repository's token does not open this one.
    GitE2e.Created other = newRepo();
    String crossed = GitE2e.remoteUrl(server.baseUrl(), repo.id(), other.token());
    GitE2e.Result cross = g.gitFails(g.root(), "-c", "credential.helper=", "ls-remote", crossed);
    assertThat(cross.stderr()).doesNotContain(before);
  }

  @Test
  void rawInfoRefsWithoutCredentialsIs401WithBasicChallenge() {
    GitE2e.Created repo = newRepo();
    String url = GitE2e.anonymousUrl(server.baseUrl(), repo.id());
    for (String service : List.of("git-upload-pack", "git-receive-pack")) {
      HttpResponse<String> r =
          GitE2e.send(HttpRequest.newBuilder(URI.create(url + "/info/refs?service=" + service))
              .timeout(Duration.ofSeconds(30)).build());
      assertThat(r.statusCode()).as("%s: %s", service, r.body()).isEqualTo(401);
      assertThat(r.headers().firstValue("WWW-Authenticate")).as(service).isPresent();
      assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWithIgnoringCase(
          "Basic");

      HttpResponse<String> wrong =
          GitE2e.send(HttpRequest.newBuilder(URI.create(url + "/info/refs?service=" + service))
              .header("Authorization", basicAuth("x", "not-a-token"))
              .timeout(Duration.ofSeconds(30)).build());
      assertThat(wrong.statusCode()).as("%s: %s", service, wrong.body()).isEqualTo(401);

      HttpResponse<String> good =
          GitE2e.send(HttpRequest.newBuilder(URI.create(url + "/info/refs?service=" + service))
              .header("Authorization", basicAuth("x", repo.token()))
              .timeout(Duration.ofSeconds(30)).build());
      assertThat(good.statusCode()).as("%s: %s", service, good.body()).isEqualTo(200);
      assertThat(good.headers().firstValue("Content-Type"))
          .hasValue("application/x-" + service + "-advertisement");
      String first = "# service=" + service + "\n";
      assertThat(good.body()).startsWith(String.format("%04x", first.length() + 4) + first);
    }
  }

  @Test
  void cloneShowsRemoteProgressOnStderr() {
    GitE2e.Created repo = newRepo();
    Map<String, String> many = new LinkedHashMap<>();
    for (int i = 0; i < 200; i++) {
      many.put("dir" + (i % 10) + "/file" + i + ".txt", GitE2e.text("file " + i, 500 + i));
    }
    pushedWorkdir(repo, many);

    Path clone = g.newDir("progress");
    GitE2e.Result r =
        g.gitOk(g.root(), "clone", "--progress", repo.remote(), clone.toString());
    List<String> remoteLines =
        r.stderr().lines().flatMap(l -> List.of(l.split("\r")).stream())
            .filter(l -> l.startsWith("remote: ")).toList();
    assertThat(remoteLines).as("side-band progress lines\n%s", r.stderr()).isNotEmpty();
    assertThat(String.join("\n", remoteLines))
        .containsAnyOf("Counting objects", "Enumerating objects", "Compressing objects",
            "Finding sources", "Total ");
    assertFiles(clone, many);
  }

  @Test
  void cloneOfUnknownRepositoryGivesCleanError() {
    GitE2e.Created repo = newRepo();
    String missingId = "no-such-repo-" + System.nanoTime();
    // With another repository's token: refused (404 or 403) with a message from the server.
    String unknown = GitE2e.remoteUrl(server.baseUrl(), missingId, repo.token());
    GitE2e.Result r =
        g.gitFails(g.root(), "-c", "credential.helper=", "clone", unknown,
            g.newDir("unknown").toString());
    // Another repository's token: refused with 403 whether or not the id exists, so the answer
    // does not reveal which ids exist.
    assertThat(r.stderr()).as(r.describe())
        .contains("do not grant access")
        .doesNotContain("error: 500")
        .doesNotContain("Internal Server Error");

    // With the admin token, which may read any repository: plainly "not found".
    String asAdmin = GitE2e.remoteUrl(server.baseUrl(), missingId, server.adminToken());
    GitE2e.Result r2 =
        g.gitFails(g.root(), "-c", "credential.helper=", "clone", asAdmin,
            g.newDir("unknown-admin").toString());
    assertThat(r2.stderr()).as(r2.describe()).contains("not found").doesNotContain("error: 500").doesNotContain("Internal Server Error");

    HttpResponse<String> raw =
        GitE2e.send(HttpRequest.newBuilder(
                URI.create(GitE2e.anonymousUrl(server.baseUrl(), "no-such-repo")
                    + "/info/refs?service=git-upload-pack"))
            .header("Authorization", basicAuth("x", repo.token()))
            .timeout(Duration.ofSeconds(30)).build());
    assertThat(raw.statusCode()).as(raw.body()).isBetween(400, 499);

    // A path that is not a repository path at all.
    HttpResponse<String> junk =
        GitE2e.send(HttpRequest.newBuilder(
                URI.create(server.baseUrl() + "/git/..%2F..%2Fetc.git/info/refs?service=git-upload-pack"))
            .header("Authorization", basicAuth("x", repo.token()))
            .timeout(Duration.ofSeconds(30)).build());
    assertThat(junk.statusCode()).as(junk.body()).isBetween(400, 499);
  }

  @Test
  void readTokenClonesButCannotPush() {
    GitE2e.Created repo = newRepo();
    Path work = pushedWorkdir(repo, files("a.txt", "a\n"));
    String before = g.rev(work, "HEAD");
    String readToken = server.artifacts().issueToken(repo.id(), TokenScope.READ, null).secret();
    String readRemote = GitE2e.remoteUrl(server.baseUrl(), repo.id(), readToken);

    Path clone = g.newDir("reader");
    g.gitOk(g.root(), "clone", readRemote, clone.toString());
    assertThat(g.rev(clone, "HEAD")).isEqualTo(before);
    assertFiles(clone, files("a.txt", "a\n"));

    g.commit(clone, "reader commit", files("a.txt", "by reader\n"));
    GitE2e.Result push = g.gitFails(clone, "-c", "credential.helper=", "push", "origin", "main");
    assertThat(push.stderr()).contains("403");
    assertThat(serverRefs(repo)).containsEntry("refs/heads/main", before);

    HttpResponse<String> adv =
        GitE2e.send(HttpRequest.newBuilder(URI.create(GitE2e.anonymousUrl(server.baseUrl(),
                repo.id()) + "/info/refs?service=git-receive-pack"))
            .header("Authorization", basicAuth("x", readToken))
            .timeout(Duration.ofSeconds(30)).build());
    assertThat(adv.statusCode()).as(adv.body()).isEqualTo(403);
    HttpResponse<byte[]> post =
        GitE2e.sendBytes(HttpRequest.newBuilder(URI.create(GitE2e.anonymousUrl(server.baseUrl(),
                repo.id()) + "/git-receive-pack"))
            .header("Authorization", basicAuth("x", readToken))
            .header("Content-Type", "application/x-git-receive-pack-request")
            .POST(HttpRequest.BodyPublishers.ofByteArray(concat(
                pkt(before + " " + ZERO_ID + " refs/heads/main\0report-status delete-refs"),
                FLUSH)))
            .timeout(Duration.ofSeconds(30)).build());
    assertThat(post.statusCode()).isEqualTo(403);
    assertThat(serverRefs(repo)).containsEntry("refs/heads/main", before);
  }

  // ------------------------------------------------------------------ limits

  /** Replaces this test's server by one with the given push limits (same storage, fresh data). */
  protected void restartWithLimits(PushLimits limits) throws Exception {
    server.close();
    server = null;
    Path data = tmp.resolve("data-limited");
    Files.createDirectories(data);
    server = ArtifactsServer.start(config(data, null).withPushLimits(limits));
  }

  private static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }

  /** stderr names the limit (10000 bytes) and says why. */
  private static void assertNamesLimit(GitE2e.Result r) {
    assertThat(r.stderr()).as(r.describe())
        .containsAnyOf("10000", "10,000", "10 000", "9.8 KiB", "9.77 KiB", "10 kB", "10 KB");
    assertThat(r.stderr().toLowerCase(java.util.Locale.ROOT)).as(r.describe())
        .containsAnyOf("limit", "too large", "exceed", "maximum");
  }

  @Test
  void pushOfObjectOverMaxObjectSizeIsRefusedAndMovesNothing() throws Exception {
    restartWithLimits(new PushLimits(0, 10_000));
    GitE2e.Created repo = newRepo();
    Path work = pushedWorkdir(repo, files("a.txt", "small enough\n"));
    String before = g.rev(work, "HEAD");
    Map<String, String> refsBefore = serverRefs(repo);

    Files.write(work.resolve("big.bin"), randomBytes(50_000, 7));
    g.commit(work, "too big", files());
    GitE2e.Result r = g.gitFails(work, "push", "origin", "main");
    assertNamesLimit(r);
    assertThat(serverRefs(repo)).containsEntry("refs/heads/main", before).isEqualTo(refsBefore);

    // Also refused on a new branch; the server still takes objects under the limit.
    g.gitFails(work, "push", "origin", "main:refs/heads/other");
    assertThat(serverRefs(repo)).doesNotContainKey("refs/heads/other");
    g.gitOk(work, "reset", "-q", "--hard", before);
    String ok = g.commit(work, "fits", files("b.bin", GitE2e.text("fits", 9_000)));
    g.gitOk(work, "push", "-q", "origin", "main");
    assertThat(serverRefs(repo)).containsEntry("refs/heads/main", ok);
  }

  @Test
  void pushOverMaxPackSizeIsRefusedAndMovesNothing() throws Exception {
    restartWithLimits(new PushLimits(10_000, 0));
    GitE2e.Created repo = newRepo();
    Path work = pushedWorkdir(repo, files("a.txt", "small enough\n"));
    String before = g.rev(work, "HEAD");
    Map<String, String> refsBefore = serverRefs(repo);

    // Several objects, each small, that together pack to well over 10000 bytes.
    for (int i = 0; i < 10; i++) {
      try {
        Files.write(work.resolve("part" + i + ".bin"), randomBytes(3_000, i));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    g.commit(work, "too big in total", files());
    GitE2e.Result r = g.gitFails(work, "push", "origin", "main");
    assertNamesLimit(r);
    assertThat(serverRefs(repo)).containsEntry("refs/heads/main", before).isEqualTo(refsBefore);
  }

  // ------------------------------------------------------------------ raw receive-pack

  /** POSTs a receive-pack request; returns the response. */
  protected HttpResponse<byte[]> rawReceivePack(GitE2e.Created repo, byte[] body) {
    return GitE2e.sendBytes(
        HttpRequest.newBuilder(
                URI.create(GitE2e.anonymousUrl(server.baseUrl(), repo.id())
                    + "/git-receive-pack"))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", basicAuth("x", repo.token()))
            .header("Content-Type", "application/x-git-receive-pack-request")
            .header("Accept", "application/x-git-receive-pack-result")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build());
  }

  /** The report-status lines of a receive-pack response (no side-band requested). */
  protected static List<String> reportLines(HttpResponse<byte[]> resp) {
    String asText = new String(resp.body(), StandardCharsets.ISO_8859_1);
    assertThat(resp.statusCode()).as("receive-pack HTTP status; body: %s", asText).isEqualTo(200);
    List<String> lines = new ArrayList<>();
    for (GitE2e.Pkt p : GitE2e.parsePkts(resp.body())) {
      if (p.payload() != null) {
        lines.add(p.text().strip());
      }
    }
    return lines;
  }

  /** A pack with exactly the listed objects, made by {@code git pack-objects}. */
  protected byte[] packOf(Path repo, List<String> objectIds) {
    Path list = g.root().resolve("objects-" + System.nanoTime() + ".txt");
    GitE2e.write(list, String.join("\n", objectIds) + "\n");
    Path out = g.root().resolve("pack-" + System.nanoTime());
    GitE2e.Result r =
        g.run(repo, Map.of(), list,
            List.of("sh", "-c", "git pack-objects --stdout > '" + out + "'"));
    assertThat(r.exit()).as(r.describe()).isZero();
    try {
      return Files.readAllBytes(out);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  protected List<String> objectsOf(Path repo, String... revs) {
    List<String> a = new ArrayList<>(List.of("rev-list", "--objects"));
    a.addAll(List.of(revs));
    List<String> ids = new ArrayList<>();
    for (String line : g.gitOk(repo, a.toArray(String[]::new)).stdout().split("\n")) {
      if (!line.isBlank()) {
        ids.add(line.split(" ", 2)[0]);
      }
    }
    return ids;
  }

  @Test
  void rawPushOfCompletePackIsAccepted() {
    // Control for the negative raw-push tests: the same request shape, well-formed, works.
    GitE2e.Created repo = newRepo();
    Path work = g.initRepo("raw", null);
    String head = g.commit(work, "raw", files("x.txt", "x\n", "y/z.txt", "z\n"));
    byte[] pack = packOf(work, objectsOf(work, head));
    List<String> report =
        reportLines(rawReceivePack(repo,
            concat(pkt(ZERO_ID + " " + head + " refs/heads/x\0report-status agent=e2e"),
                FLUSH, pack)));
    assertThat(report).as("report %s", report).contains("unpack ok", "ok refs/heads/x");
    assertThat(serverRefs(repo)).containsEntry("refs/heads/x", head);
  }

  @Test
  void rawPushWithMissingTreeIsRefusedAndMovesNothing() {
    GitE2e.Created repo = newRepo();
    Path work = g.initRepo("raw", null);
    String head = g.commit(work, "raw", files("x.txt", "x\n", "y/z.txt", "z\n"));
    String tree = g.rev(work, head + "^{tree}");
    List<String> objects = new ArrayList<>(objectsOf(work, head));
    assertThat(objects).contains(head, tree);
    objects.remove(tree); // blobs and the sub-tree present, root tree missing

    byte[] pack = packOf(work, objects);
    List<String> report =
        reportLines(rawReceivePack(repo,
            concat(pkt(ZERO_ID + " " + head + " refs/heads/x\0report-status agent=e2e"),
                FLUSH, pack)));
    assertThat(report).as("report %s", report).doesNotContain("ok refs/heads/x");
    assertThat(report).as("report %s", report)
        .anyMatch(l -> l.startsWith("ng refs/heads/x") || (l.startsWith("unpack ")
            && !l.equals("unpack ok")));
    assertThat(serverRefs(repo)).doesNotContainKey("refs/heads/x");

    // Nor did it leave anything half-visible: a clone of the repo is still empty.
    Path clone = g.newDir("clone");
    GitE2e.Result r = g.gitOk(g.root(), "clone", repo.remote(), clone.toString());
    assertThat(r.stderr()).contains("empty repository");
  }

  @Test
  void rawPushWithMissingParentIsRefusedAndMovesNothing() {
    GitE2e.Created repo = newRepo();
    Path work = pushedWorkdir(repo, files("a.txt", "a\n"));
    String base = g.rev(work, "HEAD");
    // Two new commits; the pack only carries the second (with its tree and blob), not its parent.
    String parent = g.commit(work, "parent", files("p.txt", "p\n"));
    String child = g.commit(work, "child", files("c.txt", "c\n"));
    List<String> objects = objectsOf(work, child, "^" + parent);
    assertThat(objects).contains(child).doesNotContain(parent);

    byte[] pack = packOf(work, objects);
    List<String> report =
        reportLines(rawReceivePack(repo,
            concat(pkt(base + " " + child + " refs/heads/main\0report-status agent=e2e"),
                FLUSH, pack)));
    assertThat(report).as("report %s", report).doesNotContain("ok refs/heads/main");
    assertThat(serverRefs(repo)).containsEntry("refs/heads/main", base);
  }

  @Test
  void rawAtomicPushWithStaleOldIdMovesNothing() {
    GitE2e.Created repo = newRepo();
    Path work = pushedWorkdir(repo, files("a.txt", "a\n"));
    String first = g.rev(work, "HEAD");
    String second = g.commit(work, "second", files("a.txt", "b\n"));
    String third = g.commit(work, "third", files("a.txt", "c\n"));
    g.gitOk(work, "push", "-q", "origin", "main");
    Map<String, String> before = serverRefs(repo);
    assertThat(before).containsEntry("refs/heads/main", third);

    HttpResponse<String> adv =
        GitE2e.send(HttpRequest.newBuilder(URI.create(GitE2e.anonymousUrl(server.baseUrl(),
                repo.id()) + "/info/refs?service=git-receive-pack"))
            .header("Authorization", basicAuth("x", repo.token()))
            .timeout(Duration.ofSeconds(30)).build());
    assertThat(adv.statusCode()).isEqualTo(200);
    assertThat(adv.body()).as("receive-pack advertises atomic").contains("atomic");

    // main: stale old id (first; the server has third); created: a valid creation.
    byte[] atomic =
        concat(
            pkt(first + " " + second + " refs/heads/main\0report-status atomic agent=e2e"),
            pkt(ZERO_ID + " " + second + " refs/heads/created"),
            FLUSH,
            GitE2e.emptyPack());
    List<String> report = reportLines(rawReceivePack(repo, atomic));
    assertThat(report).as("report %s", report)
        .doesNotContain("ok refs/heads/created", "ok refs/heads/main")
        .anyMatch(l -> l.startsWith("ng refs/heads/main"))
        .anyMatch(l -> l.startsWith("ng refs/heads/created"));
    assertThat(serverRefs(repo)).isEqualTo(before);

    // The same without "atomic": the valid creation goes through, the stale update does not.
    byte[] nonAtomic =
        concat(
            pkt(first + " " + second + " refs/heads/main\0report-status agent=e2e"),
            pkt(ZERO_ID + " " + second + " refs/heads/created"),
            FLUSH,
            GitE2e.emptyPack());
    List<String> report2 = reportLines(rawReceivePack(repo, nonAtomic));
    assertThat(report2).as("report %s", report2).contains("ok refs/heads/created")
        .anyMatch(l -> l.startsWith("ng refs/heads/main"));
    assertThat(serverRefs(repo)).containsEntry("refs/heads/main", third)
        .containsEntry("refs/heads/created", second);
  }
}
