package dev.artifacts.servlet.internal;

import dev.artifacts.internal.json.Json;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writing JSON and plain-text responses. */
public final class HttpResponses {
  private HttpResponses() {}

  public static void json(HttpServletResponse resp, int status, Object body) throws IOException {
    byte[] bytes = (Json.write(body) + "\n").getBytes(StandardCharsets.UTF_8);
    resp.setStatus(status);
    resp.setContentType("application/json");
    resp.setCharacterEncoding("UTF-8");
    resp.setHeader("Cache-Control", "no-store");
    resp.setContentLength(bytes.length);
    try (OutputStream out = resp.getOutputStream()) {
      out.write(bytes);
    }
  }

  /** {@code {"error":{"code":...,"message":...}}} with the given status. */
  public static void jsonError(HttpServletResponse resp, int status, String code, String message)
      throws IOException {
    jsonError(resp, status, code, message, Map.of());
  }

  /**
   * {@code {"error":{"code":...,"message":..., ...details}}} with the given status; the details
   * (for example {@code expected} and {@code current} of a ref conflict) follow the message.
   */
  public static void jsonError(
      HttpServletResponse resp, int status, String code, String message, Map<String, Object> details)
      throws IOException {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", code);
    error.put("message", message);
    details.forEach(error::putIfAbsent);
    json(resp, status, Map.of("error", error));
  }

  /**
   * A plain-text error: git prints each line of a text/plain body of a failed request on the
   * user's terminal prefixed with {@code remote:}.
   */
  public static void text(HttpServletResponse resp, int status, String message) throws IOException {
    byte[] bytes = (message + "\n").getBytes(StandardCharsets.UTF_8);
    resp.setStatus(status);
    resp.setContentType("text/plain");
    resp.setCharacterEncoding("UTF-8");
    resp.setHeader("Cache-Control", "no-cache");
    resp.setContentLength(bytes.length);
    try (OutputStream out = resp.getOutputStream()) {
      out.write(bytes);
    }
  }
}
