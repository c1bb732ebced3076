package dev.artifacts.servlet.internal;

import dev.artifacts.Artifacts;
import dev.artifacts.Permission;
import dev.artifacts.Principal;
import dev.artifacts.events.Event;
import dev.artifacts.events.EventSubscription.CloseReason;
import dev.artifacts.events.RefUpdate;
import dev.artifacts.internal.events.EventHub;
import dev.artifacts.internal.events.QueueSubscription;
import dev.artifacts.internal.json.Json;
import dev.artifacts.spi.RepositoryIds;
import jakarta.servlet.ServletOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server-Sent Events: {@code GET /events} (admin: every repository) and {@code GET
 * /repos/{id}/events} (anyone who may read the repository; refs hidden from the caller are left
 * out). Each stream is served by its request thread, which waits on the stream's bounded queue;
 * publishing a change only offers the event to that queue, so a slow client never holds up a
 * push, and a client whose queue overflows is disconnected (it resumes with {@code
 * Last-Event-ID}).
 */
final class EventRoutes implements RestRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(EventRoutes.class);
  private static final byte[] HEARTBEAT = ": heartbeat\n\n".getBytes(StandardCharsets.US_ASCII);

  private final EventHub hub;
  private final AtomicInteger active = new AtomicInteger();
  private final Set<QueueSubscription> open = ConcurrentHashMap.newKeySet();
  private volatile boolean shutDown;
  /** The last frame written unfiltered: streams share it instead of each encoding the event. */
  private volatile Object[] lastFrame = {null, null};

  EventRoutes(Artifacts artifacts) {
    this.hub = (EventHub) artifacts.events();
  }

  @Override
  public boolean handle(RestCall call) throws IOException {
    if (call.path.equals("/events")) {
      call.allow("GET");
      Principal who = call.require(null, Permission.ADMIN);
      stream(call, who, null);
      return true;
    }
    var repoPath = call.repoPath();
    if (repoPath.isEmpty() || !repoPath.get()[1].equals("/events")) {
      return false;
    }
    String id = repoPath.get()[0];
    call.allow("GET");
    Principal who = call.require(id, Permission.READ);
    if (!RepositoryIds.isValid(id) || call.artifacts.repository(id).isEmpty()) {
      throw new RestProblem(404, "not_found", "repository '" + id + "' not found");
    }
    stream(call, who, id);
    return true;
  }

  /** Ends every open stream (the servlet is being destroyed). */
  void shutdown() {
    shutDown = true;
    for (QueueSubscription s : open) {
      s.end(CloseReason.SHUTDOWN);
    }
  }

  private void stream(RestCall call, Principal who, String repoId) throws IOException {
    if (!call.method.equals("GET")) {
      throw new RestProblem(405, "method_not_allowed", "use GET on this endpoint", Map.of("Allow", "GET"));
    }
    long after = resumePoint(call);
    if (shutDown) {
      throw new RestProblem(503, "shutting_down", "the server is stopping", Map.of("Retry-After", "5"));
    }
    int max = hub.settings().maxStreams();
    if (active.incrementAndGet() > max) {
      active.decrementAndGet();
      throw new RestProblem(
          503,
          "too_many_streams",
          "the server already serves " + max + " event streams; retry later",
          Map.of("Retry-After", "5"));
    }
    QueueSubscription sub = null;
    try {
      sub = hub.openQueue(after, repoId);
      open.add(sub);
      if (shutDown) {
        sub.end(CloseReason.SHUTDOWN);
      }
      call.resp.setStatus(200);
      call.resp.setContentType("text/event-stream");
      call.resp.setHeader("Cache-Control", "no-cache");
      call.resp.setHeader("X-Accel-Buffering", "no");
      ServletOutputStream out = call.resp.getOutputStream();
      out.write(": events\nretry: 2000\n\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      pump(call, who, repoId, sub, out);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      LOG.debug("event stream client went away: {}", e.toString());
    } finally {
      if (sub != null) {
        open.remove(sub);
        sub.close();
      }
      active.decrementAndGet();
    }
  }

  private void pump(RestCall call, Principal who, String repoId, QueueSubscription sub, ServletOutputStream out)
      throws IOException, InterruptedException {
    long heartbeat = Math.max(1, hub.settings().heartbeat().toMillis());
    long nextBeat = System.currentTimeMillis() + heartbeat;
    while (true) {
      long wait = Math.max(1, nextBeat - System.currentTimeMillis());
      Event e = sub.poll(wait);
      if (e == null) {
        if (sub.isOpen() && !stillAllowed(call, who, repoId)) {
          out.write(": closed: credentials no longer valid\n\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          return;
        }
        if (!sub.isOpen()) {
          CloseReason reason = sub.closeReason();
          String why =
              reason == CloseReason.FELL_BEHIND
                  ? "fell behind; reconnect with Last-Event-ID"
                  : "server stopping";
          out.write((": closed: " + why + "\n\n").getBytes(StandardCharsets.US_ASCII));
          out.flush();
          return;
        }
        if (System.currentTimeMillis() >= nextBeat) {
          out.write(HEARTBEAT);
          out.flush();
          nextBeat = System.currentTimeMillis() + heartbeat;
        }
        continue;
      }
      boolean recheck = false;
      boolean deleted = false;
      for (; e != null; e = sub.poll(0)) {
        recheck |= e.type().startsWith("token.") || e.type().equals(Event.TYPE_REPO_DELETE);
        deleted |= repoId != null && e.type().equals(Event.TYPE_REPO_DELETE);
        Event shown = view(call.artifacts, who, repoId, e);
        if (shown != null) {
          out.write(shown == e ? sharedFrame(e) : frame(shown));
        }
      }
      out.flush();
      // The stream of a deleted repository ends, whoever follows it (a replayed delete of a
      // repository created again since does not end it).
      if (deleted && call.artifacts.repository(repoId).isEmpty()) {
        out.write(": closed: repository deleted\n\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return;
      }
      if (recheck && !stillAllowed(call, who, repoId)) {
        out.write(": closed: credentials no longer valid\n\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return;
      }
      nextBeat = System.currentTimeMillis() + heartbeat;
    }
  }

  /**
   * Checks again that the stream's credentials are valid and allowed: a revoked or expired token
   * (or a deleted repository's tokens) ends the stream. Done on every heartbeat and after token
   * and delete events.
   */
  private static boolean stillAllowed(RestCall call, Principal who, String repoId) {
    var again = call.artifacts.authenticate(new RestCall.ServletAuthRequest(call.req, repoId));
    if (again == null || again.isEmpty() || !again.get().name().equals(who.name())) {
      return false;
    }
    return call.artifacts.isAllowed(again.get(), repoId, repoId == null ? Permission.ADMIN : Permission.READ);
  }

  /** The event as {@code who} may see it, or null when none of it is visible. */
  static Event view(Artifacts artifacts, Principal who, String streamRepoId, Event e) {
    if (e.repositoryId() == null) {
      return e;
    }
    if (streamRepoId != null && e.type().startsWith("token.")
        && !artifacts.isAllowed(who, e.repositoryId(), Permission.ADMIN)) {
      return null;
    }
    if (e.refs().isEmpty() || artifacts.hidesNoRefs()) {
      return e;
    }
    List<RefUpdate> kept = new ArrayList<>(e.refs().size());
    for (RefUpdate r : e.refs()) {
      if (isVisible(artifacts, who, e.repositoryId(), r)) {
        kept.add(r);
      }
    }
    if (kept.isEmpty()) {
      return null;
    }
    return kept.size() == e.refs().size() ? e : e.withRefs(kept);
  }

  /**
   * Whether {@code who} may see every ref an update names: each side (before, after) is judged by
   * its symbolic target when it has one, else by the ref's own name, so that a symbolic ref moved
   * away from (or to) a hidden ref never reveals that ref's name.
   */
  private static boolean isVisible(Artifacts artifacts, Principal who, String repoId, RefUpdate r) {
    boolean checked = false;
    if (r.oldTarget() != null || r.oldId() != null) {
      if (!artifacts.isRefVisible(who, repoId, r.oldTarget() != null ? r.oldTarget() : r.name())) {
        return false;
      }
      checked = true;
    }
    if (r.newTarget() != null || r.newId() != null) {
      if (!artifacts.isRefVisible(who, repoId, r.newTarget() != null ? r.newTarget() : r.name())) {
        return false;
      }
      checked = true;
    }
    return checked || artifacts.isRefVisible(who, repoId, r.name());
  }

  private byte[] sharedFrame(Event e) {
    Object[] cached = lastFrame;
    if (cached[0] == e) {
      return (byte[]) cached[1];
    }
    byte[] bytes = frame(e);
    lastFrame = new Object[] {e, bytes};
    return bytes;
  }

  static byte[] frame(Event e) {
    StringBuilder b = new StringBuilder(256);
    b.append("id: ").append(e.id()).append('\n');
    b.append("event: ").append(e.type()).append('\n');
    b.append("data: ").append(Json.write(json(e))).append("\n\n");
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  static Map<String, Object> json(Event e) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", e.id());
    out.put("type", e.type());
    out.put("repository", e.repositoryId());
    List<Map<String, Object>> refs = new ArrayList<>(e.refs().size());
    for (RefUpdate r : e.refs()) {
      Map<String, Object> ref = new LinkedHashMap<>();
      ref.put("name", r.name());
      ref.put("oldId", r.oldId());
      ref.put("newId", r.newId());
      if (r.oldTarget() != null || r.newTarget() != null) {
        ref.put("oldTarget", r.oldTarget());
        ref.put("newTarget", r.newTarget());
      }
      refs.add(ref);
    }
    out.put("refs", refs);
    out.put("actor", e.actor());
    out.put("time", e.time().toString());
    out.put("data", new java.util.TreeMap<>(e.data()));
    return out;
  }

  /**
   * Where to resume: the {@code Last-Event-ID} header (sent by browsers on reconnect), else the
   * {@code after} query parameter; {@link EventHub#LIVE} when neither is given.
   */
  private static long resumePoint(RestCall call) {
    String header = call.req.getHeader("Last-Event-ID");
    String raw = header != null && !header.isBlank() ? header.trim() : call.param("after");
    String name = header != null && !header.isBlank() ? "Last-Event-ID" : "after";
    if (raw == null || raw.isEmpty()) {
      return EventHub.LIVE;
    }
    try {
      long v = Long.parseLong(raw);
      if (v >= 0) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new dev.artifacts.ArtifactsException(
        dev.artifacts.ArtifactsException.Kind.INVALID,
        "invalid_parameter",
        name + " must be a non-negative event id, got '" + raw + "'");
  }
}
