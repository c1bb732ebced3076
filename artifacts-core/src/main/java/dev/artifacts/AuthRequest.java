package dev.artifacts;

import java.util.Optional;

/** What an {@link Authenticator} sees of a request, independent of the HTTP container. */
public interface AuthRequest {

  /** @return the repository the request is for, or null for an instance-wide request */
  String repositoryId();

  /**
   * @param name header name, case-insensitive
   * @return the header's first value, or empty when absent
   */
  Optional<String> header(String name);

  /** @return the remote address of the caller, for logging and rate limits; never null */
  String remoteAddress();
}
