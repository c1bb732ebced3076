package dev.artifacts.events;

/**
 * Receives events of a subscription ({@link Events#subscribe}).
 *
 * <p>Threading: calls come from a library-owned delivery thread, never from the thread that
 * made the change, and never concurrently for one subscription: {@link #onEvent} is called in
 * event id order, one call at a time, and {@link #onClose} after the last {@code onEvent}. Calls
 * for different subscriptions may run in parallel. A listener that takes long holds up only its
 * own subscription: once more than the subscriber queue capacity ({@link
 * dev.artifacts.Artifacts.Builder#eventQueueCapacity}) of events wait for it, the subscription
 * is closed with {@link EventSubscription.CloseReason#FELL_BEHIND}; subscribe again after the
 * last id seen to resume.
 *
 * <p>An exception thrown by {@code onEvent} is logged and the subscription continues.
 */
@FunctionalInterface
public interface EventListener {

  /** @param event the next event; never null */
  void onEvent(Event event);

  /**
   * Called once when the subscription ends, whatever the reason.
   *
   * @param reason why; never null
   */
  default void onClose(EventSubscription.CloseReason reason) {}
}
