package dev.artifacts;

import java.time.Instant;
import java.util.Objects;

/**
 * What is known about an issued token, without its secret.
 *
 * @param id a public identifier of the token (a prefix of the hash of its secret): safe to log
 *     and show, useless for authenticating
 * @param repositoryId the repository the token grants access to
 * @param scope what it allows
 * @param createdAt when it was issued
 * @param expiresAt when it stops working, or null when it does not expire
 */
public record TokenInfo(
    String id, String repositoryId, TokenScope scope, Instant createdAt, Instant expiresAt) {
  public TokenInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(repositoryId, "repositoryId");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
