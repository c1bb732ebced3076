package dev.artifacts.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.TokenScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Repository and token endpoints over real HTTP against the server of the runnable jar (fs
 * backend): list, summary, delete, token issue, list, rotate, revoke, expiry, and the auth
 * negatives of each.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RestRepositoryEndToEndTest {
  @TempDir Path tmp;

  private ArtifactsServer server;
  private RestHarness rest;
  private GitE2e g;
  private String admin;

  @BeforeEach
  void start() throws Exception {
    Files.createDirectories(tmp.resolve("data"));
    server = ArtifactsServer.start(new ServerConfig(tmp.resolve("data"), "fs", "127.0.0.1", 0, null));
    rest = RestHarness.of(server);
    g = new GitE2e(tmp.resolve("work"));
    admin = server.adminToken();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void listPagesWithOffsetAndLimitAndReportsTheTotal() {
    for (String id : List.of("c", "a", "e", "b", "d")) {
      rest.createRepo(id);
    }
    RestHarness.Answer first = rest.get("/v1/repos?limit=2", admin).expect(200);
    assertThat(first.header("X-Total-Count")).isEqualTo("5");
    assertThat(ids(first)).containsExactly("a", "b");
    assertThat(ids(rest.get("/v1/repos?offset=2&limit=2", admin).expect(200))).containsExactly("c", "d");
    assertThat(ids(rest.get("/v1/repos?offset=4&limit=2", admin).expect(200))).containsExactly("e");
    assertThat(ids(rest.get("/v1/repos?offset=9", admin).expect(200))).isEmpty();

    assertThat(rest.get("/v1/repos?limit=0", admin).expect(400).errorCode()).isEqualTo("invalid_parameter");
    assertThat(rest.get("/v1/repos?offset=-1", admin).expect(400).error().get("message").toString())
        .contains("offset");
    assertThat(rest.get("/v1/repos", null).expect(401).header("WWW-Authenticate")).startsWith("Bearer");
    String repoToken = (String) rest.createRepo("f").get("token");
    assertThat(rest.get("/v1/repos", repoToken).expect(403).errorCode()).isEqualTo("forbidden");
  }

  @Test
  void summaryShowsRefsHeadSizeCommitsForksAndParent() {
    Map<String, Object> created = rest.createRepo("site");
    Path work = g.initRepo("site", (String) created.get("remote"));
    String first = g.commit(work, "one", Map.of("a.txt", "a\n"));
    String second = g.commit(work, "two", Map.of("b.txt", "b\n"));
    g.gitOk(work, "tag", "-a", "v1", "-m", "release", first);
    g.gitOk(work, "push", "-q", "origin", "main", "v1");
    rest.post("/v1/repos/site/forks", admin, Map.of("id", "site-fork")).expect(201);

    Map<String, Object> info = rest.get("/v1/repos/site", admin).expect(200).json();
    assertThat(info.get("id")).isEqualTo("site");
    assertThat(info.get("parent")).isNull();
    assertThat(info.get("head")).isEqualTo("refs/heads/main");
    assertThat(info.get("commitCount")).isEqualTo(2L);
    assertThat(info.get("forkCount")).isEqualTo(1L);
    assertThat(((Number) info.get("sizeBytes")).longValue()).isPositive();
    List<Map<String, Object>> refs = RestHarness.list(info, "refs");
    assertThat(refs).extracting(r -> r.get("name")).containsExactly("refs/heads/main", "refs/tags/v1");
    assertThat(refs.get(0).get("objectId")).isEqualTo(second);
    assertThat(refs.get(1).get("peeledId")).isEqualTo(first);

    Map<String, Object> fork = rest.get("/v1/repos/site-fork", admin).expect(200).json();
    assertThat(fork.get("parent")).isEqualTo("site");
    assertThat(fork.get("commitCount")).isEqualTo(2L);
    assertThat(fork.get("readOnly")).isEqualTo(false);

    // A read token of the repository may see its summary; one of another repository may not.
    String readToken = server.artifacts().issueToken("site", TokenScope.READ, null).secret();
    rest.get("/v1/repos/site", readToken).expect(200);
    String otherToken = (String) rest.createRepo("other").get("token");
    assertThat(rest.get("/v1/repos/site", otherToken).expect(403).errorCode()).isEqualTo("forbidden");
  }

  @Test
  void unknownRepositoryIsNotFoundForTheAdminAndIndistinguishableForOthers() {
    String otherToken = (String) rest.createRepo("mine").get("token");
    rest.createRepo("theirs");
    assertThat(rest.get("/v1/repos/nope", admin).expect(404).errorCode()).isEqualTo("not_found");

    RestHarness.Answer existing = rest.get("/v1/repos/theirs", otherToken).expect(403);
    RestHarness.Answer missing = rest.get("/v1/repos/nope", otherToken).expect(403);
    assertThat(missing.text()).isEqualTo(existing.text().replace("theirs", "nope"));
    assertThat(rest.get("/v1/repos/theirs", null).expect(401).text())
        .isEqualTo(rest.get("/v1/repos/nope", null).expect(401).text());
    assertThat(rest.post("/v1/repos/nope/tokens", otherToken, Map.of()).expect(403).errorCode())
        .isEqualTo("forbidden");
  }

  @Test
  void deleteNeedsTheAdminAndHonoursForkRules() {
    String token = (String) rest.createRepo("p").get("token");
    rest.post("/v1/repos/p/forks", admin, Map.of("id", "p-child")).expect(201);
    assertThat(rest.delete("/v1/repos/p", token).expect(403).errorCode()).isEqualTo("forbidden");
    RestHarness.Answer refused = rest.delete("/v1/repos/p", admin).expect(409);
    assertThat(refused.errorCode()).isEqualTo("fork_dependency");
    assertThat(refused.error().get("message").toString()).contains("p-child");
    rest.delete("/v1/repos/p?cascade=true", admin).expect(204);
    rest.get("/v1/repos/p", admin).expect(404);
    rest.get("/v1/repos/p-child", admin).expect(404);
    rest.delete("/v1/repos/p", admin).expect(404);
  }

  @Test
  void tokensAreIssuedListedWithoutSecretsAndWorkForGit() {
    Map<String, Object> created = rest.createRepo("tok");
    Path work = g.initRepo("tok", (String) created.get("remote"));
    g.commit(work, "one", Map.of("f", "1\n"));
    g.gitOk(work, "push", "-q", "origin", "main");

    Map<String, Object> read =
        rest.post("/v1/repos/tok/tokens", admin, Map.of("scope", "read", "ttlSeconds", 3600)).expect(201).json();
    assertThat((String) read.get("token")).startsWith("art_");
    assertThat((String) read.get("remote")).contains("/git/tok.git");
    assertThat(java.time.Instant.parse((String) read.get("expiresAt")))
        .isBetween(java.time.Instant.now().plusSeconds(3500), java.time.Instant.now().plusSeconds(3700));

    // The read token clones but cannot push.
    Path clone = tmp.resolve("clone");
    g.gitOk(tmp, "clone", "-q", (String) read.get("remote"), clone.toString());
    g.commit(clone, "two", Map.of("f", "2\n"));
    assertThat(g.gitFails(clone, "push", "-q", "origin", "main").stderr()).contains("403");

    RestHarness.Answer listed = rest.get("/v1/repos/tok/tokens", admin).expect(200);
    List<Map<String, Object>> tokens = RestHarness.list(listed.json(), "tokens");
    assertThat(tokens).hasSize(2);
    assertThat(tokens).extracting(t -> t.get("scope")).containsExactlyInAnyOrder("write", "read");
    assertThat(listed.text()).doesNotContain((String) read.get("token"))
        .doesNotContain((String) created.get("token"));
    assertThat(tokens).allSatisfy(t -> assertThat(t).containsKeys("id", "createdAt", "expiresAt"));

    assertThat(rest.post("/v1/repos/tok/tokens", admin, Map.of("scope", "owner")).expect(400).errorCode())
        .isEqualTo("invalid_scope");
    assertThat(rest.post("/v1/repos/tok/tokens", admin, Map.of("ttlSeconds", 0)).expect(400).errorCode())
        .isEqualTo("invalid_ttl");
    assertThat(rest.post("/v1/repos/tok/tokens", admin, "[1]").expect(400).errorCode()).isEqualTo("invalid_json");
    assertThat(rest.post("/v1/repos/tok/tokens", (String) created.get("token"), Map.of()).expect(403).errorCode())
        .isEqualTo("forbidden");
    rest.post("/v1/repos/nope/tokens", admin, Map.of()).expect(404);
  }

  @Test
  void revokeTakesEffectOnTheNextRequestAndIsIdempotent() {
    Map<String, Object> created = rest.createRepo("rev");
    String token = (String) created.get("token");
    rest.get("/v1/repos/rev", token).expect(200);
    g.gitOk(tmp, "ls-remote", (String) created.get("remote"));

    rest.post("/v1/tokens/revoke", null, Map.of("token", token)).expect(204);
    assertThat(rest.get("/v1/repos/rev", token).expect(401).header("WWW-Authenticate")).contains("invalid_token");
    assertThat(g.gitFails(tmp, "ls-remote", (String) created.get("remote")).stderr())
        .containsAnyOf("Authentication failed", "could not read Username", "401");
    rest.post("/v1/tokens/revoke", null, Map.of("token", token)).expect(204);
    rest.post("/v1/tokens/revoke", null, Map.of("token", "art_never_issued")).expect(204);
    assertThat(rest.post("/v1/tokens/revoke", null, Map.of()).expect(400).errorCode()).isEqualTo("invalid_token");
    assertThat(rest.get("/v1/tokens/revoke", null).expect(405).header("Allow")).isEqualTo("POST");
  }

  @Test
  void rotateRevokesEveryOldTokenAndIssuesOne() {
    Map<String, Object> created = rest.createRepo("rot");
    String old = (String) created.get("token");
    String oldRead = server.artifacts().issueToken("rot", TokenScope.READ, null).secret();

    Map<String, Object> fresh = rest.post("/v1/repos/rot/tokens/rotate", admin, Map.of()).expect(201).json();
    assertThat(fresh.get("scope")).isEqualTo("write");
    rest.get("/v1/repos/rot", old).expect(401);
    rest.get("/v1/repos/rot", oldRead).expect(401);
    rest.get("/v1/repos/rot", (String) fresh.get("token")).expect(200);
    assertThat(RestHarness.list(rest.get("/v1/repos/rot/tokens", admin).expect(200).json(), "tokens"))
        .extracting(t -> t.get("id"))
        .containsExactly(fresh.get("id"));
  }

  @Test
  void expiredTokensStopWorking() throws Exception {
    rest.createRepo("exp");
    String shortLived = server.artifacts().issueToken("exp", TokenScope.READ, Duration.ofMillis(300)).secret();
    rest.get("/v1/repos/exp", shortLived).expect(200);
    Thread.sleep(400);
    rest.get("/v1/repos/exp", shortLived).expect(401);
    assertThat(RestHarness.list(rest.get("/v1/repos/exp/tokens", admin).expect(200).json(), "tokens"))
        .extracting(t -> t.get("scope"))
        .containsExactly("write");
  }

  @Test
  void readOnlyForkRefusesWriteTokensAndDefaultsRotationToRead() {
    rest.createRepo("base");
    Map<String, Object> fork =
        rest.post("/v1/repos/base/forks", admin, Map.of("id", "ro", "readOnly", true)).expect(201).json();
    assertThat(rest.get("/v1/repos/ro", (String) fork.get("token")).expect(200).json().get("readOnly")).isEqualTo(true);
    assertThat(rest.post("/v1/repos/ro/tokens/rotate", admin, Map.of()).expect(201).json().get("scope"))
        .isEqualTo("read");
  }

  @Test
  void wrongMethodsAnswer405WithAllow() {
    rest.createRepo("m");
    RestHarness.Answer a = rest.call("PUT", "/v1/repos/m", admin, null).expect(405);
    assertThat(a.header("Allow")).isEqualTo("GET, DELETE");
    assertThat(rest.call("PATCH", "/v1/repos", admin, null).expect(405).errorCode()).isEqualTo("method_not_allowed");
    assertThat(rest.get("/v1/nothing-here", admin).expect(404).errorCode()).isEqualTo("not_found");
  }

  private static List<Object> ids(RestHarness.Answer a) {
    return RestHarness.list(a.json(), "repos").stream().map(r -> r.get("id")).toList();
  }
}
