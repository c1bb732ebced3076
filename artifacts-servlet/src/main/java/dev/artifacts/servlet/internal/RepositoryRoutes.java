package dev.artifacts.servlet.internal;

import dev.artifacts.ArtifactsException;
import dev.artifacts.CreatedRepository;
import dev.artifacts.IssuedToken;
import dev.artifacts.Permission;
import dev.artifacts.Principal;
import dev.artifacts.RefInfo;
import dev.artifacts.RepositoryInfo;
import dev.artifacts.TokenInfo;
import dev.artifacts.TokenScope;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Repositories, forks, compaction and tokens: {@code /repos}, {@code /repos/{id}}, {@code
 * /repos/{id}/forks}, {@code /repos/{id}/compact}, {@code /repos/{id}/tokens[/rotate]}, {@code
 * /tokens/revoke}.
 */
final class RepositoryRoutes implements RestRoutes {
  private static final int MAX_PAGE = 1000;

  @Override
  public boolean handle(RestCall call) throws IOException {
    if (call.path.equals("/repos")) {
      call.allow("GET", "POST");
      call.require(null, Permission.ADMIN);
      if (call.method.equals("POST")) {
        create(call);
      } else {
        list(call);
      }
      return true;
    }
    if (call.path.equals("/tokens/revoke")) {
      call.allow("POST");
      revoke(call);
      return true;
    }
    var repoPath = call.repoPath();
    if (repoPath.isEmpty()) {
      return false;
    }
    String id = repoPath.get()[0];
    switch (repoPath.get()[1]) {
      case "" -> {
        call.allow("GET", "DELETE");
        if (call.method.equals("DELETE")) {
          call.require(id, Permission.ADMIN);
          if (!call.artifacts.deleteRepository(id, "true".equals(call.param("cascade")))) {
            throw notFound(id);
          }
          call.resp.setStatus(204);
        } else {
          Principal who = call.require(id, Permission.READ);
          call.json(200, infoJson(call.artifacts.info(id, who)));
        }
      }
      case "/forks" -> {
        call.allow("POST");
        call.require(id, Permission.ADMIN);
        fork(call, id);
      }
      case "/compact" -> {
        call.allow("POST");
        call.require(id, Permission.ADMIN);
        call.artifacts.compact(id);
        call.json(200, Map.of("id", id, "compacted", true));
      }
      case "/tokens" -> {
        call.allow("GET", "POST");
        call.require(id, Permission.ADMIN);
        if (call.method.equals("POST")) {
          Map<String, Object> body = call.jsonBody();
          IssuedToken token = call.artifacts.issueToken(id, scope(body, id, call), ttl(body));
          call.json(201, issuedJson(call, token));
        } else {
          List<Map<String, Object>> tokens = new ArrayList<>();
          for (TokenInfo t : call.artifacts.listTokens(id)) {
            tokens.add(tokenJson(t));
          }
          call.json(200, Map.of("tokens", tokens));
        }
      }
      case "/tokens/rotate" -> {
        call.allow("POST");
        call.require(id, Permission.ADMIN);
        Map<String, Object> body = call.jsonBody();
        IssuedToken token = call.artifacts.rotateTokens(id, scope(body, id, call), ttl(body));
        call.json(201, issuedJson(call, token));
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  private static void create(RestCall call) throws IOException {
    Map<String, Object> body = call.jsonBody();
    created(call, call.artifacts.createRepository(optionalString(body, "id", "invalid_id")));
  }

  private static void list(RestCall call) throws IOException {
    long offset = call.longParam("offset", 0, 0, Long.MAX_VALUE);
    int limit = (int) call.longParam("limit", 100, 1, MAX_PAGE);
    List<String> ids = call.artifacts.listRepositories(offset, limit);
    call.resp.setHeader("X-Total-Count", Long.toString(call.artifacts.countRepositories()));
    List<Map<String, Object>> repos = new ArrayList<>();
    for (String id : ids) {
      repos.add(Map.of("id", id));
    }
    call.json(200, Map.of("repos", repos, "offset", offset, "limit", limit));
  }

  private static void fork(RestCall call, String parentId) throws IOException {
    Map<String, Object> body = call.jsonBody();
    String id = optionalString(body, "id", "invalid_id");
    Object readOnly = body.getOrDefault("readOnly", Boolean.FALSE);
    if (!(readOnly instanceof Boolean)) {
      throw new ArtifactsException(
          ArtifactsException.Kind.INVALID, "invalid_read_only", "\"readOnly\" must be true or false");
    }
    created(call, call.artifacts.fork(parentId, id, (Boolean) readOnly));
  }

  private static void revoke(RestCall call) throws IOException {
    Map<String, Object> body = call.jsonBody();
    Object token = body.get("token");
    if (!(token instanceof String secret) || secret.isEmpty()) {
      throw new ArtifactsException(
          ArtifactsException.Kind.INVALID, "invalid_token", "body must be {\"token\": \"SECRET\"}");
    }
    // Knowing the secret is the authority to revoke it; the answer is the same whether or not
    // the token existed, so it tells nothing about other secrets.
    call.artifacts.revokeToken(secret);
    call.resp.setStatus(204);
  }

  private static void created(RestCall call, CreatedRepository created) throws IOException {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", created.id());
    out.put("remote", call.remoteUrl(created.id(), created.token()));
    out.put("token", created.token());
    call.resp.setHeader("Location", call.baseUrl() + "/v1/repos/" + created.id());
    call.json(201, out);
  }

  private static TokenScope scope(Map<String, Object> body, String id, RestCall call) {
    Object scope = body.get("scope");
    if (scope == null) {
      return call.artifacts.isReadOnly(id) ? TokenScope.READ : TokenScope.WRITE;
    }
    try {
      if (scope instanceof String s) {
        return TokenScope.fromWireName(s);
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw new ArtifactsException(
        ArtifactsException.Kind.INVALID, "invalid_scope", "\"scope\" must be \"read\" or \"write\"");
  }

  private static Duration ttl(Map<String, Object> body) {
    Object ttl = body.get("ttlSeconds");
    if (ttl == null) {
      return null;
    }
    if (ttl instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.longValue() > 0
        && n.longValue() <= 100L * 365 * 24 * 3600) {
      return Duration.ofSeconds(n.longValue());
    }
    throw new ArtifactsException(
        ArtifactsException.Kind.INVALID,
        "invalid_ttl",
        "\"ttlSeconds\" must be a whole number of seconds from 1 to 3153600000");
  }

  private static Map<String, Object> issuedJson(RestCall call, IssuedToken token) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("token", token.secret());
    out.put("remote", call.remoteUrl(token.info().repositoryId(), token.secret()));
    out.put("expiresAt", token.info().expiresAt() == null ? null : token.info().expiresAt().toString());
    out.put("id", token.info().id());
    out.put("scope", token.info().scope().wireName());
    return out;
  }

  static Map<String, Object> tokenJson(TokenInfo t) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", t.id());
    out.put("scope", t.scope().wireName());
    out.put("createdAt", t.createdAt().toString());
    out.put("expiresAt", t.expiresAt() == null ? null : t.expiresAt().toString());
    return out;
  }

  private static Map<String, Object> infoJson(RepositoryInfo info) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", info.id());
    out.put("parent", info.parentId());
    out.put("readOnly", info.readOnly());
    out.put("head", info.head());
    List<Map<String, Object>> refs = new ArrayList<>();
    for (RefInfo r : info.refs()) {
      refs.add(refJson(r));
    }
    out.put("refs", refs);
    out.put("sizeBytes", info.sizeBytes());
    out.put("commitCount", info.commitCount());
    out.put("forkCount", info.forkCount());
    return out;
  }

  static Map<String, Object> refJson(RefInfo r) {
    Map<String, Object> ref = new LinkedHashMap<>();
    ref.put("name", r.name());
    ref.put("objectId", r.objectId());
    if (r.peeledId() != null) {
      ref.put("peeledId", r.peeledId());
    }
    return ref;
  }

  private static String optionalString(Map<String, Object> body, String field, String code) {
    Object v = body.get(field);
    if (v != null && !(v instanceof String)) {
      throw new ArtifactsException(
          ArtifactsException.Kind.INVALID, code, "\"" + field + "\" must be a string");
    }
    return (String) v;
  }

  private static ArtifactsException notFound(String id) {
    return new ArtifactsException(
        ArtifactsException.Kind.NOT_FOUND, "not_found", "repository '" + id + "' not found");
  }
}
