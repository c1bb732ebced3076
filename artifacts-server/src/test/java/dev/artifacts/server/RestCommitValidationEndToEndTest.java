package dev.artifacts.server;

import static dev.artifacts.server.RestCommitEndToEndTestBase.commitBody;
import static dev.artifacts.server.RestCommitEndToEndTestBase.delete;
import static dev.artifacts.server.RestCommitEndToEndTestBase.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.Artifacts;
import dev.artifacts.CommitLimits;
import dev.artifacts.Permission;
import dev.artifacts.Principal;
import dev.artifacts.storage.fs.FileSystemStorage;
import dev.artifacts.storage.mem.InMemoryStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The refusals of {@code POST /v1/repos/{id}/commits} and {@code /merge} over real HTTP: bad
 * input (400 naming the path), size limits (413 with the limit), auth (401, 403, read-only
 * forks, hidden refs) and unknown repositories (404). The branch never moves on a refusal.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RestCommitValidationEndToEndTest {
  @TempDir Path tmp;

  private static final String ADMIN = "admin-secret";

  @Test
  void badInputIsRefusedWith400AndTheBranchDoesNotMove() throws Exception {
    Files.createDirectories(tmp.resolve("data"));
    try (ArtifactsServer server =
        ArtifactsServer.start(new ServerConfig(tmp.resolve("data"), "fs", "127.0.0.1", 0, null))) {
      RestHarness rest = RestHarness.of(server);
      String admin = server.adminToken();
      rest.createRepo("v");
      String c1 =
          (String)
              rest.post(
                      "/v1/repos/v/commits",
                      admin,
                      commitBody("main", null, "first", List.of(write("dir/file.txt", "x"), write("top", "t"))))
                  .expect(201)
                  .json()
                  .get("commit");

      for (String bad :
          List.of(
              "/abs", "a/../b", "..", "./a", ".git/config", "x/.GIT/hooks/pre-commit", ".Git", "a//b", "",
              "trailing/", "nul\u0000", "ctl\u0001x", "new\nline", "back\\slash",
              // '.git' as git fsck sees it on NTFS and HFS+ (a push with these is refused too)
              ".git ", "a/.GIT./x", "git~1/config", ".g\u200cit/config")) {
        RestHarness.Answer a = post(rest, admin, commitBody("main", c1, "m", List.of(write(bad, "x"))));
        a.expect(400);
        assertThat(a.errorCode()).as("code for %s", bad).isEqualTo("invalid_path");
        assertThat(a.error().get("path")).isEqualTo(bad);
        // a delete of the same path is refused the same way
        assertThat(post(rest, admin, commitBody("main", c1, "m", List.of(delete(bad)))).expect(400).errorCode())
            .isEqualTo("invalid_path");
      }
      RestHarness.Answer named = post(rest, admin, commitBody("main", c1, "m", List.of(write("a/../b", "x"))));
      assertThat((String) named.error().get("message")).contains("'a/../b'");

      expect400(rest, admin, commitBody("main", c1, "m", List.of(delete("missing.txt"))), "path_not_found", "missing.txt");
      expect400(rest, admin, commitBody("main", c1, "m", List.of(delete("dir"))), "path_not_found", "dir");
      expect400(rest, admin, commitBody("main", c1, "m", List.of(write("top/x", "x"))), "path_conflict", "top/x");
      expect400(rest, admin, commitBody("main", c1, "m", List.of(write("dir", "x"))), "path_conflict", "dir");
      expect400(
          rest, admin, commitBody("main", c1, "m", List.of(write("a", "1"), write("a", "2"))), "duplicate_path", "a");
      for (Object mode : List.of("100600", "040000", "160000", "644", 100664, "abc")) {
        expect400(
            rest,
            admin,
            commitBody("main", c1, "m", List.of(Map.of("op", "write", "path", "m.txt", "content", "x", "mode", mode))),
            "invalid_mode",
            "m.txt");
      }
      // git fsck refuses a .gitmodules that is a symlink; a regular one is fine
      expect400(
          rest,
          admin,
          commitBody("main", c1, "m", List.of(Map.of("op", "write", "path", ".gitmodules", "content", "x", "mode", "120000"))),
          "invalid_path",
          ".gitmodules");
      // a delete then a write below the deleted file's name is fine in one commit
      post(rest, admin, commitBody("main", c1, "ok", List.of(delete("top"), write("top/x", "x")))).expect(201);
      String tip = lsMain(rest, admin);

      expect400(rest, admin, commitBody("main", tip, "m", List.of()), "no_changes", null);
      expect400(rest, admin, commitBody("a..b", tip, "m", List.of(write("f", "x"))), "invalid_branch", null);
      expect400(rest, admin, commitBody("refs/tags/v1", null, "m", List.of(write("f", "x"))), "invalid_branch", null);
      expect400(rest, admin, commitBody("", null, "m", List.of(write("f", "x"))), "invalid_branch", null);
      expect400(rest, admin, commitBody("HEAD", null, "m", List.of(write("f", "x"))), "invalid_branch", null);
      expect400(rest, admin, commitBody("-x", null, "m", List.of(write("f", "x"))), "invalid_branch", null);
      expect400(rest, admin, commitBody("a b", null, "m", List.of(write("f", "x"))), "invalid_branch", null);
      expect400(rest, admin, commitBody("main", "abc", "m", List.of(write("f", "x"))), "invalid_parent", null);
      expect400(rest, admin, commitBody("main", tip, " ", List.of(write("f", "x"))), "invalid_message", null);
      Map<String, Object> noParent = new LinkedHashMap<>(commitBody("main", tip, "m", List.of(write("f", "x"))));
      noParent.remove("parent");
      expect400(rest, admin, noParent, "invalid_parent", null);
      expect400(
          rest,
          admin,
          commitBody("main", tip, "m", List.of(Map.of("op", "write", "path", "f", "contentBase64", "!!!"))),
          "invalid_request",
          null);
      expect400(
          rest,
          admin,
          commitBody("main", tip, "m", List.of(Map.of("op", "write", "path", "f", "content", "a", "contentBase64", "YQ=="))),
          "invalid_request",
          null);
      expect400(
          rest, admin, commitBody("main", tip, "m", List.of(Map.of("op", "rename", "path", "f"))), "invalid_request", null);
      Map<String, Object> badAuthor = new LinkedHashMap<>(commitBody("main", tip, "m", List.of(write("f", "x"))));
      badAuthor.put("author", Map.of("name", "Evil <x@y>", "email", "e@x"));
      expect400(rest, admin, badAuthor, "invalid_author", null);
      assertThat(rest.post("/v1/repos/v/commits", admin, "[1,2]").expect(400).errorCode()).isEqualTo("invalid_json");

      // a parent that names a commit while the branch does not exist: a CAS miss, not a 404
      RestHarness.Answer miss = post(rest, admin, commitBody("other", tip, "m", List.of(write("f", "x"))));
      miss.expect(409);
      assertThat(miss.errorCode()).isEqualTo("ref_conflict");
      assertThat(miss.error().get("expected")).isEqualTo(tip);
      assertThat(miss.error().get("current")).isNull();
      // a new branch whose name clashes with an existing one
      assertThat(post(rest, admin, commitBody("main/sub", null, "m", List.of(write("f", "x")))).expect(409).errorCode())
          .isEqualTo("ref_name_conflict");

      // the author given is recorded; the branch moved only on the accepted commits
      Map<String, Object> withAuthor = new LinkedHashMap<>(commitBody("main", tip, "by ann", List.of(write("f", "x"))));
      withAuthor.put("author", Map.of("name", "Ann", "email", "ann@example.com"));
      String annCommit = (String) post(rest, admin, withAuthor).expect(201).json().get("commit");
      assertThat(lsMain(rest, admin)).isEqualTo(annCommit);
      GitE2e g = new GitE2e(tmp.resolve("work"));
      Path clone = g.newDir("clone");
      g.gitOk(g.root(), "clone", "-q", "http://x:" + admin + "@" + rest.base().substring("http://".length()) + "/git/v.git", clone.toString());
      assertThat(g.gitOk(clone, "log", "-1", "--format=%an <%ae>|%cn <%ce>").out())
          .isEqualTo("Ann <ann@example.com>|Ann <ann@example.com>");
      assertThat(g.gitOk(clone, "rev-list", "--count", "HEAD").out()).isEqualTo("3");
    }
  }

  @Test
  void authNegativesAndUnknownRepository() throws Exception {
    Files.createDirectories(tmp.resolve("data"));
    try (ArtifactsServer server =
        ArtifactsServer.start(new ServerConfig(tmp.resolve("data"), "fs", "127.0.0.1", 0, null))) {
      RestHarness rest = RestHarness.of(server);
      String admin = server.adminToken();
      String writeToken = (String) rest.createRepo("p").get("token");
      String otherToken = (String) rest.createRepo("other").get("token");
      String readToken =
          (String) rest.post("/v1/repos/p/tokens", admin, Map.of("scope", "read")).expect(201).json().get("token");
      Map<String, Object> body = commitBody("main", null, "m", List.of(write("f", "x")));

      assertThat(rest.post("/v1/repos/p/commits", null, body).expect(401).errorCode()).isEqualTo("unauthorized");
      assertThat(rest.post("/v1/repos/p/commits", "bogus", body).expect(401).errorCode()).isEqualTo("unauthorized");
      assertThat(rest.post("/v1/repos/p/commits", readToken, body).expect(403).errorCode()).isEqualTo("forbidden");
      assertThat(rest.post("/v1/repos/p/commits", otherToken, body).expect(403).errorCode()).isEqualTo("forbidden");
      Map<String, Object> mergeBody = Map.of("source", "main", "target", "main");
      assertThat(rest.post("/v1/repos/p/merge", readToken, mergeBody).expect(403).errorCode()).isEqualTo("forbidden");
      assertThat(rest.post("/v1/repos/p/merge", null, mergeBody).expect(401).errorCode()).isEqualTo("unauthorized");
      assertThat(rest.post("/v1/repos/nope/commits", admin, body).expect(404).errorCode()).isEqualTo("not_found");
      assertThat(rest.post("/v1/repos/nope/merge", admin, mergeBody).expect(404).errorCode()).isEqualTo("not_found");
      assertThat(rest.call("PUT", "/v1/repos/p/merge", admin, mergeBody).expect(405).header("Allow")).isEqualTo("POST");

      String c1 = (String) rest.post("/v1/repos/p/commits", writeToken, body).expect(201).json().get("commit");
      rest.post("/v1/repos/p/forks", admin, Map.of("id", "ro", "readOnly", true)).expect(201);
      Map<String, Object> onFork = commitBody("main", c1, "m", List.of(write("g", "y")));
      assertThat(rest.post("/v1/repos/ro/commits", admin, onFork).expect(403).errorCode()).isEqualTo("read_only");
      assertThat(rest.post("/v1/repos/ro/merge", admin, mergeBody).expect(403).errorCode()).isEqualTo("read_only");
      // a writable fork takes commits without touching its parent
      rest.post("/v1/repos/p/forks", admin, Map.of("id", "rw")).expect(201);
      rest.post("/v1/repos/rw/commits", admin, onFork).expect(201);
      RestHarness.Answer parentStale = rest.post("/v1/repos/p/commits", admin, commitBody("main", c1, "m", List.of(write("h", "z"))));
      parentStale.expect(201);
    }
  }

  @Test
  void sizeLimitsGive413WithTheLimit() throws Exception {
    Artifacts artifacts =
        Artifacts.builder(FileSystemStorage.open(tmp.resolve("fsdata")))
            .adminToken(ADMIN)
            .commitLimits(new CommitLimits(1000, 2500))
            .build();
    try (RestHarness rest = RestHarness.serve(artifacts, ADMIN)) {
      rest.createRepo("big");
      RestHarness.Answer file =
          post(rest, "big", commitBody("main", null, "m", List.of(write("ok", "x"), write("big.bin", "x".repeat(1001)))));
      file.expect(413);
      assertThat(file.errorCode()).isEqualTo("file_too_large");
      assertThat(file.error().get("limit")).isEqualTo(1000L);
      assertThat(file.error().get("path")).isEqualTo("big.bin");

      List<Object> many = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        many.add(write("f" + i, "y".repeat(900)));
      }
      RestHarness.Answer request = post(rest, "big", commitBody("main", null, "m", many));
      request.expect(413);
      assertThat(request.errorCode()).isEqualTo("request_too_large");
      assertThat(request.error().get("limit")).isEqualTo(2500L);
      assertThat(rest.get("/v1/repos/big", ADMIN).expect(200).json().get("refs")).isEqualTo(List.of());

      // a body announced larger than the limit is refused before any of it is read: the client
      // sends only the headers and still gets its answer
      String head = declaredOnly(rest, "/v1/repos/big/commits", 2L << 30);
      assertThat(head).startsWith("HTTP/1.1 413").contains("body_too_large");

      // at the limits exactly: accepted
      post(rest, "big", commitBody("main", null, "m", List.of(write("a", "x".repeat(1000)), write("b", "x".repeat(1000)), write("c", "x".repeat(500)))))
          .expect(201);
    }
  }

  /** A host user named by the {@code X-User} header. */
  record User(String name) implements Principal {}

  @Test
  void hiddenRefsCannotBeWrittenOrMergedFrom() throws Exception {
    Artifacts artifacts =
        Artifacts.builder(new InMemoryStorage())
            .adminToken(ADMIN)
            .authenticator(request -> request.header("X-User").map(User::new))
            .authorizer((principal, repositoryId, permission) -> principal instanceof User)
            .refVisibility(
                (principal, repositoryId, refName) ->
                    !(principal instanceof User) || !refName.startsWith("refs/heads/secret"))
            .build();
    try (RestHarness rest = RestHarness.serve(artifacts, ADMIN)) {
      rest.createRepo("h");
      String base =
          (String) post(rest, "h", commitBody("main", null, "m", List.of(write("a", "a")))).expect(201).json().get("commit");
      Map<String, Object> secretBody = commitBody("secret", null, "s", List.of(write("key", "k")));
      RestHarness.Answer adminSecret = rest.post("/v1/repos/h/commits", ADMIN, secretBody).expect(201);

      RestHarness.Answer asUser =
          rest.call("POST", "/v1/repos/h/commits", null, commitBody("secret", adminSecret.json().get("commit").toString(), "s", List.of(write("key", "k2"))), "X-User", "ann");
      asUser.expect(403);
      assertThat(asUser.errorCode()).isEqualTo("ref_forbidden");
      assertThat(asUser.error()).doesNotContainKey("current");
      RestHarness.Answer fresh =
          rest.call("POST", "/v1/repos/h/commits", null, commitBody("secret-2", null, "s", List.of(write("key", "k2"))), "X-User", "ann");
      assertThat(fresh.expect(403).errorCode()).isEqualTo("ref_forbidden");
      RestHarness.Answer mergeFromSecret =
          rest.call("POST", "/v1/repos/h/merge", null, Map.of("source", "secret", "target", "main"), "X-User", "ann");
      assertThat(mergeFromSecret.expect(404).errorCode()).isEqualTo("not_found");
      String secretId = adminSecret.json().get("commit").toString();
      for (String source : List.of(secretId, "refs/heads/secret", "heads/secret", "secret~0", "secret^{commit}")) {
        RestHarness.Answer byOther =
            rest.call("POST", "/v1/repos/h/merge", null, Map.of("source", source, "target", "main"), "X-User", "ann");
        assertThat(byOther.status()).as(source).isIn(400, 404);
      }
      // a visible symbolic ref pointing at the hidden branch is no way around it: writes through it
      // are refused before anything of the target is told
      org.eclipse.jgit.lib.Repository git = artifacts.repository("h").orElseThrow();
      assertThat(git.updateRef("refs/heads/alias").link("refs/heads/secret"))
          .isEqualTo(org.eclipse.jgit.lib.RefUpdate.Result.NEW);
      for (String parent : List.of(secretId, base)) {
        RestHarness.Answer viaAlias =
            rest.call("POST", "/v1/repos/h/commits", null, commitBody("alias", parent, "m", List.of(write("key", "k3"))), "X-User", "ann");
        assertThat(viaAlias.status()).as(viaAlias.text()).isEqualTo(403);
        assertThat(viaAlias.errorCode()).isEqualTo("ref_forbidden");
        assertThat(viaAlias.text()).doesNotContain(parent.equals(base) ? secretId : "k3");
      }
      RestHarness.Answer mergeViaAlias =
          rest.call("POST", "/v1/repos/h/merge", null, Map.of("source", "main", "target", "alias"), "X-User", "ann");
      assertThat(mergeViaAlias.status()).as(mergeViaAlias.text()).isEqualTo(403);
      assertThat(git.exactRef("refs/heads/secret").getObjectId().name()).isEqualTo(secretId);
      // a parent naming the hidden commit is a CAS miss on the visible branch, telling nothing more
      RestHarness.Answer hiddenParent =
          rest.call("POST", "/v1/repos/h/commits", null, commitBody("main", secretId, "m", List.of(write("c", "c"))), "X-User", "ann");
      assertThat(hiddenParent.expect(409).errorCode()).isEqualTo("ref_conflict");
      assertThat(hiddenParent.error().get("current")).isEqualTo(base);
      RestHarness.Answer mergeIntoSecret =
          rest.call("POST", "/v1/repos/h/merge", null, Map.of("source", "main", "target", "secret"), "X-User", "ann");
      assertThat(mergeIntoSecret.expect(403).errorCode()).isEqualTo("ref_forbidden");
      // the visible branch is writable by the host user, and the default author is the principal's name
      rest.call("POST", "/v1/repos/h/commits", null, commitBody("main", base, "m2", List.of(write("b", "b"))), "X-User", "ann")
          .expect(201);
      dev.artifacts.repo.Repo repo = artifacts.repo("h");
      assertThat(repo.refs()).extracting(dev.artifacts.RefInfo::name).containsExactly("refs/heads/main", "refs/heads/secret");
    }
  }

  private static RestHarness.Answer post(RestHarness rest, String repoOrToken, Map<String, Object> body) {
    // (rest, admin, body) for repo "v"; (rest, "big"/"h", body) with the admin token
    if (repoOrToken.equals("big") || repoOrToken.equals("h")) {
      return rest.post("/v1/repos/" + repoOrToken + "/commits", ADMIN, body);
    }
    return rest.post("/v1/repos/v/commits", repoOrToken, body);
  }

  /**
   * Sends POST headers announcing {@code contentLength} bytes of JSON but no body, and returns
   * what the server answers (its status line and as much as it sent).
   */
  private static String declaredOnly(RestHarness rest, String path, long contentLength) throws Exception {
    java.net.URI base = java.net.URI.create(rest.base());
    try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout(20_000);
      String request = "POST " + path + " HTTP/1.1\r\n"
          + "Host: " + base.getHost() + ":" + base.getPort() + "\r\n"
          + "Authorization: Bearer " + ADMIN + "\r\n"
          + "Content-Type: application/json\r\n"
          + "Content-Length: " + contentLength + "\r\n\r\n{\"branch\":";
      socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      java.io.InputStream in = socket.getInputStream();
      StringBuilder answer = new StringBuilder();
      byte[] buf = new byte[4096];
      int n;
      try {
        while ((n = in.read(buf)) > 0) {
          answer.append(new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8));
          if (answer.indexOf("}}") >= 0) {
            break;
          }
        }
      } catch (java.net.SocketTimeoutException e) {
        answer.append("[no answer before the client gave up]");
      }
      return answer.toString();
    }
  }

  private static void expect400(RestHarness rest, String admin, Map<String, Object> body, String code, String path) {
    RestHarness.Answer a = post(rest, admin, body).expect(400);
    assertThat(a.errorCode()).as("error of %s", a.text()).isEqualTo(code);
    if (path != null) {
      assertThat(a.error().get("path")).isEqualTo(path);
      assertThat((String) a.error().get("message")).contains("'" + path + "'");
    }
  }

  private static String lsMain(RestHarness rest, String admin) {
    Map<String, Object> info = rest.get("/v1/repos/v", admin).expect(200).json();
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> refs = (List<Map<String, Object>>) info.get("refs");
    Map<String, String> byName = new HashMap<>();
    for (Map<String, Object> r : refs) {
      byName.put((String) r.get("name"), (String) r.get("objectId"));
    }
    return byName.get("refs/heads/main");
  }
}
