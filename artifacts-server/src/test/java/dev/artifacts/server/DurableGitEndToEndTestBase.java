package dev.artifacts.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The end-to-end suite plus what only a durable backend can do: restarts. */
abstract class DurableGitEndToEndTestBase extends GitEndToEndTestBase {

  @Test
  void restartOnSameDataDirServesEverything() {
    GitE2e.Created repo = newRepo();
    Path work = pushedWorkdir(repo, files("a.txt", "a\n", "d/e.txt", "e\n"));
    g.gitOk(work, "tag", "-a", "v1", "-m", "v1");
    g.gitOk(work, "tag", "light");
    String head = g.commit(work, "second", files("a.txt", "a2\n"));
    g.gitOk(work, "push", "-q", "origin", "main", "main:refs/heads/other", "--tags");
    Map<String, String> before = serverRefs(repo);
    assertThat(before).containsKeys(
        "refs/heads/main", "refs/heads/other", "refs/tags/v1", "refs/tags/light");
    String admin = server.adminToken();

    server.close();
    server = null;
    server = ArtifactsServer.start(config(dataDir(), admin));
    assertThat(server.adminToken()).isEqualTo(admin);

    String remote = GitE2e.remoteUrl(server.baseUrl(), repo.id(), repo.token());
    Map<String, String> after = g.lsRemote(remote);
    assertThat(after).isEqualTo(before);

    Path clone = g.newDir("after-restart");
    g.gitOk(g.root(), "clone", remote, clone.toString());
    assertThat(g.rev(clone, "HEAD")).isEqualTo(head);
    assertThat(g.rev(clone, "v1^{commit}")).isEqualTo(g.rev(work, "v1^{commit}"));
    assertFiles(clone, files("a.txt", "a2\n", "d/e.txt", "e\n"));
    g.gitOk(clone, "fsck", "--full");

    // Still writable with the same token, and the new state survives a second restart.
    String third = g.commit(clone, "third", files("a.txt", "a3\n"));
    g.gitOk(clone, "push", "-q", "origin", "main");
    assertThat(GitE2e.postRepos(server.baseUrl(), admin, "{\"id\":\"" + repo.id() + "\"}")
        .statusCode()).as("duplicate id after restart").isEqualTo(409);
    GitE2e.Created second = GitE2e.createRepo(server.baseUrl(), admin, GitE2e.newRepoId("post"));

    server.close();
    server = null;
    server = ArtifactsServer.start(config(dataDir(), admin));
    String remote2 = GitE2e.remoteUrl(server.baseUrl(), repo.id(), repo.token());
    assertThat(g.lsRemote(remote2)).containsEntry("refs/heads/main", third);
    Path clone2 = g.newDir("after-second-restart");
    g.gitOk(g.root(), "clone", remote2, clone2.toString());
    assertFiles(clone2, files("a.txt", "a3\n", "d/e.txt", "e\n"));
    String secondRemote = GitE2e.remoteUrl(server.baseUrl(), second.id(), second.token());
    GitE2e.Result empty = g.gitOk(g.root(), "clone", secondRemote, g.newDir("second").toString());
    assertThat(empty.stderr()).contains("empty repository");
  }
}
