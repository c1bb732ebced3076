package dev.artifacts.servlet.internal;

import dev.artifacts.Artifacts;
import dev.artifacts.Permission;
import dev.artifacts.Principal;
import dev.artifacts.events.Event;
import dev.artifacts.internal.Failures;
import dev.artifacts.internal.events.ChangeCause;
import dev.artifacts.internal.git.GitService;
import dev.artifacts.internal.git.GitService.ProtocolRequest;
import dev.artifacts.spi.RepositoryIds;
import dev.artifacts.spi.StorageException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;
import org.eclipse.jgit.errors.PackProtocolException;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.ServiceMayNotContinueException;
import org.eclipse.jgit.transport.UploadPackInternalServerErrorException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Git smart HTTP: routing, authentication, content types and error reporting to git clients. */
public final class GitHttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(GitHttpHandler.class);

  private final Artifacts artifacts;
  private final GitService service;

  public GitHttpHandler(Artifacts artifacts) {
    this.artifacts = artifacts;
    this.service = new GitService(artifacts.pushLimits());
  }

  /** @param path the part after {@code /git/}, for example {@code abc.git/info/refs} */
  public void handle(HttpServletRequest req, HttpServletResponse resp, String path)
      throws IOException {
    int slash = path.indexOf('/');
    if (slash <= 0) {
      HttpResponses.text(resp, 404, "not a Git repository URL: /git/" + path);
      return;
    }
    String repoPart = path.substring(0, slash);
    String id = repoPart.endsWith(".git") ? repoPart.substring(0, repoPart.length() - 4) : repoPart;
    String action = path.substring(slash + 1);
    String method = req.getMethod();

    String svc;
    boolean advertisement;
    if (action.equals("info/refs") && method.equals("GET")) {
      svc = req.getParameter("service");
      if (svc == null) {
        HttpResponses.text(
            resp, 403, "this server speaks smart HTTP only; use git 1.6.6 or newer");
        return;
      }
      advertisement = true;
    } else if ((action.equals(GitService.UPLOAD_PACK) || action.equals(GitService.RECEIVE_PACK))
        && method.equals("POST")) {
      svc = action;
      advertisement = false;
    } else if (action.equals("info/refs")
        || action.equals(GitService.UPLOAD_PACK)
        || action.equals(GitService.RECEIVE_PACK)) {
      resp.setHeader("Allow", action.equals("info/refs") ? "GET" : "POST");
      HttpResponses.text(resp, 405, method + " is not allowed on " + action);
      return;
    } else {
      HttpResponses.text(resp, 404, "not found: /git/" + path + " (only smart HTTP is served)");
      return;
    }
    if (!svc.equals(GitService.UPLOAD_PACK) && !svc.equals(GitService.RECEIVE_PACK)) {
      HttpResponses.text(resp, 403, "unsupported service '" + svc + "'");
      return;
    }
    if (!RepositoryIds.isValid(id)) {
      HttpResponses.text(resp, 404, "repository '" + id + "' not found");
      return;
    }
    boolean write = svc.equals(GitService.RECEIVE_PACK);
    Optional<Principal> who = artifacts.authenticate(new RestCall.ServletAuthRequest(req, id));
    if (who == null || who.isEmpty()) {
      resp.setHeader("WWW-Authenticate", "Basic realm=\"artifacts\", charset=\"UTF-8\"");
      HttpResponses.text(resp, 401, "authentication required: use a token for repository '" + id + "' as the password");
      return;
    }
    Principal principal = who.get();
    if (!artifacts.isAllowed(principal, id, Permission.READ)) {
      HttpResponses.text(resp, 403, "your credentials do not grant access to repository '" + id + "'");
      return;
    }
    if (write && !artifacts.isAllowed(principal, id, Permission.WRITE)) {
      HttpResponses.text(
          resp,
          403,
          artifacts.isReadOnly(id)
              ? "repository '" + id + "' is read-only"
              : "read-only access: these credentials cannot push to repository '" + id + "'");
      return;
    }
    Predicate<String> visible =
        artifacts.hidesNoRefs() ? null : name -> artifacts.isRefVisible(principal, id, name);
    Optional<Repository> repo;
    try {
      repo = artifacts.repository(id);
    } catch (StorageException e) {
      storageFailure(resp, e);
      return;
    }
    if (repo.isEmpty()) {
      HttpResponses.text(resp, 404, "repository '" + id + "' not found");
      return;
    }
    ProtocolRequest protocol = ProtocolRequest.parse(req.getHeader("Git-Protocol"));
    try {
      if (advertisement) {
        advertise(repo.get(), svc, protocol, visible, resp);
      } else if (write) {
        receive(repo.get(), principal, visible, req, resp);
      } else {
        upload(repo.get(), protocol, visible, req, resp);
      }
    } catch (RuntimeException | IOException e) {
      StorageException storage = Failures.storageCause(e);
      if (storage != null && !resp.isCommitted()) {
        storageFailure(resp, storage);
        return;
      }
      if (isClientGone(e)) {
        LOG.debug("client went away during {} on {}", svc, id, e);
        return;
      }
      LOG.error("{} failed on repository {}", svc, id, e);
      if (!resp.isCommitted()) {
        resp.reset();
        sendGitError(resp, svc, advertisement, "internal server error; see the server log");
      }
    }
  }

  private void advertise(
      Repository repo, String svc, ProtocolRequest protocol, Predicate<String> visible, HttpServletResponse resp)
      throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(4096);
    try {
      service.advertise(repo, svc, protocol, visible, buf);
    } catch (ServiceMayNotContinueException e) {
      sendGitError(resp, svc, true, e.getMessage());
      return;
    }
    resp.setStatus(200);
    resp.setContentType("application/x-" + svc + "-advertisement");
    resp.setHeader("Cache-Control", "no-cache, max-age=0, must-revalidate");
    resp.setContentLength(buf.size());
    try (OutputStream out = resp.getOutputStream()) {
      buf.writeTo(out);
    }
  }

  private void upload(
      Repository repo,
      ProtocolRequest protocol,
      Predicate<String> visible,
      HttpServletRequest req,
      HttpServletResponse resp)
      throws IOException {
    if (!"application/x-git-upload-pack-request".equals(req.getContentType())) {
      HttpResponses.text(resp, 415, "expected Content-Type application/x-git-upload-pack-request");
      return;
    }
    resp.setContentType("application/x-git-upload-pack-result");
    resp.setHeader("Cache-Control", "no-cache, max-age=0, must-revalidate");
    OutputStream out = resp.getOutputStream();
    try (InputStream in = requestBody(req)) {
      service.upload(repo, protocol, visible, in, out);
    } catch (UploadPackInternalServerErrorException e) {
      // The error was already reported to the client in the protocol stream.
      LOG.warn("upload-pack failed on {}: {}", repo, e.getMessage());
    } catch (ServiceMayNotContinueException | PackProtocolException e) {
      if (!resp.isCommitted()) {
        resp.reset();
        sendGitError(resp, GitService.UPLOAD_PACK, false, e.getMessage());
      } else {
        LOG.debug("upload-pack refused on {}: {}", repo, e.getMessage());
      }
      return;
    }
    out.close();
  }

  private void receive(
      Repository repo, Principal principal, Predicate<String> visible, HttpServletRequest req,
      HttpServletResponse resp)
      throws IOException {
    if (!"application/x-git-receive-pack-request".equals(req.getContentType())) {
      HttpResponses.text(resp, 415, "expected Content-Type application/x-git-receive-pack-request");
      return;
    }
    resp.setContentType("application/x-git-receive-pack-result");
    resp.setHeader("Cache-Control", "no-cache, max-age=0, must-revalidate");
    OutputStream out = resp.getOutputStream();
    try (InputStream in = requestBody(req)) {
      // Every ref this push moves (HEAD too) becomes one "push" event, published when the
      // receive ends: after the refs are durable, before the response is closed.
      new ChangeCause(Event.TYPE_PUSH, principal.name())
          .during(() -> {
            service.receive(repo, pusher(req), visible, in, out);
            return null;
          });
    } catch (org.eclipse.jgit.errors.UnpackException | org.eclipse.jgit.errors.TooLargePackException
        | org.eclipse.jgit.errors.TooLargeObjectInPackException e) {
      // ReceivePack has already told the client why the pack was refused.
      LOG.info("push to {} refused: {}", repo, e.getMessage());
    }
    out.close();
  }

  private static String pusher(HttpServletRequest req) {
    return req.getRemoteAddr();
  }

  private static InputStream requestBody(HttpServletRequest req) throws IOException {
    InputStream in = req.getInputStream();
    String encoding = req.getHeader("Content-Encoding");
    if (encoding != null) {
      String e = encoding.trim().toLowerCase(Locale.ROOT);
      if (e.equals("gzip") || e.equals("x-gzip")) {
        return new GZIPInputStream(in, 8192);
      }
    }
    return in;
  }

  /** Reports an error the way git clients display it for the given service and phase. */
  private static void sendGitError(
      HttpServletResponse resp, String svc, boolean advertisement, String message)
      throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
    PacketLineOut pck = new PacketLineOut(buf);
    if (advertisement) {
      pck.writeString("# service=" + svc + "\n");
      pck.end();
    }
    pck.writeString("ERR " + message);
    resp.setStatus(200);
    resp.setContentType(
        advertisement ? "application/x-" + svc + "-advertisement" : "application/x-" + svc + "-result");
    resp.setContentLength(buf.size());
    try (OutputStream out = resp.getOutputStream()) {
      buf.writeTo(out);
    }
  }

  private static void storageFailure(HttpServletResponse resp, StorageException e) throws IOException {
    if (!e.isTransient()) {
      LOG.error("storage failure", e);
      resp.reset();
      HttpResponses.text(resp, 500, "storage failure; see the server log");
      return;
    }
    LOG.warn("transient storage failure: {}", e.getMessage());
    resp.reset();
    resp.setHeader("Retry-After", "1");
    HttpResponses.text(resp, 503, "storage is busy, retry shortly: " + e.getMessage());
  }

  private static boolean isClientGone(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof EOFException) {
        return true;
      }
      String name = t.getClass().getName();
      if (name.endsWith("EofException") || name.endsWith("ClosedChannelException")) {
        return true;
      }
    }
    return false;
  }
}
