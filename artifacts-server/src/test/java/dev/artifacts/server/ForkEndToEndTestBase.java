package dev.artifacts.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Forks over REST and git, on one backend: isolation, read-only, delete rules, compaction. */
abstract class ForkEndToEndTestBase {
  @TempDir Path tmp;

  protected ArtifactsServer server;
  protected GitE2e g;

  protected abstract String storage();

  @BeforeEach
  void startServer() throws Exception {
    Files.createDirectories(tmp.resolve("data"));
    g = new GitE2e(tmp.resolve("work"));
    server = ArtifactsServer.start(new ServerConfig(tmp.resolve("data"), storage(), "127.0.0.1", 0, null));
  }

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  private HttpResponse<String> fork(String parentId, String body) {
    return GitE2e.send(
        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/repos/" + parentId + "/forks"))
            .header("Authorization", "Bearer " + server.adminToken())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .timeout(Duration.ofSeconds(30))
            .build());
  }

  private GitE2e.Created forkOk(String parentId, String body) {
    HttpResponse<String> r = fork(parentId, body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return new GitE2e.Created(
        GitE2e.jsonString(r.body(), "id"),
        GitE2e.jsonString(r.body(), "remote"),
        GitE2e.jsonString(r.body(), "token"),
        r.body());
  }

  private HttpResponse<String> delete(String id, boolean cascade) {
    return GitE2e.send(
        HttpRequest.newBuilder(
                URI.create(server.baseUrl() + "/v1/repos/" + id + (cascade ? "?cascade=true" : "")))
            .header("Authorization", "Bearer " + server.adminToken())
            .DELETE()
            .timeout(Duration.ofSeconds(30))
            .build());
  }

  private GitE2e.Created parentWithHistory(Path[] workOut) {
    GitE2e.Created parent = GitE2e.createRepo(server.baseUrl(), server.adminToken(), GitE2e.newRepoId("p"));
    Path work = g.initRepo("parent", parent.remote());
    g.commit(work, "one", Map.of("a.txt", "alpha\n", "dir/b.txt", GitE2e.text("bee", 5000)));
    g.commit(work, "two", Map.of("a.txt", "alpha 2\n"));
    g.gitOk(work, "push", "-q", "origin", "main");
    workOut[0] = work;
    return parent;
  }

  @Test
  void forkStartsWithParentRefsAndBothSidesStayIndependent() {
    Path[] w = new Path[1];
    GitE2e.Created parent = parentWithHistory(w);
    String parentHead = g.rev(w[0], "HEAD");
    g.gitOk(w[0], "tag", "-a", "v1", "-m", "release");
    g.gitOk(w[0], "push", "-q", "origin", "v1");

    GitE2e.Created fork = forkOk(parent.id(), "{\"id\":\"" + parent.id() + "-fork\"}");
    assertThat(fork.id()).isEqualTo(parent.id() + "-fork");
    assertThat(g.lsRemote(fork.remote())).isEqualTo(g.lsRemote(parent.remote()));

    Path clone = g.newDir("fork-clone");
    g.gitOk(g.root(), "clone", "-q", fork.remote(), clone.toString());
    assertThat(g.rev(clone, "HEAD")).isEqualTo(parentHead);
    assertThat(GitE2e.readFile(clone.resolve("dir/b.txt"))).isEqualTo(GitE2e.text("bee", 5000));
    g.gitOk(clone, "fsck", "--strict");

    // Push to the fork: the parent does not move.
    String forkHead = g.commit(clone, "fork only", Map.of("f.txt", "fork\n"));
    g.gitOk(clone, "push", "-q", "origin", "main");
    assertThat(g.lsRemote(fork.remote())).containsEntry("refs/heads/main", forkHead);
    assertThat(g.lsRemote(parent.remote())).containsEntry("refs/heads/main", parentHead);

    // Push to the parent: the fork does not move.
    String parentNext = g.commit(w[0], "parent only", Map.of("p.txt", "parent\n"));
    g.gitOk(w[0], "push", "-q", "origin", "main");
    assertThat(g.lsRemote(parent.remote())).containsEntry("refs/heads/main", parentNext);
    assertThat(g.lsRemote(fork.remote())).containsEntry("refs/heads/main", forkHead);

    // A fork of the fork reads through two levels.
    GitE2e.Created grandchild = forkOk(fork.id(), "{}");
    Path gc = g.newDir("grandchild");
    g.gitOk(g.root(), "clone", "-q", grandchild.remote(), gc.toString());
    assertThat(g.rev(gc, "HEAD")).isEqualTo(forkHead);
    g.gitOk(gc, "fsck", "--strict");
  }

  @Test
  void readOnlyForkRefusesPushesWhateverTheToken() {
    Path[] w = new Path[1];
    GitE2e.Created parent = parentWithHistory(w);
    GitE2e.Created ro = forkOk(parent.id(), "{\"readOnly\":true}");

    Path clone = g.newDir("ro-clone");
    g.gitOk(g.root(), "clone", "-q", ro.remote(), clone.toString());
    String before = g.rev(clone, "HEAD");
    g.commit(clone, "attempt", Map.of("x.txt", "x\n"));

    GitE2e.Result withForkToken = g.gitFails(clone, "push", "origin", "main");
    assertThat(withForkToken.stderr()).contains("read-only");
    String adminRemote = GitE2e.remoteUrl(server.baseUrl(), ro.id(), server.adminToken());
    GitE2e.Result withAdmin = g.gitFails(clone, "push", adminRemote, "main");
    assertThat(withAdmin.stderr()).contains("read-only");
    String minted =
        server.artifacts().issueToken(ro.id(), dev.artifacts.TokenScope.WRITE, null).secret();
    GitE2e.Result withMinted =
        g.gitFails(clone, "push", GitE2e.remoteUrl(server.baseUrl(), ro.id(), minted), "main");
    assertThat(withMinted.stderr()).contains("read-only");
    assertThat(g.lsRemote(ro.remote())).containsEntry("refs/heads/main", before);
  }

  @Test
  void deletingAParentWithForksNeedsCascade() {
    Path[] w = new Path[1];
    GitE2e.Created parent = parentWithHistory(w);
    GitE2e.Created child = forkOk(parent.id(), "{}");
    GitE2e.Created grandchild = forkOk(child.id(), "{}");

    HttpResponse<String> refused = delete(parent.id(), false);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
    assertThat(GitE2e.jsonString(refused.body(), "code")).isEqualTo("fork_dependency");
    assertThat(refused.body()).contains(child.id());
    assertThat(g.lsRemote(parent.remote())).containsKey("refs/heads/main");

    HttpResponse<String> cascaded = delete(parent.id(), true);
    assertThat(cascaded.statusCode()).as(cascaded.body()).isEqualTo(204);
    for (String id : new String[] {parent.id(), child.id(), grandchild.id()}) {
      assertThat(server.artifacts().repository(id)).as(id).isEmpty();
    }
    assertThat(delete(parent.id(), false).statusCode()).isEqualTo(404);
  }

  @Test
  void compactingTheParentNeverBreaksAFork() throws Exception {
    Path[] w = new Path[1];
    GitE2e.Created parent = parentWithHistory(w);
    Path work = w[0];
    g.gitOk(work, "checkout", "-q", "-b", "topic");
    String topic = g.commit(work, "topic work", Map.of("t.txt", GitE2e.text("topic", 3000)));
    g.gitOk(work, "push", "-q", "origin", "topic");
    g.gitOk(work, "checkout", "-q", "main");

    GitE2e.Created fork = forkOk(parent.id(), "{}");
    Map<String, String> forkRefs = g.lsRemote(fork.remote());
    assertThat(forkRefs).containsEntry("refs/heads/topic", topic);

    g.commit(work, "more on parent", Map.of("m.txt", "more\n"));
    g.gitOk(work, "push", "-q", "origin", "main");
    HttpResponse<String> compacted =
        GitE2e.send(
            HttpRequest.newBuilder(
                    URI.create(server.baseUrl() + "/v1/repos/" + parent.id() + "/compact"))
                .header("Authorization", "Bearer " + server.adminToken())
                .POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(60))
                .build());
    assertThat(compacted.statusCode()).as(compacted.body()).isEqualTo(200);
    // The topic commit is now reachable only from the fork.
    g.gitOk(work, "push", "-q", "origin", ":topic");
    server.artifacts().compact(parent.id());
    server.artifacts().compact(parent.id());

    assertThat(g.lsRemote(fork.remote())).isEqualTo(forkRefs);
    Path clone = g.newDir("fork-after-gc");
    g.gitOk(g.root(), "clone", "-q", "--mirror", fork.remote(), clone.toString());
    g.gitOk(clone, "fsck", "--strict");
    assertThat(g.rev(clone, "refs/heads/topic")).isEqualTo(topic);
    assertThat(g.gitOk(clone, "cat-file", "-p", topic + ":t.txt").stdout())
        .isEqualTo(GitE2e.text("topic", 3000));
  }

  @Test
  void forkErrorsAreClear() {
    Path[] w = new Path[1];
    GitE2e.Created parent = parentWithHistory(w);
    HttpResponse<String> missing = fork("no-such-parent", "{}");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(GitE2e.jsonString(missing.body(), "code")).isEqualTo("not_found");
    HttpResponse<String> badId = fork(parent.id(), "{\"id\":\"bad id!\"}");
    assertThat(badId.statusCode()).isEqualTo(400);
    assertThat(GitE2e.jsonString(badId.body(), "code")).isEqualTo("invalid_id");
    HttpResponse<String> taken = fork(parent.id(), "{\"id\":\"" + parent.id() + "\"}");
    assertThat(taken.statusCode()).isEqualTo(409);
    HttpResponse<String> badFlag = fork(parent.id(), "{\"readOnly\":\"yes\"}");
    assertThat(badFlag.statusCode()).isEqualTo(400);
    HttpResponse<String> noAuth =
        GitE2e.send(
            HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/repos/" + parent.id() + "/forks"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build());
    assertThat(noAuth.statusCode()).isEqualTo(401);
  }
}
