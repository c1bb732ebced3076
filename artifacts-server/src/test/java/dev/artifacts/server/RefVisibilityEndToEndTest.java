package dev.artifacts.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.Artifacts;
import dev.artifacts.Permission;
import dev.artifacts.Principal;
import dev.artifacts.storage.mem.InMemoryStorage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A host's authenticator, authorizer and ref-visibility hook, seen through the stock git CLI and
 * REST: a viewer sees only {@code refs/heads/published}; hidden refs are not advertised, objects
 * reachable only from them cannot be fetched by id, and a writer who cannot see a ref cannot
 * push to it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RefVisibilityEndToEndTest {
  private static final String ADMIN = "admin-secret";

  /** A host user, named by the {@code X-User} header in these tests. */
  record User(String name) implements Principal {}

  @TempDir Path tmp;

  private Artifacts artifacts;
  private RestHarness rest;
  private GitE2e g;
  private String main;
  private String published;
  private String secret;

  @BeforeEach
  void start() {
    artifacts =
        Artifacts.builder(new InMemoryStorage())
            .adminToken(ADMIN)
            .authenticator(request -> request.header("X-User").map(User::new))
            .authorizer(
                (principal, repositoryId, permission) ->
                    principal instanceof User u
                        && (permission == Permission.READ
                            || (permission == Permission.WRITE && u.name().equals("writer"))))
            .refVisibility(
                (principal, repositoryId, refName) ->
                    !(principal instanceof User)
                        || refName.equals("refs/heads/published")
                        || refName.startsWith("refs/heads/alias")
                        || (((User) principal).name().equals("writer") && refName.equals("refs/heads/main")))
            .build();
    rest = RestHarness.serve(artifacts, ADMIN);
    g = new GitE2e(tmp.resolve("work"));

    Map<String, Object> created = rest.createRepo("site");
    Path work = g.initRepo("site", (String) created.get("remote"));
    main = g.commit(work, "draft", Map.of("page.html", "draft\n"));
    g.gitOk(work, "branch", "published");
    g.gitOk(work, "checkout", "-q", "-b", "secret");
    secret = g.commit(work, "secret", Map.of("key.txt", "hunter2\n"));
    g.gitOk(work, "checkout", "-q", "published");
    published = g.commit(work, "publish", Map.of("page.html", "final\n"));
    g.gitOk(work, "push", "-q", "origin", "main", "published", "secret");
    assertThat(main).isNotEqualTo(published);
  }

  @AfterEach
  void stop() throws Exception {
    rest.close();
  }

  private String url() {
    return rest.base() + "/git/site.git";
  }

  private GitE2e.Result as(String user, String... args) {
    String[] full = new String[args.length + 2];
    full[0] = "-c";
    full[1] = "http.extraHeader=X-User: " + user;
    System.arraycopy(args, 0, full, 2, args.length);
    return g.git(tmp, full);
  }

  /** Makes {@code name} a new symbolic ref to {@code target}, behind the server's back. */
  private static void link(org.eclipse.jgit.lib.Repository repo, String name, String target)
      throws java.io.IOException {
    assertThat(repo.getRefDatabase().newUpdate(name, false).link(target))
        .isEqualTo(org.eclipse.jgit.lib.RefUpdate.Result.NEW);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "2"})
  void viewerSeesOnlyThePublishedBranch(String protocol) {
    GitE2e.Result r = as("viewer", "-c", "protocol.version=" + protocol, "ls-remote", url());
    assertThat(r.ok()).as(r.describe()).isTrue();
    Map<String, String> refs = GitE2e.parseRefs(r.stdout());
    assertThat(refs).containsOnlyKeys("refs/heads/published");
    assertThat(refs.get("refs/heads/published")).isEqualTo(published);

    Path clone = tmp.resolve("clone-" + protocol);
    // HEAD points at the hidden main, so it is not advertised either: name the branch to check out.
    GitE2e.Result cloned =
        as("viewer", "-c", "protocol.version=" + protocol, "clone", "-q", "-b", "published", url(), clone.toString());
    assertThat(cloned.ok()).as(cloned.describe()).isTrue();
    assertThat(g.gitOk(clone, "for-each-ref", "--format=%(refname)", "refs/remotes").out())
        .isEqualTo("refs/remotes/origin/published");
    assertThat(GitE2e.readFile(clone.resolve("page.html"))).isEqualTo("final\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "2"})
  void objectsReachableOnlyFromHiddenRefsCannotBeFetchedById(String protocol) {
    Path clone = tmp.resolve("by-id-" + protocol);
    g.gitOk(tmp, "init", "-q", clone.toString());
    GitE2e.Result hidden =
        g.git(clone, "-c", "http.extraHeader=X-User: viewer", "-c", "protocol.version=" + protocol,
            "fetch", "-q", url(), secret);
    assertThat(hidden.ok()).as(hidden.describe()).isFalse();
    assertThat(g.git(clone, "cat-file", "-e", secret).ok()).isFalse();

    // The same request for a visible commit works, so the refusal is about visibility.
    GitE2e.Result visible =
        g.git(clone, "-c", "http.extraHeader=X-User: viewer", "-c", "protocol.version=" + protocol,
            "fetch", "-q", url(), published);
    assertThat(visible.ok()).as(visible.describe()).isTrue();
  }

  @Test
  void aVisibleSymbolicRefChainEndingAtAHiddenRefIsNeitherAdvertisedNorPushable() throws Exception {
    // refs/heads/alias2 -> refs/heads/alias -> refs/heads/secret: both aliases pass the host's
    // name check, the branch they end at does not.
    org.eclipse.jgit.lib.Repository repo = artifacts.repository("site").orElseThrow();
    link(repo, "refs/heads/alias", "refs/heads/secret");
    link(repo, "refs/heads/alias2", "refs/heads/alias");

    GitE2e.Result listed = as("writer", "ls-remote", url());
    assertThat(listed.ok()).as(listed.describe()).isTrue();
    assertThat(GitE2e.parseRefs(listed.stdout()))
        .containsOnlyKeys("HEAD", "refs/heads/main", "refs/heads/published")
        .doesNotContainValue(secret);

    Path work = tmp.resolve("alias-writer");
    GitE2e.Result cloned = as("writer", "clone", "-q", url(), work.toString());
    assertThat(cloned.ok()).as(cloned.describe()).isTrue();
    g.commit(work, "through the alias", Map.of("key.txt", "overwritten\n"));
    for (String alias : List.of("refs/heads/alias", "refs/heads/alias2")) {
      GitE2e.Result refused =
          g.git(work, "-c", "http.extraHeader=X-User: writer", "push", "origin", "HEAD:" + alias);
      assertThat(refused.ok()).as(refused.describe()).isFalse();
      assertThat(refused.stderr()).contains("you may not update " + alias);
    }
    assertThat(repo.exactRef("refs/heads/secret").getObjectId().name()).isEqualTo(secret);
  }

  @Test
  void gitRestReadsAndRestWritesJudgeASymbolicRefByEveryNameAlongItsChain() throws Exception {
    // alias-mid -> refs/heads/hidden-mid -> published: the ends are visible, the middle is not;
    // refs/heads/shadow -> published: a hidden name for a visible branch
    org.eclipse.jgit.lib.Repository repo = artifacts.repository("site").orElseThrow();
    link(repo, "refs/heads/hidden-mid", "refs/heads/published");
    link(repo, "refs/heads/alias-mid", "refs/heads/hidden-mid");
    link(repo, "refs/heads/shadow", "refs/heads/published");

    GitE2e.Result listed = as("writer", "ls-remote", url());
    assertThat(listed.ok()).as(listed.describe()).isTrue();
    assertThat(GitE2e.parseRefs(listed.stdout()))
        .containsOnlyKeys("HEAD", "refs/heads/main", "refs/heads/published");

    for (String ref : List.of("alias-mid", "refs/heads/alias-mid", "shadow", "refs/heads/shadow")) {
      rest.get("/v1/repos/site/blob?ref=" + ref + "&path=page.html", null, "X-User", "viewer")
          .expect(404);
      rest.get("/v1/repos/site/commits?ref=" + ref, null, "X-User", "writer").expect(404);
    }
    assertThat(rest.get("/v1/repos/site/blob?ref=published&path=page.html", null, "X-User", "viewer")
            .expect(200).text())
        .isEqualTo("final\n");

    for (String branch : List.of("alias-mid", "shadow")) {
      Map<String, Object> body = new java.util.LinkedHashMap<>();
      body.put("branch", branch);
      body.put("parent", published);
      body.put("message", "through " + branch);
      body.put("changes", List.of(Map.of("op", "write", "path", "page.html", "content", "moved\n")));
      RestHarness.Answer refused =
          rest.call("POST", "/v1/repos/site/commits", null, body, "X-User", "writer");
      assertThat(refused.expect(403).errorCode()).as(branch).isEqualTo("ref_forbidden");
    }
    assertThat(repo.exactRef("refs/heads/published").getObjectId().name()).isEqualTo(published);
  }

  @Test
  void writerCannotPushToARefHiddenFromIt() {
    Path work = tmp.resolve("writer");
    GitE2e.Result cloned = as("writer", "clone", "-q", url(), work.toString());
    assertThat(cloned.ok()).as(cloned.describe()).isTrue();
    Object before = rest.get("/v1/repos/site", ADMIN).json().get("refs");
    g.commit(work, "sneaky", Map.of("key.txt", "overwritten\n"));
    GitE2e.Result refused =
        g.git(work, "-c", "http.extraHeader=X-User: writer", "push", "origin", "HEAD:refs/heads/secret");
    assertThat(refused.ok()).as(refused.describe()).isFalse();
    assertThat(refused.stderr()).contains("you may not update refs/heads/secret");
    assertThat(rest.get("/v1/repos/site", ADMIN).json().get("refs")).isEqualTo(before);

    GitE2e.Result allowed =
        g.git(work, "-c", "http.extraHeader=X-User: writer", "push", "-q", "origin", "HEAD:refs/heads/main");
    assertThat(allowed.ok()).as(allowed.describe()).isTrue();
  }

  @Test
  void viewerCannotPushAtAll() {
    Path work = tmp.resolve("viewer-push");
    as("viewer", "clone", "-q", url(), work.toString());
    g.commit(work, "nope", Map.of("x", "y\n"));
    GitE2e.Result r = g.git(work, "-c", "http.extraHeader=X-User: viewer", "push", "origin", "HEAD:refs/heads/published");
    assertThat(r.ok()).isFalse();
    assertThat(r.stderr()).contains("403");
  }

  @Test
  void restSummaryHidesRefsFromTheViewerButNotFromTheAdmin() {
    Map<String, Object> asViewer = rest.get("/v1/repos/site", null, "X-User", "viewer").expect(200).json();
    assertThat(RestHarness.list(asViewer, "refs")).extracting(r -> r.get("name"))
        .containsExactly("refs/heads/published");
    assertThat(asViewer.get("head")).as("HEAD points at hidden main").isNull();
    assertThat(asViewer.get("commitCount")).isEqualTo(2L);

    Map<String, Object> asAdmin = rest.get("/v1/repos/site", ADMIN).expect(200).json();
    assertThat(RestHarness.list(asAdmin, "refs")).extracting(r -> r.get("name"))
        .containsExactly("refs/heads/main", "refs/heads/published", "refs/heads/secret");
    assertThat(asAdmin.get("head")).isEqualTo("refs/heads/main");
    assertThat(asAdmin.get("commitCount")).isEqualTo(3L);
    assertThat(Optional.ofNullable(asViewer.get("forkCount"))).contains(0L);
    assertThat(List.of(main, published, secret)).doesNotHaveDuplicates();
  }
}
