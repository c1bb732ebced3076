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
    FORBIDDEN
  }

  private final Kind kind;
  private final String code;

  public ArtifactsException(Kind kind, String code, String message) {
    super(message);
    this.kind = kind;
    this.code = code;
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
