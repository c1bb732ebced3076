package dev.artifacts.internal.events;

import java.util.Optional;

/**
 * What is changing refs on the current thread: a push, a REST commit, a merge. Ref changes are
 * observed where they are applied (the engine's ref database), which cannot know why they
 * happen; the code that starts the change names it here, so that one change becomes one event
 * with the right type.
 *
 * @param type the event type, for example {@code push}, {@code commit}, {@code merge}
 * @param actor the principal's name, or null when unknown
 */
public record ChangeCause(String type, String actor) {
  private static final ThreadLocal<ChangeCause> CURRENT = new ThreadLocal<>();

  /** A checked action run under a cause. */
  @FunctionalInterface
  public interface Action<T, E extends Exception> {
    T run() throws E;
  }

  /** Runs {@code action} with this cause in force on the current thread, then restores the previous one. */
  public <T, E extends Exception> T during(Action<T, E> action) throws E {
    ChangeCause previous = CURRENT.get();
    CURRENT.set(this);
    try {
      return action.run();
    } finally {
      if (previous == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(previous);
      }
    }
  }

  /** @return the cause in force on the current thread, if any */
  public static Optional<ChangeCause> current() {
    return Optional.ofNullable(CURRENT.get());
  }
}
