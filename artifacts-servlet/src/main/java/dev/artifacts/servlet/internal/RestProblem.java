package dev.artifacts.servlet.internal;

import java.util.Map;

/**
 * An HTTP error answer raised from inside an endpoint, for failures that are about HTTP itself
 * (authentication, method, content type) rather than about the operation.
 */
final class RestProblem extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int status;
  final String code;
  final transient Map<String, String> headers;

  RestProblem(int status, String code, String message) {
    this(status, code, message, Map.of());
  }

  RestProblem(int status, String code, String message, Map<String, String> headers) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}
