package dev.artifacts.servlet.internal;

import dev.artifacts.Artifacts;
import dev.artifacts.ArtifactsException;
import dev.artifacts.spi.StorageException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API under {@code /v1}: offers each request to the endpoint groups in turn and turns
 * failures into JSON error answers.
 */
public final class RestHandler {
  private static final Logger LOG = LoggerFactory.getLogger(RestHandler.class);

  private final Artifacts artifacts;
  private final String publicBaseUrl;
  private final List<RestRoutes> routes;
  private final EventRoutes events;

  public RestHandler(Artifacts artifacts, String publicBaseUrl) {
    this.artifacts = artifacts;
    this.publicBaseUrl = publicBaseUrl == null ? null : publicBaseUrl.replaceAll("/+$", "");
    this.events = new EventRoutes(artifacts);
    this.routes = List.of(events, new RepositoryRoutes(), new CommitRoutes(), new ContentRoutes());
  }

  /** @param path the part after {@code /v1}, for example {@code /repos} */
  public void handle(HttpServletRequest req, HttpServletResponse resp, String path)
      throws IOException {
    RestCall call = new RestCall(artifacts, req, resp, path, publicBaseUrl);
    try {
      if (path.equals("/health")) {
        call.allow("GET");
        call.json(200, Map.of("ok", true));
        return;
      }
      for (RestRoutes group : routes) {
        if (group.handle(call)) {
          return;
        }
      }
      HttpResponses.jsonError(resp, 404, "not_found", "no such endpoint: " + req.getMethod() + " /v1" + path);
    } catch (RestProblem p) {
      if (resp.isCommitted()) {
        LOG.debug("{} {} failed after the answer started: {}", req.getMethod(), path, p.getMessage());
        return;
      }
      resp.reset();
      p.headers.forEach(resp::setHeader);
      HttpResponses.jsonError(resp, p.status, p.code, p.getMessage());
    } catch (ArtifactsException e) {
      if (resp.isCommitted()) {
        LOG.debug("{} {} failed after the answer started: {}", req.getMethod(), path, e.getMessage());
        return;
      }
      resp.reset();
      HttpResponses.jsonError(resp, status(e.kind()), e.code(), e.getMessage(), e.details());
    } catch (StorageException e) {
      storageFailure(req, resp, path, e);
    } catch (UncheckedIOException e) {
      StorageException storage = dev.artifacts.internal.Failures.storageCause(e);
      if (storage != null) {
        storageFailure(req, resp, path, storage);
        return;
      }
      internalError(req, resp, path, e);
    } catch (RuntimeException e) {
      internalError(req, resp, path, e);
    } finally {
      dev.artifacts.internal.events.RequestActor.clear();
    }
  }

  /** Ends the open event streams; called when the servlet is destroyed. */
  public void shutdown() {
    events.shutdown();
  }

  private static void storageFailure(
      HttpServletRequest req, HttpServletResponse resp, String path, StorageException e)
      throws IOException {
    if (resp.isCommitted()) {
      LOG.warn("storage failure on {} {} after the answer started", req.getMethod(), path, e);
      return;
    }
    resp.reset();
    if (e.isTransient()) {
      resp.setHeader("Retry-After", "1");
      HttpResponses.jsonError(resp, 503, "storage_busy", "storage is busy, retry shortly: " + e.getMessage());
    } else {
      LOG.error("storage failure on {} {}", req.getMethod(), path, e);
      HttpResponses.jsonError(resp, 500, "storage_failure", "storage failure; see the server log");
    }
  }

  private static void internalError(
      HttpServletRequest req, HttpServletResponse resp, String path, RuntimeException e)
      throws IOException {
    LOG.error("{} {} failed", req.getMethod(), path, e);
    if (resp.isCommitted()) {
      return;
    }
    resp.reset();
    HttpResponses.jsonError(resp, 500, "internal_error", "internal server error; see the server log");
  }

  static int status(ArtifactsException.Kind kind) {
    return switch (kind) {
      case INVALID -> 400;
      case NOT_FOUND -> 404;
      case CONFLICT -> 409;
      case FORBIDDEN -> 403;
      case TOO_LARGE -> 413;
    };
  }
}
