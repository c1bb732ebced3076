package dev.artifacts.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.Artifacts;
import dev.artifacts.Permission;
import dev.artifacts.Principal;
import dev.artifacts.events.Event;
import dev.artifacts.events.EventListener;
import dev.artifacts.events.EventSubscription;
import dev.artifacts.events.EventSubscription.CloseReason;
import dev.artifacts.storage.mem.InMemoryStorage;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event streams over real HTTP against the running server: pushes with the stock git CLI,
 * repository and token lifecycle, resume with {@code Last-Event-ID}, reset beyond retention, auth
 * negatives, hidden refs, slow consumers, the stream cap and shutdown.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EventsEndToEndTest {
  @TempDir Path tmp;

  private ArtifactsServer server;
  private RestHarness rest;
  private GitE2e g;
  private String admin;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    Files.createDirectories(tmp.resolve("data"));
    server = ArtifactsServer.start(new ServerConfig(tmp.resolve("data"), "fs", "127.0.0.1", 0, null));
    rest = RestHarness.of(server);
    g = new GitE2e(tmp.resolve("work"));
    admin = server.adminToken();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
    server.close();
  }

  private SseClient sseAt(String base, String path, String token, String... headers) {
    SseClient c = SseClient.open(base + path, token, headers);
    toClose.add(c);
    return c;
  }

  private SseClient sse(String path, String token, String... headers) {
    return sseAt(rest.base(), path, token, headers);
  }

  /** ref name to [oldId, newId] of an event frame. */
  private static Map<String, List<Object>> moved(SseClient.Frame f) {
    Map<String, List<Object>> out = new LinkedHashMap<>();
    for (Map<String, Object> r : f.refs()) {
      List<Object> ids = new ArrayList<>();
      ids.add(r.get("oldId"));
      ids.add(r.get("newId"));
      out.put((String) r.get("name"), ids);
    }
    return out;
  }

  @Test
  void everyPushIsOneEventWithEveryMovedRefAndItsOldAndNewIds() {
    Map<String, Object> created = rest.createRepo("site");
    String token = (String) created.get("token");
    SseClient global = sse("/v1/events", admin).expectOpen();
    SseClient repo = sse("/v1/repos/site/events", token).expectOpen();
    assertThat(global.header("Content-Type")).startsWith("text/event-stream");
    assertThat(global.header("Cache-Control")).isEqualTo("no-cache");

    Path work = g.initRepo("site", (String) created.get("remote"));
    String one = g.commit(work, "one", Map.of("a.txt", "a\n"));
    g.gitOk(work, "branch", "feature");
    g.gitOk(work, "tag", "v1");
    g.gitOk(work, "push", "-q", "origin", "main", "feature", "v1");

    SseClient.Frame first = repo.nextOfType("push");
    assertThat(first.json().get("repository")).isEqualTo("site");
    assertThat(first.json().get("actor")).asString().startsWith("token:");
    assertThat(moved(first))
        .containsOnly(
            Map.entry("refs/heads/main", nullAnd(one)),
            Map.entry("refs/heads/feature", nullAnd(one)),
            Map.entry("refs/tags/v1", nullAnd(one)));
    SseClient.Frame globalFirst = global.nextOfType("push");
    assertThat(globalFirst.id()).isEqualTo(first.id());
    assertThat(globalFirst.data()).isEqualTo(first.data());

    // Second push, not atomic: an update, a create and a delete are still one event.
    String two = g.commit(work, "two", Map.of("b.txt", "b\n"));
    g.gitOk(work, "push", "-q", "origin", "main", "main:refs/heads/next", ":refs/heads/feature");
    SseClient.Frame second = repo.next();
    assertThat(second.event()).isEqualTo("push");
    assertThat(second.idValue()).isGreaterThan(first.idValue());
    assertThat(moved(second))
        .containsOnly(
            Map.entry("refs/heads/main", List.of(one, two)),
            Map.entry("refs/heads/next", nullAnd(two)),
            Map.entry("refs/heads/feature", andNull(one)));

    // A rejected push (stale non-fast-forward) moves nothing and publishes nothing.
    Path other = g.initRepo("other", (String) created.get("remote"));
    g.commit(other, "unrelated", Map.of("c.txt", "c\n"));
    g.gitFails(other, "push", "-q", "origin", "main");
    String three = g.commit(work, "three", Map.of("d.txt", "d\n"));
    g.gitOk(work, "push", "-q", "origin", "main");
    SseClient.Frame third = repo.next();
    assertThat(moved(third)).containsOnly(Map.entry("refs/heads/main", List.of(two, three)));
  }

  private static List<Object> nullAnd(String id) {
    List<Object> l = new ArrayList<>();
    l.add(null);
    l.add(id);
    return l;
  }

  private static List<Object> andNull(String id) {
    List<Object> l = new ArrayList<>();
    l.add(id);
    l.add(null);
    return l;
  }

  @Test
  void repositoryAndTokenLifecycleEventsInOrder() {
    SseClient global = sse("/v1/events", admin).expectOpen();
    rest.createRepo("base");
    rest.post("/v1/repos/base/forks", admin, Map.of("id", "copy", "readOnly", true)).expect(201);
    String issued = (String) rest.post("/v1/repos/base/tokens", admin, Map.of("scope", "read")).expect(201).json().get("token");
    String issuedId =
        (String) RestHarness.list(rest.get("/v1/repos/base/tokens", admin).json(), "tokens").stream()
            .filter(t -> "read".equals(t.get("scope")))
            .findFirst()
            .orElseThrow()
            .get("id");
    rest.post("/v1/tokens/revoke", null, Map.of("token", issued)).expect(204);
    rest.post("/v1/repos/base/tokens/rotate", admin, Map.of()).expect(201);
    rest.delete("/v1/repos/copy", admin).expect(204);

    List<SseClient.Frame> frames = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      frames.add(global.next());
    }
    assertThat(frames)
        .extracting(SseClient.Frame::event)
        .containsExactly("repo.create", "repo.fork", "token.issue", "token.revoke", "token.rotate", "repo.delete");
    assertThat(frames).extracting(f -> f.json().get("repository"))
        .containsExactly("base", "copy", "base", "base", "base", "copy");
    assertThat(frames.get(1).details()).containsEntry("parent", "base").containsEntry("readOnly", "true");
    assertThat(frames.get(2).details()).containsEntry("scope", "read").containsEntry("tokenId", issuedId);
    assertThat(frames.get(3).details()).containsEntry("tokenId", issuedId);
    assertThat(frames.get(4).details()).containsEntry("revoked", "1");
    assertThat(frames.get(0).json().get("actor")).isEqualTo("admin");
    assertThat(frames.get(3).json().get("actor")).as("revoke needs no credentials").isNull();
    assertThat(frames.get(0).data()).doesNotContain(issued);
    for (int i = 1; i < frames.size(); i++) {
      assertThat(frames.get(i).idValue()).isGreaterThan(frames.get(i - 1).idValue());
    }
  }

  @Test
  void reconnectingWithLastEventIdResumesWithoutLoss() {
    SseClient first = sse("/v1/events", admin).expectOpen();
    rest.createRepo("r1");
    SseClient.Frame seen = first.next();
    first.close();

    // While nobody listens.
    rest.createRepo("r2");
    rest.createRepo("r3");

    SseClient resumed = sse("/v1/events", admin, "Last-Event-ID", seen.id()).expectOpen();
    SseClient.Frame a = resumed.next();
    SseClient.Frame b = resumed.next();
    assertThat(List.of(a.json().get("repository"), b.json().get("repository"))).containsExactly("r2", "r3");
    assertThat(a.idValue()).isEqualTo(seen.idValue() + 1);
    assertThat(b.idValue()).isEqualTo(seen.idValue() + 2);
    rest.createRepo("r4");
    assertThat(resumed.next().json().get("repository")).as("then live").isEqualTo("r4");

    // The query parameter works the same; the header wins when both are given.
    SseClient byParam = sse("/v1/events?after=" + a.id(), admin).expectOpen();
    assertThat(byParam.next().json().get("repository")).isEqualTo("r3");
    SseClient both = sse("/v1/events?after=" + seen.id(), admin, "Last-Event-ID", b.id()).expectOpen();
    assertThat(both.next().json().get("repository")).isEqualTo("r4");

    assertThat(sse("/v1/events?after=nope", admin).status()).isEqualTo(400);
  }

  @Test
  void resumingBeyondRetentionStartsWithAResetEvent() throws Exception {
    RestHarness small =
        RestHarness.serve(
            Artifacts.builder(new InMemoryStorage()).adminToken("a").eventRetentionCount(2).build(), "a");
    toClose.add(small);
    SseClient live = sseAt(small.base(), "/v1/events", "a").expectOpen();
    for (String id : List.of("x1", "x2", "x3", "x4")) {
      small.createRepo(id);
    }
    SseClient.Frame x1 = live.next();

    SseClient stale = sseAt(small.base(), "/v1/events", "a", "Last-Event-ID", x1.id()).expectOpen();
    SseClient.Frame reset = stale.next();
    assertThat(reset.event()).isEqualTo("reset");
    assertThat(reset.idValue()).isEqualTo(x1.idValue() + 1);
    assertThat(reset.details()).containsEntry("requestedAfter", x1.id());
    assertThat(stale.next().json().get("repository")).isEqualTo("x3");
    assertThat(stale.next().json().get("repository")).isEqualTo("x4");

    SseClient covered = sseAt(small.base(), "/v1/events", "a", "Last-Event-ID", reset.id()).expectOpen();
    assertThat(covered.next().json().get("repository")).as("no reset when nothing was missed").isEqualTo("x3");
  }

  @Test
  void globalStreamIsForTheAdminOnly() {
    String token = (String) rest.createRepo("mine").get("token");
    SseClient none = sse("/v1/events", null);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");
    assertThat(sse("/v1/events", "not-a-token").status()).isEqualTo(401);
    SseClient repoToken = sse("/v1/events", token);
    assertThat(repoToken.status()).isEqualTo(403);
    assertThat(repoToken.errorBody()).contains("forbidden");
    assertThat(rest.call("POST", "/v1/events", admin, null).status()).isEqualTo(405);
  }

  @Test
  void repositoryStreamNeedsReadAccessAndDoesNotLeakExistence() {
    String mine = (String) rest.createRepo("mine").get("token");
    rest.createRepo("theirs");
    assertThat(sse("/v1/repos/mine/events", null).status()).isEqualTo(401);
    SseClient other = sse("/v1/repos/theirs/events", mine);
    SseClient missing = sse("/v1/repos/nowhere/events", mine);
    assertThat(other.status()).isEqualTo(403);
    assertThat(missing.status()).as("same answer whether or not the repository exists").isEqualTo(403);
    assertThat(missing.errorBody().replace("nowhere", "theirs")).isEqualTo(other.errorBody());
    assertThat(sse("/v1/repos/nowhere/events", admin).status()).isEqualTo(404);
    sse("/v1/repos/mine/events", mine).expectOpen();
  }

  @Test
  void refChangesFromJavaWithoutACauseAreRefsEventsAndAFailedCompareAndSwapPublishesNothing()
      throws Exception {
    Map<String, Object> created = rest.createRepo("java");
    Path work = g.initRepo("java", (String) created.get("remote"));
    String one = g.commit(work, "one", Map.of("a", "1\n"));
    String two = g.commit(work, "two", Map.of("a", "2\n"));
    g.gitOk(work, "push", "-q", "origin", "main");
    SseClient stream = sse("/v1/repos/java/events", admin).expectOpen();

    org.eclipse.jgit.lib.Repository repo = server.artifacts().repository("java").orElseThrow();
    org.eclipse.jgit.lib.RefUpdate stale = repo.updateRef("refs/heads/main");
    stale.setExpectedOldObjectId(org.eclipse.jgit.lib.ObjectId.fromString(one));
    stale.setNewObjectId(org.eclipse.jgit.lib.ObjectId.fromString(one));
    stale.setForceUpdate(true);
    assertThat(stale.update()).isEqualTo(org.eclipse.jgit.lib.RefUpdate.Result.LOCK_FAILURE);

    org.eclipse.jgit.lib.RefUpdate tag = repo.updateRef("refs/tags/from-java");
    tag.setNewObjectId(org.eclipse.jgit.lib.ObjectId.fromString(one));
    tag.setExpectedOldObjectId(org.eclipse.jgit.lib.ObjectId.zeroId());
    assertThat(tag.update()).isEqualTo(org.eclipse.jgit.lib.RefUpdate.Result.NEW);

    SseClient.Frame f = stream.next();
    assertThat(f.event()).as("the failed compare-and-swap published nothing").isEqualTo("refs");
    assertThat(moved(f)).containsOnly(Map.entry("refs/tags/from-java", nullAnd(one)));
    assertThat(f.json().get("actor")).isNull();
    assertThat(two).isNotEqualTo(one);
  }

  @Test
  void revokingTheTokenOfAnOpenStreamEndsTheStream() {
    String token = (String) rest.createRepo("watched").get("token");
    SseClient stream = sse("/v1/repos/watched/events", token).expectOpen();
    rest.post("/v1/tokens/revoke", null, Map.of("token", token)).expect(204);
    assertThat(stream.awaitEnd()).isTrue();
    assertThat(stream.comments).contains("closed: credentials no longer valid");
    assertThat(sse("/v1/repos/watched/events", token).status()).isEqualTo(401);
  }

  @Test
  void deletingTheRepositoryEndsItsStreamAlsoForTheAdmin() {
    rest.createRepo("doomed");
    SseClient stream = sse("/v1/repos/doomed/events", admin).expectOpen();
    rest.delete("/v1/repos/doomed", admin).expect(204);
    assertThat(stream.next().event()).isEqualTo("repo.delete");
    assertThat(stream.awaitEnd()).as("the stream of a deleted repository ends").isTrue();
    assertThat(stream.comments).contains("closed: repository deleted");
  }

  /** Host users named by {@code X-User}; a viewer sees only {@code refs/heads/published}. */
  record User(String name) implements Principal {}

  @Test
  void hiddenRefsAreNeverDeliveredOnTheRepositoryStream() throws Exception {
    RestHarness host =
        RestHarness.serve(
            Artifacts.builder(new InMemoryStorage())
                .adminToken("a")
                .authenticator(request -> request.header("X-User").map(User::new))
                .authorizer((principal, repositoryId, permission) ->
                    principal instanceof User && permission == Permission.READ)
                .refVisibility((principal, repositoryId, refName) ->
                    !(principal instanceof User) || refName.equals("refs/heads/published"))
                .build(),
            "a");
    toClose.add(host);
    Map<String, Object> created = host.createRepo("site");
    SseClient viewer = sseAt(host.base(), "/v1/repos/site/events", null, "X-User", "viewer").expectOpen();
    SseClient adminStream = sseAt(host.base(), "/v1/repos/site/events", "a").expectOpen();
    assertThat(sseAt(host.base(), "/v1/repos/nowhere/events", null, "X-User", "viewer").status())
        .as("a reader of every repository learns that this one does not exist").isEqualTo(404);

    Path work = g.initRepo("site", (String) created.get("remote"));
    String c1 = g.commit(work, "one", Map.of("a", "1\n"));
    g.gitOk(work, "push", "-q", "origin", "main:refs/heads/secret");
    String c2 = g.commit(work, "two", Map.of("a", "2\n"));
    g.gitOk(work, "push", "-q", "origin", "main:refs/heads/published", "main:refs/heads/secret");

    SseClient.Frame hiddenOnly = adminStream.nextOfType("push");
    SseClient.Frame mixed = adminStream.nextOfType("push");
    // The first push brought only "secret", so HEAD followed it: part of the same push event.
    assertThat(moved(hiddenOnly)).containsOnlyKeys("refs/heads/secret", "HEAD");
    assertThat(hiddenOnly.refs().get(1))
        .containsEntry("name", "HEAD")
        .containsEntry("oldTarget", "refs/heads/main")
        .containsEntry("newTarget", "refs/heads/secret");
    assertThat(moved(mixed)).containsOnlyKeys("refs/heads/published", "refs/heads/secret");

    SseClient.Frame seen = viewer.nextOfType("push");
    assertThat(seen.id()).as("the secret-only push is skipped").isEqualTo(mixed.id());
    assertThat(moved(seen)).containsOnly(Map.entry("refs/heads/published", nullAnd(c2)));
    assertThat(seen.data()).doesNotContain("secret").doesNotContain(c1);
    // Replaying the log applies the same filter.
    SseClient replay =
        sseAt(host.base(), "/v1/repos/site/events?after=0", null, "X-User", "viewer").expectOpen();
    List<String> types = new ArrayList<>();
    SseClient.Frame f;
    do {
      f = replay.next();
      types.add(f.event());
      assertThat(f.data()).doesNotContain("secret");
    } while (!f.id().equals(mixed.id()));
    assertThat(types).doesNotContain("token.issue");
  }

  @Test
  void aSymbolicRefMovedAwayFromAHiddenTargetDoesNotNameItOnTheRepositoryStream() throws Exception {
    Artifacts artifacts =
        Artifacts.builder(new InMemoryStorage())
            .adminToken("a")
            .authenticator(request -> request.header("X-User").map(User::new))
            .authorizer((principal, repositoryId, permission) ->
                principal instanceof User && permission == Permission.READ)
            .refVisibility((principal, repositoryId, refName) ->
                !(principal instanceof User) || refName.equals("refs/heads/published"))
            .build();
    RestHarness host = RestHarness.serve(artifacts, "a");
    toClose.add(host);
    Map<String, Object> created = host.createRepo("site");
    Path work = g.initRepo("site", (String) created.get("remote"));
    g.commit(work, "one", Map.of("a", "1\n"));
    // The first push brings only "secret", so HEAD follows it.
    g.gitOk(work, "push", "-q", "origin", "main:refs/heads/secret");
    g.gitOk(work, "push", "-q", "origin", "main:refs/heads/published");
    SseClient viewer = sseAt(host.base(), "/v1/repos/site/events", null, "X-User", "viewer").expectOpen();
    SseClient adminStream = sseAt(host.base(), "/v1/repos/site/events", "a").expectOpen();

    // The host points HEAD away from the hidden branch, at the published one.
    org.eclipse.jgit.lib.Repository repo = artifacts.repository("site").orElseThrow();
    assertThat(repo.updateRef("HEAD").link("refs/heads/published"))
        .isEqualTo(org.eclipse.jgit.lib.RefUpdate.Result.FORCED);
    SseClient.Frame relink = adminStream.nextOfType("refs");
    assertThat(relink.refs().get(0))
        .containsEntry("name", "HEAD")
        .containsEntry("oldTarget", "refs/heads/secret")
        .containsEntry("newTarget", "refs/heads/published");

    String c2 = g.commit(work, "two", Map.of("a", "2\n"));
    g.gitOk(work, "push", "-q", "origin", "main:refs/heads/published");
    SseClient.Frame after = adminStream.nextOfType("push");
    SseClient.Frame f;
    do {
      f = viewer.next();
      assertThat(f.data()).as("the viewer never learns the hidden branch's name").doesNotContain("secret");
    } while (!f.id().equals(after.id()));
    assertThat(moved(f)).containsKey("refs/heads/published");
    assertThat(c2).isNotNull();
  }

  @Test
  void aConsumerThatNeverReadsDoesNotHoldUpPushes() throws Exception {
    Artifacts artifacts = Artifacts.builder(new InMemoryStorage()).adminToken("a").eventQueueCapacity(2).build();
    RestHarness host = RestHarness.serve(artifacts, "a");
    toClose.add(host);
    Map<String, Object> created = host.createRepo("busy");
    // An SSE client that sends its request and never reads a byte.
    URI base = URI.create(host.base());
    Socket stuck = new Socket(base.getHost(), base.getPort());
    toClose.add(stuck);
    OutputStream out = stuck.getOutputStream();
    out.write(("GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    // A Java listener that blocks on its first event.
    CountDownLatch release = new CountDownLatch(1);
    LinkedBlockingQueue<CloseReason> closed = new LinkedBlockingQueue<>();
    EventSubscription blocked =
        artifacts.events().subscribe(new EventListener() {
          @Override
          public void onEvent(Event event) {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }

          @Override
          public void onClose(CloseReason reason) {
            closed.add(reason);
          }
        });
    toClose.add(release::countDown);
    SseClient reader = sseAt(host.base(), "/v1/repos/busy/events", "a").expectOpen();

    Path work = g.initRepo("busy", (String) created.get("remote"));
    List<String> pushed = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      pushed.add(g.commit(work, "c" + i, Map.of("f", i + "\n")));
      g.gitOk(work, "push", "-q", "origin", "main");
      assertThat(reader.next().refs().get(0).get("newId")).isEqualTo(pushed.get(i));
    }
    assertThat(blocked.isOpen()).isFalse();
    assertThat(blocked.closeReason()).isEqualTo(CloseReason.FELL_BEHIND);
    release.countDown();
    assertThat(closed.poll(30, TimeUnit.SECONDS)).isEqualTo(CloseReason.FELL_BEHIND);
  }

  @Test
  void streamsAreCappedAndSendHeartbeats() throws Exception {
    RestHarness host =
        RestHarness.serve(
            Artifacts.builder(new InMemoryStorage())
                .adminToken("a")
                .maxEventStreams(1)
                .eventHeartbeat(Duration.ofMillis(50))
                .build(),
            "a");
    toClose.add(host);
    SseClient one = sseAt(host.base(), "/v1/events", "a").expectOpen();
    SseClient two = sseAt(host.base(), "/v1/events", "a");
    assertThat(two.status()).isEqualTo(503);
    assertThat(two.header("Retry-After")).isNotNull();
    assertThat(two.errorBody()).contains("too_many_streams");
    // Heartbeats arrive on an idle stream (waiting for a second one, bounded by the test timeout).
    while (one.comments.stream().filter("heartbeat"::equals).count() < 2) {
      Thread.sleep(20);
    }
    one.close();
    // The slot is freed once the server notices the client left (on its next heartbeat write).
    SseClient again;
    do {
      Thread.sleep(20);
      again = sseAt(host.base(), "/v1/events", "a");
    } while (again.status() == 503);
    again.expectOpen();
  }

  @Test
  void stoppingTheServerEndsOpenStreams() {
    SseClient global = sse("/v1/events", admin).expectOpen();
    rest.createRepo("r");
    assertThat(global.next().event()).isEqualTo("repo.create");
    server.close();
    assertThat(global.awaitEnd()).as("the stream ended when the server stopped").isTrue();
  }
}
