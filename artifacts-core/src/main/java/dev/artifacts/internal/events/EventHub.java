package dev.artifacts.internal.events;

import dev.artifacts.events.Event;
import dev.artifacts.events.EventListener;
import dev.artifacts.events.EventSubscription;
import dev.artifacts.events.EventSubscription.CloseReason;
import dev.artifacts.events.Events;
import dev.artifacts.events.RefUpdate;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefValue;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The event service: the retained log plus the live subscribers. Publishing appends to the log
 * and offers the event to every matching subscriber's bounded queue under one lock, so ids,
 * log order and delivery order agree and a resume (log replay, then live) has no gap and no
 * duplicate. Publishing never waits for a subscriber.
 */
public final class EventHub implements Events, AutoCloseable {

  /**
   * Configuration.
   *
   * @param retention how long events are kept
   * @param retentionCount how many events are kept at most
   * @param queueCapacity live events that may wait for one subscriber before it is dropped
   * @param heartbeat interval of SSE heartbeat comments
   * @param maxStreams concurrent SSE streams per servlet (more: 503)
   */
  public record Settings(
      Duration retention, int retentionCount, int queueCapacity, Duration heartbeat, int maxStreams) {
    public static final Settings DEFAULT =
        new Settings(Duration.ofHours(1), 10_000, 1_000, Duration.ofSeconds(15), 256);
  }

  private final Settings settings;
  private final EventLog log;
  private final Object lock = new Object();
  private final List<QueueSubscription> subscribers = new CopyOnWriteArrayList<>();
  /** Per repository, the ref-change events reserved in write order and not yet published; guarded by {@link #lock}. */
  private final Map<String, ArrayDeque<Slot>> reserved = new HashMap<>();
  private final ExecutorService executor;
  private volatile boolean closed;

  public EventHub(Settings settings, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    // Ids continue from the wall clock (microseconds), so ids of an earlier run are lower than
    // every id of this run and a client resuming across a restart gets a reset.
    long start = clock.millis() * 1000;
    this.log = new EventLog(start, settings.retentionCount(), settings.retention(), clock);
    AtomicInteger n = new AtomicInteger();
    this.executor =
        new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> {
              Thread t = new Thread(r, "artifacts-events-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  public Settings settings() {
    return settings;
  }

  /**
   * Publishes an event now.
   *
   * @return the event, or null when the hub is closed
   */
  public Event publish(
      String type, String repositoryId, List<RefUpdate> refs, String actor, Map<String, String> data) {
    if (closed) {
      return null;
    }
    synchronized (lock) {
      if (closed) {
        return null;
      }
      Event e = log.append(type, repositoryId, refs, actor, data);
      for (QueueSubscription s : subscribers) {
        if ((s.filter == null || s.filter.test(e)) && !s.offer(e)) {
          subscribers.remove(s);
        }
      }
      return e;
    }
  }

  /**
   * Publishes applied ref changes of one repository: buffered into one event while a {@link
   * ChangeCause} is in force on this thread (published when it ends, typed by it), otherwise
   * published as {@link Event#TYPE_REFS}. Either way the event takes its place now: the caller
   * holds the repository's ref-write lock, so events of one repository are published in the
   * order their changes were written, even when an earlier change's cause ends later.
   */
  public void refsChanged(String repositoryId, List<RefChange> changes) {
    List<RefUpdate> updates = new ArrayList<>(changes.size());
    for (RefChange c : changes) {
      updates.add(toUpdate(c));
    }
    if (!ChangeCause.buffer(this, repositoryId, updates)) {
      complete(reserve(repositoryId), Event.TYPE_REFS, updates, RequestActor.current());
    }
  }

  /** A place in one repository's event order, taken when a change is written. */
  static final class Slot {
    private final String repositoryId;
    private boolean complete;
    private String type;
    private List<RefUpdate> refs;
    private String actor;

    private Slot(String repositoryId) {
      this.repositoryId = repositoryId;
    }
  }

  /** Takes the next place in {@code repositoryId}'s event order; it must be {@link #complete}d. */
  Slot reserve(String repositoryId) {
    Slot slot = new Slot(repositoryId);
    synchronized (lock) {
      reserved.computeIfAbsent(repositoryId, k -> new ArrayDeque<>()).add(slot);
    }
    return slot;
  }

  /**
   * Fills a reserved place and publishes every event of its repository that no earlier place
   * holds back any more.
   *
   * @param refs the changes; empty gives the place up without an event
   */
  void complete(Slot slot, String type, List<RefUpdate> refs, String actor) {
    synchronized (lock) {
      slot.type = type;
      slot.refs = refs;
      slot.actor = actor;
      slot.complete = true;
      ArrayDeque<Slot> queue = reserved.get(slot.repositoryId);
      while (queue != null && !queue.isEmpty() && queue.peekFirst().complete) {
        Slot ready = queue.pollFirst();
        if (!ready.refs.isEmpty()) {
          publish(ready.type, ready.repositoryId, ready.refs, ready.actor, Map.of());
        }
      }
      if (queue != null && queue.isEmpty()) {
        reserved.remove(slot.repositoryId);
      }
    }
  }

  private static RefUpdate toUpdate(RefChange c) {
    RefValue o = c.expected();
    RefValue n = c.newValue();
    return new RefUpdate(
        c.name(),
        o == null || o.isSymbolic() ? null : o.objectId().name(),
        n == null || n.isSymbolic() ? null : n.objectId().name(),
        o != null && o.isSymbolic() ? o.symbolicTarget() : null,
        n != null && n.isSymbolic() ? n.symbolicTarget() : null);
  }

  /**
   * Opens a pull subscription (for SSE streams).
   *
   * @param afterId {@link #LIVE} or the id to resume after
   * @param repositoryId only this repository's events, or null for all
   */
  public QueueSubscription openQueue(long afterId, String repositoryId) {
    QueueSubscription s = new QueueSubscription(this, settings.queueCapacity(), filter(repositoryId));
    register(s, afterId);
    return s;
  }

  @Override
  public EventSubscription subscribe(EventListener listener) {
    return subscribe(LIVE, null, listener);
  }

  @Override
  public EventSubscription subscribe(long afterId, String repositoryId, EventListener listener) {
    Objects.requireNonNull(listener, "listener");
    ListenerSubscription s =
        new ListenerSubscription(this, settings.queueCapacity(), filter(repositoryId), listener, executor);
    register(s, afterId);
    return s;
  }

  private void register(QueueSubscription s, long afterId) {
    if (afterId < 0 && afterId != LIVE) {
      throw new IllegalArgumentException("afterId must be >= 0 or LIVE, got " + afterId);
    }
    if (closed) {
      throw new IllegalStateException("the event service is closed");
    }
    synchronized (lock) {
      // Checked again under the lock that close() takes, so that a subscription is either
      // refused or seen (and ended) by close, never left open after it.
      if (closed) {
        throw new IllegalStateException("the event service is closed");
      }
      if (afterId != LIVE) {
        EventLog.Slice slice = log.after(afterId, Integer.MAX_VALUE, s.filter);
        List<Event> backlog = new ArrayList<>(slice.events().size() + 1);
        if (slice.gap()) {
          backlog.add(log.resetEvent(afterId, slice));
        }
        backlog.addAll(slice.events());
        s.backlog(backlog);
      }
      subscribers.add(s);
    }
    if (afterId != LIVE) {
      s.delivered();
    }
  }

  private static Predicate<Event> filter(String repositoryId) {
    return repositoryId == null ? null : e -> repositoryId.equals(e.repositoryId());
  }

  void remove(QueueSubscription s) {
    subscribers.remove(s);
  }

  @Override
  public List<Event> after(long afterId, int limit) {
    if (afterId < 0 || limit <= 0) {
      throw new IllegalArgumentException("afterId must be >= 0 and limit > 0");
    }
    EventLog.Slice slice = log.after(afterId, limit, null);
    if (!slice.gap()) {
      return slice.events();
    }
    List<Event> out = new ArrayList<>(slice.events().size() + 1);
    out.add(log.resetEvent(afterId, slice));
    out.addAll(slice.events());
    return out;
  }

  @Override
  public long latestId() {
    return log.lastId();
  }

  /** @return how many subscriptions are open */
  public int subscriberCount() {
    return subscribers.size();
  }

  /** Ends every subscription ({@link CloseReason#SHUTDOWN}); later publishes are ignored. */
  @Override
  public void close() {
    List<QueueSubscription> open;
    synchronized (lock) {
      closed = true;
      open = new ArrayList<>(subscribers);
    }
    for (QueueSubscription s : open) {
      s.end(CloseReason.SHUTDOWN);
    }
    executor.shutdown();
  }
}
