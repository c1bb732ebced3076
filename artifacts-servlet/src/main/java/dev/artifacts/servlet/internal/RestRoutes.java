package dev.artifacts.servlet.internal;

import java.io.IOException;

/** A group of REST endpoints; {@link RestHandler} offers each request to every group in turn. */
interface RestRoutes {

  /**
   * Serves the request when its path belongs to this group.
   *
   * @return false when the path is not this group's (the next group is asked); true when the
   *     request was answered, or failed with an exception the handler turns into a response
   */
  boolean handle(RestCall call) throws IOException;
}
