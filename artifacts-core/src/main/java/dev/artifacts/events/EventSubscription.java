package dev.artifacts.events;

/**
 * A live subscription, returned by {@link Events#subscribe}. Thread-safe.
 */
public interface EventSubscription extends AutoCloseable {

  /** Why a subscription ended. */
  enum CloseReason {
    /** {@link EventSubscription#close()} was called. */
    CLOSED,
    /** The subscriber did not keep up and its queue overflowed; no later event was delivered. */
    FELL_BEHIND,
    /** The {@link dev.artifacts.Artifacts} instance (or the server) was closed. */
    SHUTDOWN
  }

  /**
   * Ends the subscription: no {@link EventListener#onEvent} call starts after this returns
   * (one already running may finish). Idempotent; never throws.
   */
  @Override
  void close();

  /** @return false once the subscription has ended for any reason */
  boolean isOpen();

  /** @return why the subscription ended, or null while it is open */
  CloseReason closeReason();
}
