package dev.artifacts.servlet.internal;

import dev.artifacts.ArtifactsException;
import dev.artifacts.CommitLimits;
import dev.artifacts.Permission;
import dev.artifacts.Principal;
import dev.artifacts.repo.CommitRequest;
import dev.artifacts.repo.CommitResult;
import dev.artifacts.repo.FileChange;
import dev.artifacts.repo.MergeRequest;
import dev.artifacts.repo.MergeResult;
import dev.artifacts.repo.MergeStrategy;
import dev.artifacts.repo.Person;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The write side door: {@code POST /repos/{id}/commits} and {@code POST /repos/{id}/merge}, a thin
 * mapping onto {@link dev.artifacts.repo.Repo#commit} and {@link dev.artifacts.repo.Repo#merge}.
 * Other methods on {@code /commits} are left to other groups (reads of the history).
 */
final class CommitRoutes implements RestRoutes {
  /** Room for JSON syntax and names around the file contents. */
  private static final long BODY_OVERHEAD = 1 << 20;

  @Override
  public boolean handle(RestCall call) throws IOException {
    var repoPath = call.repoPath();
    if (repoPath.isEmpty()) {
      return false;
    }
    String id = repoPath.get()[0];
    switch (repoPath.get()[1]) {
      case "/commits" -> {
        if (!call.method.equals("POST")) {
          return false;
        }
        Principal who = call.require(id, Permission.WRITE);
        commit(call, id, who);
      }
      case "/merge" -> {
        call.allow("POST");
        Principal who = call.require(id, Permission.WRITE);
        merge(call, id, who);
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  private static void commit(RestCall call, String id, Principal who) throws IOException {
    Map<String, Object> body = call.jsonBody(bodyLimit(call.artifacts.commitLimits()));
    String branch = string(body, "branch", true);
    if (!body.containsKey("parent")) {
      throw invalid(
          "invalid_parent", "'parent' is required: the commit id the branch is at now, or null to create the branch");
    }
    String parent = string(body, "parent", false);
    String message = string(body, "message", true);
    Person author = person(body.get("author"));
    Object rawChanges = body.get("changes");
    if (!(rawChanges instanceof List<?> list)) {
      throw invalid("invalid_request", "'changes' must be a list of {\"op\",\"path\",...} objects");
    }
    List<FileChange> changes = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      changes.add(change(list.get(i), i));
    }
    CommitResult result =
        call.artifacts.repo(id, who).commit(new CommitRequest(branch, parent, message, author, changes));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("commit", result.commit());
    out.put("tree", result.tree());
    out.put("branch", result.branch());
    call.json(201, out);
  }

  private static void merge(RestCall call, String id, Principal who) throws IOException {
    Map<String, Object> body = call.jsonBody();
    String source = string(body, "source", true);
    String target = string(body, "target", true);
    String rawStrategy = string(body, "strategy", false);
    MergeStrategy strategy =
        switch (rawStrategy == null ? "auto" : rawStrategy) {
          case "auto" -> MergeStrategy.AUTO;
          case "ff-only" -> MergeStrategy.FF_ONLY;
          case "merge" -> MergeStrategy.MERGE;
          default -> throw invalid(
              "invalid_strategy", "'strategy' must be \"auto\", \"ff-only\" or \"merge\", got '" + rawStrategy + "'");
        };
    String message = string(body, "message", false);
    Person author = person(body.get("author"));
    MergeResult result =
        call.artifacts.repo(id, who).merge(new MergeRequest(source, target, strategy, message, author));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("commit", result.commit());
    out.put("target", result.target());
    out.put("fastForward", result.fastForward());
    out.put("upToDate", result.upToDate());
    call.json(200, out);
  }

  private static FileChange change(Object raw, int index) {
    if (!(raw instanceof Map<?, ?> m)) {
      throw invalid("invalid_request", "changes[" + index + "] must be an object");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> c = (Map<String, Object>) m;
    String where = "changes[" + index + "]";
    String op = string(c, "op", true, where);
    String path = string(c, "path", true, where);
    switch (op) {
      case "delete" -> {
        return FileChange.delete(path);
      }
      case "write" -> {
        boolean text = c.get("content") != null;
        boolean base64 = c.get("contentBase64") != null;
        if (text == base64) {
          throw invalid(
              "invalid_request", where + " (write '" + path + "') needs exactly one of 'content' and 'contentBase64'");
        }
        byte[] content;
        if (text) {
          content = string(c, "content", true, where).getBytes(StandardCharsets.UTF_8);
        } else {
          try {
            content = Base64.getDecoder().decode(string(c, "contentBase64", true, where).replaceAll("[\\r\\n\\t ]", ""));
          } catch (IllegalArgumentException e) {
            throw invalid("invalid_request", where + ": 'contentBase64' of '" + path + "' is not valid base64");
          }
        }
        return FileChange.write(path, content, mode(c.get("mode"), path));
      }
      default -> throw invalid("invalid_request", where + ": 'op' must be \"write\" or \"delete\", got '" + op + "'");
    }
  }

  private static int mode(Object raw, String path) {
    if (raw == null) {
      return FileChange.REGULAR;
    }
    String digits = raw instanceof String s ? s : raw instanceof Number n ? n.toString() : null;
    if (digits != null && digits.matches("[0-7]{6}")) {
      return Integer.parseInt(digits, 8);
    }
    throw new ArtifactsException(
        ArtifactsException.Kind.INVALID,
        "invalid_mode",
        "invalid mode '" + raw + "' for '" + path + "': use \"100644\" (file), \"100755\" (executable) or \"120000\" (symlink)",
        Map.of("path", path));
  }

  private static Person person(Object raw) {
    if (raw == null) {
      return null;
    }
    if (!(raw instanceof Map<?, ?> m)) {
      throw invalid("invalid_author", "'author' must be an object {\"name\",\"email\"}");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> a = (Map<String, Object>) m;
    String name = string(a, "name", true, "author");
    String email = string(a, "email", false, "author");
    return new Person(name, email == null ? "" : email);
  }

  private static long bodyLimitLong(CommitLimits limits) {
    long request = limits.maxRequestBytes();
    if (request == 0) {
      return Integer.MAX_VALUE - 64;
    }
    return Math.min(Integer.MAX_VALUE - 64, request * 2 + BODY_OVERHEAD);
  }

  private static int bodyLimit(CommitLimits limits) {
    return (int) bodyLimitLong(limits);
  }

  private static String string(Map<String, Object> body, String field, boolean required) {
    return string(body, field, required, null);
  }

  private static String string(Map<String, Object> body, String field, boolean required, String where) {
    Object v = body.get(field);
    String name = where == null ? "'" + field + "'" : where + "." + field;
    if (v == null) {
      if (required) {
        throw invalid(codeFor(field), name + " is required");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      throw invalid(codeFor(field), name + " must be a string");
    }
    return s;
  }

  private static String codeFor(String field) {
    return switch (field) {
      case "branch", "target" -> "invalid_branch";
      case "parent" -> "invalid_parent";
      case "message" -> "invalid_message";
      case "path" -> "invalid_path";
      case "name", "email" -> "invalid_author";
      default -> "invalid_request";
    };
  }

  private static ArtifactsException invalid(String code, String message) {
    return new ArtifactsException(ArtifactsException.Kind.INVALID, code, message);
  }
}
