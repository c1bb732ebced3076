package dev.artifacts;

import java.util.Objects;

/**
 * The holder of a live repository token. The built-in authorizer lets it read its own repository,
 * and write it when the scope is {@link TokenScope#WRITE}; nothing else.
 *
 * @param tokenId the token's public id (see {@link TokenInfo#id()}), never the secret
 * @param repositoryId the repository the token was issued for
 * @param scope what the token allows
 */
public record TokenPrincipal(String tokenId, String repositoryId, TokenScope scope)
    implements Principal {
  public TokenPrincipal {
    Objects.requireNonNull(tokenId, "tokenId");
    Objects.requireNonNull(repositoryId, "repositoryId");
    Objects.requireNonNull(scope, "scope");
  }

  @Override
  public String name() {
    return "token:" + tokenId;
  }
}
