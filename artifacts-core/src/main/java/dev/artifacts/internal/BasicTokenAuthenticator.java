package dev.artifacts.internal;

import dev.artifacts.Artifacts;
import dev.artifacts.AuthRequest;
import dev.artifacts.Authenticator;
import dev.artifacts.Principal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * The built-in authenticator: the admin token or a repository token, as the password of HTTP
 * Basic or as a Bearer token. The Basic user name is ignored.
 */
public final class BasicTokenAuthenticator implements Authenticator {
  private final Artifacts artifacts;

  public BasicTokenAuthenticator(Artifacts artifacts) {
    this.artifacts = artifacts;
  }

  @Override
  public Optional<Principal> authenticate(AuthRequest request) {
    return request
        .header("Authorization")
        .flatMap(BasicTokenAuthenticator::secret)
        .flatMap(artifacts::principalOf);
  }

  /** The secret carried by an Authorization header: a Basic password or a Bearer token. */
  public static Optional<String> secret(String authorization) {
    int space = authorization.indexOf(' ');
    if (space < 0) {
      return Optional.empty();
    }
    String scheme = authorization.substring(0, space).toLowerCase(Locale.ROOT);
    String value = authorization.substring(space + 1).trim();
    if (scheme.equals("bearer")) {
      return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }
    if (!scheme.equals("basic")) {
      return Optional.empty();
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    int colon = decoded.indexOf(':');
    String password = colon < 0 ? "" : decoded.substring(colon + 1);
    return password.isEmpty() ? Optional.empty() : Optional.of(password);
  }
}
