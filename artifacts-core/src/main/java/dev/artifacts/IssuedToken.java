package dev.artifacts;

import java.util.Objects;

/**
 * A newly issued token: the secret, shown once, and its metadata.
 *
 * @param secret the token to present as a Bearer token or Basic password; only its hash is stored
 * @param info the token's metadata, as {@link Artifacts#listTokens} will show it
 */
public record IssuedToken(String secret, TokenInfo info) {
  public IssuedToken {
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(info, "info");
  }

  @Override
  public String toString() {
    return "IssuedToken[" + info + "]";
  }
}
