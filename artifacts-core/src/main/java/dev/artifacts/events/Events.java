package dev.artifacts.events;

import java.util.List;

/**
 * The event service of an {@link dev.artifacts.Artifacts} instance ({@link
 * dev.artifacts.Artifacts#events()}): subscribe to changes as they happen, or read the retained
 * log. Thread-safe.
 *
 * <p>Retention: the newest events are kept in memory, at most {@link
 * dev.artifacts.Artifacts.Builder#eventRetentionCount} of them and none older than {@link
 * dev.artifacts.Artifacts.Builder#eventRetention}. Resuming after an id that is still retained
 * loses nothing; resuming after an older id (or an id of an earlier run) starts with a {@link
 * Event#TYPE_RESET} event.
 */
public interface Events {

  /** Pass as {@code afterId} to receive only events published after subscribing. */
  long LIVE = -1;

  /**
   * Subscribes to every event published from now on, for every repository. Same as {@code
   * subscribe(LIVE, null, listener)}.
   */
  EventSubscription subscribe(EventListener listener);

  /**
   * Subscribes, optionally resuming and optionally for one repository.
   *
   * <p>With {@code afterId} {@link #LIVE}, delivery starts with the next event published. With
   * {@code afterId >= 0}, the retained events with a larger id are delivered first, then live
   * ones, with no gap and no duplicate between the two; if events after {@code afterId} are no
   * longer retained, a {@link Event#TYPE_RESET} event comes first.
   *
   * @param repositoryId only events of this repository, or null for all
   * @throws NullPointerException when {@code listener} is null
   * @throws IllegalArgumentException when {@code afterId} is negative and not {@link #LIVE}
   * @throws IllegalStateException when the instance is closed
   */
  EventSubscription subscribe(long afterId, String repositoryId, EventListener listener);

  /**
   * Reads the retained log.
   *
   * @param afterId return events with a larger id; 0 for all retained events
   * @param limit at most this many events (a leading reset event is not counted)
   * @return the events in id order, preceded by a {@link Event#TYPE_RESET} event when events
   *     after {@code afterId} are no longer retained; empty when there is nothing newer
   * @throws IllegalArgumentException when {@code afterId} is negative or {@code limit} is not
   *     positive
   */
  List<Event> after(long afterId, int limit);

  /**
   * @return the id of the newest event published so far (also when no longer retained); before
   *     the first event of this run, a value below every id this run will assign, so that {@code
   *     after(latestId(), n)} returns exactly the events published from now on
   */
  long latestId();
}
