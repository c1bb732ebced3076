package dev.artifacts.internal.events;

import dev.artifacts.events.Event;
import dev.artifacts.events.EventListener;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscription that pushes its events to an {@link EventListener} on the hub's delivery
 * executor: at most one delivery task runs per subscription at a time, so calls are serial and
 * in order.
 */
final class ListenerSubscription extends QueueSubscription {
  private static final Logger LOG = LoggerFactory.getLogger(ListenerSubscription.class);

  private final EventListener listener;
  private final Executor executor;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final AtomicBoolean closeNotified = new AtomicBoolean();

  ListenerSubscription(
      EventHub hub, int capacity, Predicate<Event> filter, EventListener listener, Executor executor) {
    super(hub, capacity, filter);
    this.listener = listener;
    this.executor = executor;
  }

  @Override
  void delivered() {
    if (scheduled.compareAndSet(false, true)) {
      try {
        executor.execute(this::drain);
      } catch (RejectedExecutionException e) {
        scheduled.set(false);
      }
    }
  }

  private void drain() {
    do {
      try {
        for (Event e = pollNow(); e != null; e = pollNow()) {
          try {
            listener.onEvent(e);
          } catch (RuntimeException ex) {
            LOG.warn("event listener failed on event {}", e.id(), ex);
          }
        }
        if (!isOpen() && closeNotified.compareAndSet(false, true)) {
          try {
            listener.onClose(closeReason());
          } catch (RuntimeException ex) {
            LOG.warn("event listener failed on close", ex);
          }
        }
      } finally {
        scheduled.set(false);
      }
    } while ((hasQueued() || (!isOpen() && !closeNotified.get()))
        && scheduled.compareAndSet(false, true));
  }
}
