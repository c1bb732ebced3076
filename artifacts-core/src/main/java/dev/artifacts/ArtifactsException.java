package dev.artifacts;

/**
 * A request to the {@link Artifacts} API that cannot be carried out. {@link #kind()} says which
 * of a few client-visible reasons applies; {@link #code()} is a stable machine-readable code
 * (for example {@code invalid_id}, {@code repo_exists}, {@code not_found}); the message says what
 * is wrong in words a user can act on.
 */
public class ArtifactsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The broad reason, which the REST layer maps to an HTTP status. */
  public enum Kind {
    /** Malformed or invalid input (400). */
    INVALID,
    /** The named thing does not exist, or the caller may not know it does (404). */
    NOT_FOUND,
    /** The request conflicts with the current state (409). */
    CONFLICT,
    /** The caller may not do this (403). */
    FORBIDDEN,
    /** The request exceeds a size limit (413); the details name the limit. */
    TOO_LARGE
  }

  private final Kind kind;
  private final String code;
  private final transient java.util.Map<String, Object> details;

  public ArtifactsException(Kind kind, String code, String message) {
    this(kind, code, message, java.util.Map.of());
  }

  /**
   * @param details machine-readable facts about the failure (for example {@code expected} and
   *     {@code current} of a ref conflict); values are strings, numbers, booleans, null, lists
   *     or maps of those. The REST layer adds them to the error object.
   */
  public ArtifactsException(Kind kind, String code, String message, java.util.Map<String, Object> details) {
    super(message);
    this.kind = java.util.Objects.requireNonNull(kind, "kind");
    this.code = java.util.Objects.requireNonNull(code, "code");
    this.details = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(details));
  }

  /** @return machine-readable facts about the failure, in a stable order; never null */
  public java.util.Map<String, Object> details() {
    return details;
  }

  /** @return the broad reason; never null */
  public Kind kind() {
    return kind;
  }

  /** @return the stable machine-readable code; never null */
  public String code() {
    return code;
  }
}
