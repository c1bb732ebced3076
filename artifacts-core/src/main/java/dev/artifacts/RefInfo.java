package dev.artifacts;

import java.util.Objects;

/**
 * One ref of a repository.
 *
 * @param name full name, for example {@code refs/tags/v1}
 * @param objectId the object it points at (40 hex digits)
 * @param peeledId for an annotated tag, the object the tag finally points at; otherwise null
 */
public record RefInfo(String name, String objectId, String peeledId) {
  public RefInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(objectId, "objectId");
  }
}
