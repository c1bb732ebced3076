package dev.artifacts.servlet;

import dev.artifacts.Artifacts;
import dev.artifacts.servlet.internal.GitHttpHandler;
import dev.artifacts.servlet.internal.HttpResponses;
import dev.artifacts.servlet.internal.RestHandler;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Objects;

/**
 * Serves an {@link Artifacts} instance over HTTP: Git smart HTTP under {@code /git/} and the REST
 * API under {@code /v1/}, relative to where the servlet is mounted. Mount it at {@code /*} (or
 * {@code /prefix/*}); it uses only the Jakarta Servlet 6 API, so any compliant container (Jetty
 * 12 ee10, Tomcat 10.1, Spring Boot 3) can host it.
 *
 * <ul>
 *   <li>{@code GET /git/{id}.git/info/refs?service=git-upload-pack|git-receive-pack}
 *   <li>{@code POST /git/{id}.git/git-upload-pack}, {@code POST /git/{id}.git/git-receive-pack}
 *   <li>{@code /v1/...}: the REST API, event streams ({@code /v1/events}, {@code
 *       /v1/repos/{id}/events}) included, documented in {@code docs/rest-api.md}
 * </ul>
 *
 * <p>Thread-safe. Every request is authenticated with {@link Artifacts#authenticate} and checked
 * with {@link Artifacts#isAllowed}; refs the caller may not see ({@link
 * dev.artifacts.RefVisibility}) are neither advertised nor served.
 */
public class ArtifactsServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final transient GitHttpHandler git;
  private final transient RestHandler rest;

  /**
   * Serves {@code artifacts}; URLs handed out (clone remotes) are derived from each request's
   * scheme, host and port.
   */
  public ArtifactsServlet(Artifacts artifacts) {
    this(artifacts, null);
  }

  /**
   * @param publicBaseUrl the externally visible URL of the servlet's mount point (for example
   *     {@code https://git.example.com/artifacts}) used in URLs handed to clients, or null to
   *     derive it from each request
   */
  public ArtifactsServlet(Artifacts artifacts, String publicBaseUrl) {
    Objects.requireNonNull(artifacts, "artifacts");
    this.git = new GitHttpHandler(artifacts);
    this.rest = new RestHandler(artifacts, publicBaseUrl);
  }

  /**
   * Ends every open event stream now and answers new stream requests with 503. Call it before
   * stopping the container so that a graceful stop does not wait for streams that never end on
   * their own; {@link #destroy()} does the same. Idempotent; never throws.
   */
  public void closeEventStreams() {
    rest.shutdown();
  }

  /** Ends open event streams so that the container's shutdown does not wait on them. */
  @Override
  public void destroy() {
    closeEventStreams();
    super.destroy();
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String path = req.getPathInfo() == null ? "/" : req.getPathInfo();
    if (path.startsWith("/git/")) {
      git.handle(req, resp, path.substring("/git/".length()));
    } else if (path.startsWith("/v1/") || path.equals("/v1")) {
      rest.handle(req, resp, path.substring("/v1".length()));
    } else {
      HttpResponses.jsonError(resp, 404, "not_found", "no such endpoint: " + path);
    }
  }
}
