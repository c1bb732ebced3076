package dev.artifacts;

/**
 * Who is calling, as an {@link Authenticator} established it. Hosts implement this for their own
 * users (for example a record holding a user id); the library's built-in principals are {@link
 * AdminPrincipal} and {@link TokenPrincipal}.
 *
 * <p>Implementations should be immutable; {@link Authorizer} and {@link RefVisibility} receive
 * the same instance for every decision of one request.
 */
public interface Principal {

  /** @return a name for logs and event records; never null */
  String name();
}
