package dev.artifacts.spi;

import java.util.Objects;

/**
 * A stored access token. The secret itself is never stored: only its hash.
 *
 * @param hash lowercase hex SHA-256 of the secret; the key of the record
 * @param repositoryId the repository the token grants access to
 * @param scope {@code read} or {@code write}
 * @param createdMillis issue time, epoch milliseconds
 * @param expiresMillis expiry, epoch milliseconds; 0 for a token that does not expire
 */
public record TokenRecord(
    String hash, String repositoryId, String scope, long createdMillis, long expiresMillis) {
  public TokenRecord {
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(repositoryId, "repositoryId");
    Objects.requireNonNull(scope, "scope");
  }
}
