package dev.artifacts.servlet.internal;

import dev.artifacts.Artifacts;
import dev.artifacts.ArtifactsException;
import dev.artifacts.CreatedRepository;
import dev.artifacts.internal.BasicTokenAuthenticator;
import dev.artifacts.internal.json.Json;
import dev.artifacts.spi.StorageException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The REST API under {@code /v1}. */
public final class RestHandler {
  private static final Logger LOG = LoggerFactory.getLogger(RestHandler.class);
  private static final int MAX_BODY_BYTES = 1 << 20;

  private final Artifacts artifacts;
  private final String publicBaseUrl;

  public RestHandler(Artifacts artifacts, String publicBaseUrl) {
    this.artifacts = artifacts;
    this.publicBaseUrl =
        publicBaseUrl == null ? null : publicBaseUrl.replaceAll("/+$", "");
  }

  /** @param path the part after {@code /v1}, for example {@code /repos} */
  public void handle(HttpServletRequest req, HttpServletResponse resp, String path)
      throws IOException {
    try {
      route(req, resp, path);
    } catch (ArtifactsException e) {
      HttpResponses.jsonError(resp, status(e.kind()), e.code(), e.getMessage());
    } catch (StorageException e) {
      if (e.isTransient()) {
        resp.setHeader("Retry-After", "1");
        HttpResponses.jsonError(resp, 503, "storage_busy", "storage is busy, retry shortly: " + e.getMessage());
      } else {
        LOG.error("storage failure on {} {}", req.getMethod(), path, e);
        HttpResponses.jsonError(resp, 500, "storage_failure", "storage failure; see the server log");
      }
    }
  }

  private void route(HttpServletRequest req, HttpServletResponse resp, String path)
      throws IOException {
    String method = req.getMethod();
    if (path.equals("/health")) {
      if (!method.equals("GET") && !method.equals("HEAD")) {
        methodNotAllowed(resp, "GET");
        return;
      }
      HttpResponses.json(resp, 200, Map.of("ok", true));
      return;
    }
    if (path.equals("/repos")) {
      if (!method.equals("POST")) {
        methodNotAllowed(resp, "POST");
        return;
      }
      if (!requireAdmin(req, resp)) {
        return;
      }
      createRepository(req, resp);
      return;
    }
    if (path.startsWith("/repos/")) {
      String rest = path.substring("/repos/".length());
      int slash = rest.indexOf('/');
      String id = slash < 0 ? rest : rest.substring(0, slash);
      String sub = slash < 0 ? "" : rest.substring(slash);
      if (sub.isEmpty()) {
        if (!method.equals("DELETE")) {
          methodNotAllowed(resp, "DELETE");
          return;
        }
        if (!requireAdmin(req, resp)) {
          return;
        }
        boolean cascade = "true".equals(req.getParameter("cascade"));
        if (!artifacts.deleteRepository(id, cascade)) {
          throw new ArtifactsException(
              ArtifactsException.Kind.NOT_FOUND, "not_found", "repository '" + id + "' not found");
        }
        resp.setStatus(204);
        return;
      }
      if (sub.equals("/compact")) {
        if (!method.equals("POST")) {
          methodNotAllowed(resp, "POST");
          return;
        }
        if (!requireAdmin(req, resp)) {
          return;
        }
        artifacts.compact(id);
        HttpResponses.json(resp, 200, Map.of("id", id, "compacted", true));
        return;
      }
      if (sub.equals("/forks")) {
        if (!method.equals("POST")) {
          methodNotAllowed(resp, "POST");
          return;
        }
        if (!requireAdmin(req, resp)) {
          return;
        }
        fork(req, resp, id);
        return;
      }
    }
    HttpResponses.jsonError(resp, 404, "not_found", "no such endpoint: " + method + " /v1" + path);
  }

  private void fork(HttpServletRequest req, HttpServletResponse resp, String parentId)
      throws IOException {
    Map<String, Object> body = readJsonObject(req);
    Object id = body.get("id");
    if (id != null && !(id instanceof String)) {
      throw new ArtifactsException(
          ArtifactsException.Kind.INVALID, "invalid_id", "\"id\" must be a string");
    }
    Object readOnly = body.getOrDefault("readOnly", Boolean.FALSE);
    if (!(readOnly instanceof Boolean)) {
      throw new ArtifactsException(
          ArtifactsException.Kind.INVALID, "invalid_read_only", "\"readOnly\" must be true or false");
    }
    CreatedRepository created = artifacts.fork(parentId, (String) id, (Boolean) readOnly);
    created(req, resp, created);
  }

  private void created(HttpServletRequest req, HttpServletResponse resp, CreatedRepository created)
      throws IOException {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", created.id());
    out.put("remote", remoteUrl(req, created.id(), created.token()));
    out.put("token", created.token());
    resp.setHeader("Location", baseUrl(req) + "/v1/repos/" + created.id());
    HttpResponses.json(resp, 201, out);
  }

  private void createRepository(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Map<String, Object> body = readJsonObject(req);
    Object id = body.get("id");
    if (id != null && !(id instanceof String)) {
      throw new ArtifactsException(
          ArtifactsException.Kind.INVALID, "invalid_id", "\"id\" must be a string");
    }
    created(req, resp, artifacts.createRepository((String) id));
  }

  private boolean requireAdmin(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String header = req.getHeader("Authorization");
    String secret = header == null ? null : BasicTokenAuthenticator.secret(header).orElse(null);
    if (secret == null) {
      resp.setHeader("WWW-Authenticate", "Bearer realm=\"artifacts\"");
      HttpResponses.jsonError(resp, 401, "unauthorized", "this endpoint needs the admin token: Authorization: Bearer TOKEN");
      return false;
    }
    if (!artifacts.isAdminToken(secret)) {
      resp.setHeader("WWW-Authenticate", "Bearer realm=\"artifacts\", error=\"invalid_token\"");
      HttpResponses.jsonError(resp, 401, "unauthorized", "the admin token is not valid");
      return false;
    }
    return true;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> readJsonObject(HttpServletRequest req) throws IOException {
    byte[] bytes;
    try (InputStream in = req.getInputStream()) {
      bytes = in.readNBytes(MAX_BODY_BYTES + 1);
    }
    if (bytes.length > MAX_BODY_BYTES) {
      throw new ArtifactsException(
          ArtifactsException.Kind.INVALID, "body_too_large", "request body exceeds " + MAX_BODY_BYTES + " bytes");
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (text.isBlank()) {
      return Map.of();
    }
    Object parsed;
    try {
      parsed = Json.parse(text);
    } catch (Json.ParseException e) {
      throw new ArtifactsException(ArtifactsException.Kind.INVALID, "invalid_json", e.getMessage());
    }
    if (!(parsed instanceof Map)) {
      throw new ArtifactsException(
          ArtifactsException.Kind.INVALID, "invalid_json", "the request body must be a JSON object");
    }
    return (Map<String, Object>) parsed;
  }

  private String remoteUrl(HttpServletRequest req, String id, String token) {
    URI base = URI.create(baseUrl(req));
    String userInfo = "x:" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    String authority = userInfo + "@" + base.getRawAuthority();
    String path = base.getRawPath() == null ? "" : base.getRawPath();
    return base.getScheme() + "://" + authority + path + "/git/" + id + ".git";
  }

  private String baseUrl(HttpServletRequest req) {
    if (publicBaseUrl != null) {
      return publicBaseUrl;
    }
    String host = req.getServerName();
    if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    int port = req.getServerPort();
    boolean defaultPort =
        (req.getScheme().equals("http") && port == 80) || (req.getScheme().equals("https") && port == 443);
    return req.getScheme() + "://" + host + (defaultPort ? "" : ":" + port)
        + req.getContextPath() + req.getServletPath();
  }

  private static void methodNotAllowed(HttpServletResponse resp, String allowed) throws IOException {
    resp.setHeader("Allow", allowed);
    HttpResponses.jsonError(resp, 405, "method_not_allowed", "use " + allowed + " on this endpoint");
  }

  private static int status(ArtifactsException.Kind kind) {
    return switch (kind) {
      case INVALID -> 400;
      case NOT_FOUND -> 404;
      case CONFLICT -> 409;
      case FORBIDDEN -> 403;
    };
  }
}
