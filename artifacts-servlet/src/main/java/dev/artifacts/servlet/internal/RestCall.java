package dev.artifacts.servlet.internal;

import dev.artifacts.Artifacts;
import dev.artifacts.ArtifactsException;
import dev.artifacts.AuthRequest;
import dev.artifacts.Permission;
import dev.artifacts.Principal;
import dev.artifacts.internal.json.Json;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * One REST request: its path split for routing, the caller, and helpers for the answer. Not
 * thread-safe; lives for one request.
 */
final class RestCall {
  static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;

  final Artifacts artifacts;
  final HttpServletRequest req;
  final HttpServletResponse resp;
  /** The path after {@code /v1}, for example {@code /repos/abc/tree}. */
  final String path;
  final String method;
  private final String publicBaseUrl;
  private Optional<Principal> principal;

  RestCall(
      Artifacts artifacts,
      HttpServletRequest req,
      HttpServletResponse resp,
      String path,
      String publicBaseUrl) {
    this.artifacts = artifacts;
    this.req = req;
    this.resp = resp;
    this.path = path;
    this.method = req.getMethod();
    this.publicBaseUrl = publicBaseUrl;
  }

  /**
   * The repository id and the rest of the path, for paths {@code /repos/{id}} and {@code
   * /repos/{id}/...}.
   *
   * @return {@code [id, rest]} where rest is empty or starts with {@code /}; empty for other paths
   */
  Optional<String[]> repoPath() {
    if (!path.startsWith("/repos/")) {
      return Optional.empty();
    }
    String rest = path.substring("/repos/".length());
    int slash = rest.indexOf('/');
    String id = slash < 0 ? rest : rest.substring(0, slash);
    if (id.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new String[] {id, slash < 0 ? "" : rest.substring(slash)});
  }

  /**
   * Authenticates the caller and checks the permission; existence of the repository is not
   * checked here, so that callers without access learn nothing about it.
   *
   * @param repositoryId the repository, or null for an instance-wide action
   * @return the caller
   * @throws RestProblem 401 when nobody recognises the credentials, 403 when the caller may not
   *     do this (with code {@code read_only} for a write to a read-only repository)
   */
  Principal require(String repositoryId, Permission permission) {
    Principal who = principal(repositoryId).orElseThrow(() -> unauthorized());
    if (artifacts.isAllowed(who, repositoryId, permission)) {
      dev.artifacts.internal.events.RequestActor.set(who.name());
      return who;
    }
    if (permission == Permission.WRITE
        && repositoryId != null
        && artifacts.isAllowed(who, repositoryId, Permission.READ)
        && artifacts.isReadOnly(repositoryId)) {
      throw new RestProblem(403, "read_only", "repository '" + repositoryId + "' is read-only");
    }
    String what =
        switch (permission) {
          case READ -> "read";
          case WRITE -> "write to";
          case ADMIN -> "administer";
        };
    throw new RestProblem(
        403,
        "forbidden",
        repositoryId == null
            ? "your credentials do not allow this; it needs the admin token"
            : "your credentials do not allow you to " + what + " repository '" + repositoryId + "'");
  }

  /** @return the caller, authenticated once per request */
  Optional<Principal> principal(String repositoryId) {
    if (principal == null) {
      principal = artifacts.authenticate(new ServletAuthRequest(req, repositoryId));
      if (principal == null) {
        principal = Optional.empty();
      }
    }
    return principal;
  }

  private RestProblem unauthorized() {
    boolean presented = req.getHeader("Authorization") != null;
    return new RestProblem(
        401,
        "unauthorized",
        presented
            ? "the credentials presented are not valid (unknown, revoked or expired token)"
            : "authentication required: Authorization: Bearer TOKEN",
        Map.of(
            "WWW-Authenticate",
            presented ? "Bearer realm=\"artifacts\", error=\"invalid_token\"" : "Bearer realm=\"artifacts\""));
  }

  /** @throws RestProblem 405 naming the allowed methods unless the method is one of them */
  void allow(String... methods) {
    if (Arrays.asList(methods).contains(method)
        || (method.equals("HEAD") && Arrays.asList(methods).contains("GET"))) {
      return;
    }
    String allowed = String.join(", ", methods);
    throw new RestProblem(
        405, "method_not_allowed", "use " + allowed + " on this endpoint", Map.of("Allow", allowed));
  }

  /** Reads a JSON object body of at most {@link #DEFAULT_MAX_BODY_BYTES}; empty body: empty map. */
  Map<String, Object> jsonBody() throws IOException {
    return jsonBody(DEFAULT_MAX_BODY_BYTES);
  }

  /**
   * Reads a JSON object body. A body whose Content-Length announces more than {@code maxBytes}
   * is refused before any of it is read; otherwise at most {@code maxBytes + 1} bytes are read.
   *
   * @throws ArtifactsException {@code body_too_large} (TOO_LARGE) past {@code maxBytes}, {@code
   *     invalid_json} (INVALID) when it is not a JSON object
   */
  @SuppressWarnings("unchecked")
  Map<String, Object> jsonBody(int maxBytes) throws IOException {
    if (req.getContentLengthLong() > maxBytes) {
      // announced too large: refuse before reading any of it
      throw bodyTooLarge(maxBytes);
    }
    byte[] bytes;
    try (InputStream in = req.getInputStream()) {
      bytes = in.readNBytes(maxBytes + 1);
    }
    if (bytes.length > maxBytes) {
      throw bodyTooLarge(maxBytes);
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

  private static ArtifactsException bodyTooLarge(int maxBytes) {
    return new ArtifactsException(
        ArtifactsException.Kind.TOO_LARGE,
        "body_too_large",
        "request body exceeds " + maxBytes + " bytes",
        Map.of("limit", maxBytes));
  }

  /** Writes a JSON answer. */
  void json(int status, Object body) throws IOException {
    HttpResponses.json(resp, status, body);
  }

  /** @return the query parameter, or null when absent */
  String param(String name) {
    return req.getParameter(name);
  }

  /**
   * @return the integer query parameter, or {@code fallback} when absent
   * @throws ArtifactsException INVALID naming the parameter when it is not an integer in range
   */
  long longParam(String name, long fallback, long min, long max) {
    String raw = req.getParameter(name);
    if (raw == null || raw.isEmpty()) {
      return fallback;
    }
    try {
      long v = Long.parseLong(raw);
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ArtifactsException(
        ArtifactsException.Kind.INVALID,
        "invalid_parameter",
        "query parameter '" + name + "' must be an integer from " + min + " to " + max + ", got '" + raw + "'");
  }

  /** @return the clone URL of a repository, with {@code token} as the Basic password */
  String remoteUrl(String id, String token) {
    URI base = URI.create(baseUrl());
    String userInfo = "x:" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    String authority = userInfo + "@" + base.getRawAuthority();
    String basePath = base.getRawPath() == null ? "" : base.getRawPath();
    return base.getScheme() + "://" + authority + basePath + "/git/" + id + ".git";
  }

  /** @return the externally visible URL of the servlet's mount point, without a trailing slash */
  String baseUrl() {
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

  /** The container-independent view of a request that authenticators see. */
  record ServletAuthRequest(HttpServletRequest req, String repositoryId) implements AuthRequest {
    @Override
    public Optional<String> header(String name) {
      return Optional.ofNullable(req.getHeader(name));
    }

    @Override
    public String remoteAddress() {
      return req.getRemoteAddr();
    }
  }
}
