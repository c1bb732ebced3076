package dev.artifacts.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.Artifacts;
import dev.artifacts.Permission;
import dev.artifacts.Principal;
import dev.artifacts.storage.mem.InMemoryStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read endpoints under a host's ref-visibility hook: a viewer sees only {@code
 * refs/heads/published} and {@code refs/notes/commits}; everything reachable only from hidden
 * refs answers 404 as if it did not exist, whether named by ref, by id, or through a cursor.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RestReadVisibilityEndToEndTest {
  private static final String ADMIN = "admin-secret";

  record User(String name) implements Principal {}

  @TempDir Path tmp;

  private RestHarness rest;
  private GitE2e g;
  private String published;
  private String secret;
  private String secretBlob;
  private Path work;

  @BeforeEach
  void start() {
    Artifacts artifacts =
        Artifacts.builder(new InMemoryStorage())
            .adminToken(ADMIN)
            .authenticator(request -> request.header("X-User").map(User::new))
            .authorizer((principal, repositoryId, permission) -> principal instanceof User && permission == Permission.READ)
            .refVisibility(
                (principal, repositoryId, refName) ->
                    !(principal instanceof User)
                        || refName.equals("refs/heads/published")
                        || refName.equals("refs/notes/commits"))
            .build();
    rest = RestHarness.serve(artifacts, ADMIN);
    g = new GitE2e(tmp.resolve("work"));
    Map<String, Object> created = rest.createRepo("site");
    work = g.initRepo("site", (String) created.get("remote"));
    g.commit(work, "draft", Map.of("page.html", "draft\n"));
    g.gitOk(work, "branch", "published");
    g.gitOk(work, "checkout", "-q", "-b", "secret");
    secret = g.commit(work, "secret", Map.of("key.txt", "hunter2\n"));
    secretBlob = g.rev(work, "HEAD:key.txt");
    g.gitOk(work, "checkout", "-q", "published");
    published = g.commit(work, "publish", Map.of("page.html", "final\n"));
    g.gitOk(work, "notes", "add", "-m", "public note", published);
    g.gitOk(work, "notes", "add", "-m", "secret note", secret);
    g.gitOk(work, "push", "-q", "origin", "main", "published", "secret", "refs/notes/commits");
  }

  @AfterEach
  void stop() throws Exception {
    rest.close();
  }

  private RestHarness.Answer viewer(String path) {
    return rest.get("/v1/repos/site" + path, null, "X-User", "viewer");
  }

  @Test
  void hiddenRefsAreUnknownEverywhere() {
    Map<String, Object> refs = viewer("/refs").expect(200).json();
    assertThat(RestHarness.list(refs, "refs")).extracting(r -> r.get("name"))
        .containsExactly("refs/heads/published", "refs/notes/commits");
    assertThat(refs.get("head")).isNull();

    viewer("/commits?ref=published").expect(200);
    for (String path : List.of(
        "/commits?ref=main", "/commits?ref=secret", "/commits?ref=" + secret, "/commits",
        "/tree?ref=secret", "/tree?ref=" + secret,
        "/blob?ref=" + secret + "&path=key.txt", "/blob?ref=secret&path=key.txt",
        "/diff?from=published&to=" + secret, "/diff?from=" + secret + "&to=published",
        "/archive/secret.zip", "/archive/" + secret + ".zip", "/archive/main.tar.gz",
        "/notes?commit=" + secret)) {
      RestHarness.Answer a = viewer(path);
      assertThat(a.status()).as(path + " -> " + a.text()).isEqualTo(404);
      assertThat(a.errorCode()).isEqualTo("not_found");
      assertThat(a.text()).doesNotContain("hunter2").doesNotContain(secretBlob);
    }
    String forged = Base64.getUrlEncoder().withoutPadding()
        .encodeToString(("c1:" + secret + ":0").getBytes(StandardCharsets.US_ASCII));
    viewer("/commits?cursor=" + forged).expect(404);

    // the same requests by the admin, who sees everything
    assertThat(rest.get("/v1/repos/site/blob?ref=secret&path=key.txt", ADMIN).expect(200).text()).isEqualTo("hunter2\n");
    rest.get("/v1/repos/site/commits?cursor=" + forged, ADMIN).expect(200);
    rest.get("/v1/repos/site/archive/" + secret + ".zip", ADMIN).expect(200);
  }

  @Test
  void revisionExpressionsAndRawIdsOfHiddenObjectsAreUnknown() {
    String secretTree = g.rev(work, secret + "^{tree}");
    for (String path : List.of(
        "/tree?ref=" + secretTree, "/blob?ref=" + secretTree + "&path=key.txt",
        "/archive/" + secretTree + ".zip", "/diff?from=published&to=" + secretTree,
        "/commits?ref=" + secretBlob, "/notes?commit=" + secretTree, "/notes?commit=" + secretBlob,
        "/commits?ref=secret~1", "/commits?ref=published~1", "/tree?ref=secret%5E%7Btree%7D",
        "/commits?ref=secret@%7B0%7D", "/commits?ref=refs/heads/secret", "/commits?ref=heads/secret")) {
      RestHarness.Answer a = viewer(path);
      assertThat(a.status()).as(path + " -> " + a.text()).isIn(400, 404);
      // (ids the request named are echoed; nothing else of the hidden side is)
      assertThat(a.text()).doesNotContain("hunter2").doesNotContain(secret);
    }
  }

  @Test
  void visibleContentIsServedAndNotesOfHiddenCommitsAreLeftOut() {
    assertThat(viewer("/blob?ref=published&path=page.html").expect(200).text()).isEqualTo("final\n");
    assertThat(viewer("/blob?ref=" + published + "&path=page.html").expect(200).text()).isEqualTo("final\n");
    // raw ids of a visible tree (and of an older visible commit) are found by the reachability walk
    String publishedTree = g.rev(work, published + "^{tree}");
    assertThat(viewer("/blob?ref=" + publishedTree + "&path=page.html").expect(200).text()).isEqualTo("final\n");
    viewer("/tree?ref=" + publishedTree).expect(200);
    viewer("/commits?ref=" + g.rev(work, published + "~1")).expect(200);
    viewer("/archive/published.zip").expect(200);
    assertThat(viewer("/diff?to=published").expect(200).json().get("files").toString()).contains("page.html");
    assertThat(viewer("/notes?commit=" + published).expect(200).json().get("message")).isEqualTo("public note\n");
    Map<String, Object> notes = viewer("/notes").expect(200).json();
    assertThat(RestHarness.list(notes, "notes")).extracting(n -> n.get("object")).containsExactly(published);
    Map<String, Object> all = rest.get("/v1/repos/site/notes", ADMIN).expect(200).json();
    assertThat(RestHarness.list(all, "notes")).hasSize(2);
  }
}
