package dev.artifacts.internal.events;

/**
 * The authenticated caller of the request running on this thread, for the actor of events whose
 * code names no {@link ChangeCause} (repository create, token revoke, ...). Set by the servlet
 * once a request is authorized, cleared when it ends.
 */
public final class RequestActor {
  private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

  private RequestActor() {}

  public static void set(String name) {
    CURRENT.set(name);
  }

  public static void clear() {
    CURRENT.remove();
  }

  /** @return the actor of the cause in force, else of the request, else null */
  public static String current() {
    String cause = ChangeCause.currentActor();
    return cause != null ? cause : CURRENT.get();
  }
}
