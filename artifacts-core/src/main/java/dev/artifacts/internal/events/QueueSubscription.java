package dev.artifacts.internal.events;

import dev.artifacts.events.Event;
import dev.artifacts.events.EventSubscription;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * A subscription whose events wait in a bounded queue for a consumer that pulls them ({@link
 * #poll}); the SSE streams use it directly. The replayed backlog of a resume does not count
 * against the capacity; live events beyond it close the subscription as {@link
 * CloseReason#FELL_BEHIND}. {@link #offer} never blocks.
 */
public class QueueSubscription implements EventSubscription {
  private final EventHub hub;
  private final int capacity;
  final Predicate<Event> filter;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition ready = lock.newCondition();
  private final ArrayDeque<Event> queue = new ArrayDeque<>();
  private int backlogLeft;
  private volatile CloseReason closeReason;

  QueueSubscription(EventHub hub, int capacity, Predicate<Event> filter) {
    this.hub = hub;
    this.capacity = capacity;
    this.filter = filter;
  }

  /** Called by the hub, under its lock, before the subscription is visible to publishers. */
  void backlog(List<Event> events) {
    lock.lock();
    try {
      queue.addAll(events);
      backlogLeft = events.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Queues a live event; called by the hub under its publish lock.
   *
   * @return false when the subscription is (now) closed, so the hub drops it
   */
  boolean offer(Event e) {
    boolean accepted;
    lock.lock();
    try {
      if (closeReason != null) {
        return false;
      }
      if (queue.size() - backlogLeft >= capacity) {
        closeReason = CloseReason.FELL_BEHIND;
        queue.clear();
        backlogLeft = 0;
        accepted = false;
      } else {
        queue.addLast(e);
        accepted = true;
      }
      ready.signalAll();
    } finally {
      lock.unlock();
    }
    delivered();
    return accepted;
  }

  /**
   * Takes the next event, waiting up to {@code timeoutMillis}.
   *
   * @return the event, or null when none arrived in time or the subscription is closed
   */
  public Event poll(long timeoutMillis) throws InterruptedException {
    long nanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    lock.lock();
    try {
      while (queue.isEmpty() && closeReason == null && nanos > 0) {
        nanos = ready.awaitNanos(nanos);
      }
      if (closeReason != null) {
        return null;
      }
      Event e = queue.pollFirst();
      if (e != null && backlogLeft > 0) {
        backlogLeft--;
      }
      return e;
    } finally {
      lock.unlock();
    }
  }

  /** @return the next event without waiting, or null */
  Event pollNow() {
    try {
      return poll(0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  boolean hasQueued() {
    lock.lock();
    try {
      return !queue.isEmpty() && closeReason == null;
    } finally {
      lock.unlock();
    }
  }

  /** Hook for push-style subclasses: an event (or a close) is ready. */
  void delivered() {}

  /** Ends the subscription with {@code reason} (first reason wins); wakes a waiting consumer. */
  public void end(CloseReason reason) {
    boolean changed = false;
    lock.lock();
    try {
      if (closeReason == null) {
        closeReason = reason;
        queue.clear();
        backlogLeft = 0;
        changed = true;
      }
      ready.signalAll();
    } finally {
      lock.unlock();
    }
    hub.remove(this);
    if (changed) {
      delivered();
    }
  }

  @Override
  public void close() {
    end(CloseReason.CLOSED);
  }

  @Override
  public boolean isOpen() {
    return closeReason == null;
  }

  @Override
  public CloseReason closeReason() {
    return closeReason;
  }
}
