package dev.artifacts.internal.events;

import dev.artifacts.events.RefUpdate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What is changing refs on the current thread: a push, a REST commit, a merge. Ref changes are
 * observed where they are applied (the engine's ref database), which cannot know why they
 * happen; the code that starts the change names it here, so that one change becomes one event
 * with the right type.
 *
 * <p>Every ref change applied on this thread while {@link #during} runs is buffered and
 * published as one event per repository (typed by this cause) when the action ends, whether it
 * returns or throws: changes that were applied are durable, so they are reported either way.
 *
 * @param type the event type, for example {@code push}, {@code commit}, {@code merge}
 * @param actor the principal's name, or null when unknown
 */
public record ChangeCause(String type, String actor) {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeCause.class);
  private static final ThreadLocal<ChangeCause> CURRENT = new ThreadLocal<>();
  private static final ThreadLocal<Batch> BATCH = new ThreadLocal<>();

  public ChangeCause {
    Objects.requireNonNull(type, "type");
  }

  /** A checked action run under a cause. */
  @FunctionalInterface
  public interface Action<T, E extends Exception> {
    T run() throws E;
  }

  /** Runs {@code action} with this cause in force on the current thread, then restores the previous one. */
  public <T, E extends Exception> T during(Action<T, E> action) throws E {
    ChangeCause previous = CURRENT.get();
    Batch previousBatch = BATCH.get();
    Batch batch = new Batch();
    CURRENT.set(this);
    BATCH.set(batch);
    try {
      return action.run();
    } finally {
      if (previous == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(previous);
      }
      if (previousBatch == null) {
        BATCH.remove();
      } else {
        BATCH.set(previousBatch);
      }
      batch.flush(this);
    }
  }

  /** @return the cause in force on the current thread, if any */
  public static Optional<ChangeCause> current() {
    return Optional.ofNullable(CURRENT.get());
  }

  /** @return the actor of the cause in force, or null */
  public static String currentActor() {
    ChangeCause c = CURRENT.get();
    return c == null ? null : c.actor();
  }

  /**
   * Buffers applied ref updates until the cause in force ends.
   *
   * @return false when no cause is in force (the caller publishes at once)
   */
  static boolean buffer(EventHub hub, String repositoryId, List<RefUpdate> updates) {
    Batch b = BATCH.get();
    if (b == null) {
      return false;
    }
    b.add(hub, repositoryId, updates);
    return true;
  }

  private record Key(EventHub hub, String repositoryId) {}

  /** The ref updates applied under one cause, per repository, merged per ref (first old value, last new value). */
  private static final class Batch {
    private final Map<Key, Pending> pending = new LinkedHashMap<>();

    /** One repository's place in its event order, taken at the first change, and its updates. */
    private record Pending(EventHub.Slot slot, LinkedHashMap<String, RefUpdate> refs) {}

    void add(EventHub hub, String repositoryId, List<RefUpdate> updates) {
      LinkedHashMap<String, RefUpdate> refs =
          pending
              .computeIfAbsent(
                  new Key(hub, repositoryId), k -> new Pending(hub.reserve(repositoryId), new LinkedHashMap<>()))
              .refs();
      for (RefUpdate u : updates) {
        RefUpdate prev = refs.get(u.name());
        refs.put(
            u.name(),
            prev == null ? u : new RefUpdate(u.name(), prev.oldId(), u.newId(), prev.oldTarget(), u.newTarget()));
      }
    }

    /** Completes every reserved place, with no event where the changes cancelled out. */
    void flush(ChangeCause cause) {
      for (Map.Entry<Key, Pending> e : pending.entrySet()) {
        List<RefUpdate> refs = new ArrayList<>();
        for (RefUpdate u : e.getValue().refs().values()) {
          boolean noop =
              Objects.equals(u.oldId(), u.newId()) && Objects.equals(u.oldTarget(), u.newTarget());
          if (!noop) {
            refs.add(u);
          }
        }
        try {
          e.getKey().hub().complete(e.getValue().slot(), cause.type(), refs, cause.actor());
        } catch (RuntimeException ex) {
          LOG.warn("publishing the {} event of {} failed", cause.type(), e.getKey().repositoryId(), ex);
        }
      }
      pending.clear();
    }
  }
}
