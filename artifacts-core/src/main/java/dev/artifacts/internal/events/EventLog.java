package dev.artifacts.internal.events;

import dev.artifacts.events.Event;
import dev.artifacts.events.RefUpdate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The retained events, oldest first: assigns ids and prunes by count and age. Thread-safe
 * (every method is synchronized).
 */
public final class EventLog {
  private final int maxCount;
  private final long maxAgeMillis;
  private final Clock clock;
  private final ArrayDeque<Event> events = new ArrayDeque<>();
  private long lastId;

  /** What {@link #after} found. */
  public record Slice(boolean gap, long firstRetainedId, List<Event> events) {}

  /**
   * @param startAfterId the first event gets this id plus one
   * @param maxCount keep at most this many events (positive)
   * @param maxAge drop events older than this (positive)
   */
  public EventLog(long startAfterId, int maxCount, Duration maxAge, Clock clock) {
    if (maxCount <= 0 || maxAge.isZero() || maxAge.isNegative() || startAfterId < 0) {
      throw new IllegalArgumentException("retention must be positive");
    }
    this.lastId = startAfterId;
    this.maxCount = maxCount;
    this.maxAgeMillis = maxAge.toMillis();
    this.clock = clock;
  }

  /** Appends an event with the next id and the current time. */
  public synchronized Event append(
      String type, String repositoryId, List<RefUpdate> refs, String actor, Map<String, String> data) {
    Instant now = clock.instant();
    Event e = new Event(lastId + 1, type, repositoryId, refs, actor, now, data);
    lastId = e.id();
    events.addLast(e);
    prune(now);
    return e;
  }

  /** @return the id of the newest event appended (retained or not) */
  public synchronized long lastId() {
    return lastId;
  }

  /**
   * The retained events with an id above {@code afterId} that pass {@code filter}, at most {@code
   * limit}. A gap is reported when events after {@code afterId} were pruned, or when {@code
   * afterId} is above the newest id (an id this log never handed out; every retained event is
   * returned then).
   */
  public synchronized Slice after(long afterId, int limit, Predicate<Event> filter) {
    prune(clock.instant());
    long first = events.isEmpty() ? lastId + 1 : events.peekFirst().id();
    boolean gap = afterId < first - 1 || afterId > lastId;
    if (afterId > lastId) {
      afterId = first - 1;
    }
    List<Event> out = new ArrayList<>();
    for (Iterator<Event> it = events.iterator(); it.hasNext() && out.size() < limit; ) {
      Event e = it.next();
      if (e.id() > afterId && (filter == null || filter.test(e))) {
        out.add(e);
      }
    }
    return new Slice(gap, first, out);
  }

  /** The reset event that precedes a slice with a gap. */
  public Event resetEvent(long requestedAfter, Slice slice) {
    return new Event(
        slice.firstRetainedId() - 1,
        Event.TYPE_RESET,
        null,
        List.of(),
        null,
        clock.instant(),
        Map.of(
            "requestedAfter", Long.toString(requestedAfter),
            "firstRetainedId", Long.toString(slice.firstRetainedId())));
  }

  private void prune(Instant now) {
    while (events.size() > maxCount) {
      events.removeFirst();
    }
    long oldest = now.toEpochMilli() - maxAgeMillis;
    while (!events.isEmpty() && events.peekFirst().time().toEpochMilli() < oldest) {
      events.removeFirst();
    }
  }
}
