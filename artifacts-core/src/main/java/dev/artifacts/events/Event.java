package dev.artifacts.events;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One change, whatever caused it. Immutable.
 *
 * <p>Ids are assigned when the change is published, strictly increasing in publication order;
 * every subscriber sees events in id order, without duplicates. The ref-change events of one
 * repository are published in the order their changes were written, so replaying them in id
 * order tracks each ref's value exactly (an event waits for an earlier change of its repository
 * whose cause, such as a push, is still running). Ids are not dense across
 * restarts: each start continues from a value derived from the wall clock, so an id from an
 * earlier run is always lower than every id of the current run. An event is published only after
 * the change it describes is durable in storage: a rejected push or a failed compare-and-swap
 * publishes nothing.
 *
 * @param id the event id, positive
 * @param type what happened: one of the {@code TYPE_} constants, or a type named by the code
 *     that made the change; never null
 * @param repositoryId the repository changed; null only for {@link #TYPE_RESET}
 * @param refs the refs moved, in the order they were applied (one entry per ref); empty, never
 *     null, for events that move no ref
 * @param actor the name of the principal that caused the change ({@link
 *     dev.artifacts.Principal#name()}), or null when unknown (a change made from Java without a
 *     principal)
 * @param time when the change was published; never null
 * @param data extra details by type, for example {@code parent} of a fork, {@code tokenId} and
 *     {@code scope} of a token event; never null, possibly empty
 */
public record Event(
    long id,
    String type,
    String repositoryId,
    List<RefUpdate> refs,
    String actor,
    Instant time,
    Map<String, String> data) {

  /** A {@code git push} moved refs: every ref of the push is in one event. */
  public static final String TYPE_PUSH = "push";
  /** A commit made through the REST API (or {@code Repo.commit}) moved a ref. */
  public static final String TYPE_COMMIT = "commit";
  /** A merge made through the REST API moved a ref. */
  public static final String TYPE_MERGE = "merge";
  /** Refs moved by code that did not name a cause (for example a JGit call from the host). */
  public static final String TYPE_REFS = "refs";
  /** A repository was created. */
  public static final String TYPE_REPO_CREATE = "repo.create";
  /** A repository was created as a fork; {@code data.parent} names the parent. */
  public static final String TYPE_REPO_FORK = "repo.fork";
  /** A repository was deleted. */
  public static final String TYPE_REPO_DELETE = "repo.delete";
  /** A token was issued; {@code data} holds {@code tokenId} and {@code scope}, never the secret. */
  public static final String TYPE_TOKEN_ISSUE = "token.issue";
  /** A token was revoked; {@code data} holds {@code tokenId} and {@code scope}. */
  public static final String TYPE_TOKEN_REVOKE = "token.revoke";
  /**
   * The tokens of a repository were rotated: a new one issued ({@code data.tokenId}, {@code
   * data.scope}), every other one revoked ({@code data.revoked}: how many).
   */
  public static final String TYPE_TOKEN_ROTATE = "token.rotate";
  /**
   * Not a change: sent first to a subscriber that asked to resume after an id the retained log
   * no longer covers, to say that events were missed. Its id is one less than the oldest
   * retained event, so resuming after it loses nothing more; {@code data.requestedAfter} is the
   * id asked for.
   */
  public static final String TYPE_RESET = "reset";

  public Event {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(time, "time");
    refs = refs == null ? List.of() : List.copyOf(refs);
    data = data == null ? Map.of() : Map.copyOf(data);
  }

  /** @return this event with {@code refs} instead of its own refs (same id) */
  public Event withRefs(List<RefUpdate> newRefs) {
    return new Event(id, type, repositoryId, newRefs, actor, time, data);
  }
}
