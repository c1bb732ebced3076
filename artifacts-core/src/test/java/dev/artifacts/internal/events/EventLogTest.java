package dev.artifacts.internal.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.events.Event;
import dev.artifacts.events.RefUpdate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventLogTest {

  /** A clock the test moves by hand. */
  static final class ManualClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private final ManualClock clock = new ManualClock();

  private static Event add(EventLog log, String repo) {
    return log.append("push", repo, List.of(new RefUpdate("refs/heads/main", null, "a".repeat(40))), "me", Map.of());
  }

  @Test
  void idsIncreaseByOneFromTheStartValueInAppendOrder() {
    EventLog log = new EventLog(100, 10, Duration.ofHours(1), clock);
    assertThat(log.lastId()).isEqualTo(100);
    assertThat(add(log, "a").id()).isEqualTo(101);
    assertThat(add(log, "b").id()).isEqualTo(102);
    assertThat(add(log, "c").id()).isEqualTo(103);
    EventLog.Slice all = log.after(100, 100, null);
    assertThat(all.gap()).isFalse();
    assertThat(all.events()).extracting(Event::id).containsExactly(101L, 102L, 103L);
    assertThat(all.events()).extracting(Event::repositoryId).containsExactly("a", "b", "c");
  }

  @Test
  void resumeReturnsExactlyTheEventsAfterTheIdWithoutGap() {
    EventLog log = new EventLog(0, 10, Duration.ofHours(1), clock);
    for (int i = 0; i < 5; i++) {
      add(log, "r");
    }
    EventLog.Slice s = log.after(2, 100, null);
    assertThat(s.gap()).isFalse();
    assertThat(s.events()).extracting(Event::id).containsExactly(3L, 4L, 5L);
    assertThat(log.after(5, 100, null).events()).isEmpty();
    assertThat(log.after(5, 100, null).gap()).isFalse();
    assertThat(log.after(1, 2, null).events()).extracting(Event::id).containsExactly(2L, 3L);
  }

  @Test
  void filterKeepsOnlyMatchingEvents() {
    EventLog log = new EventLog(0, 10, Duration.ofHours(1), clock);
    add(log, "a");
    add(log, "b");
    add(log, "a");
    assertThat(log.after(0, 10, e -> "a".equals(e.repositoryId())).events())
        .extracting(Event::id)
        .containsExactly(1L, 3L);
  }

  @Test
  void countRetentionDropsTheOldestAndResumingBeforeThemReportsAGap() {
    EventLog log = new EventLog(0, 3, Duration.ofHours(1), clock);
    for (int i = 0; i < 5; i++) {
      add(log, "r");
    }
    EventLog.Slice covered = log.after(2, 100, null);
    assertThat(covered.gap()).as("event 3 is the oldest retained; after 2 misses nothing").isFalse();
    assertThat(covered.events()).extracting(Event::id).containsExactly(3L, 4L, 5L);

    EventLog.Slice missed = log.after(1, 100, null);
    assertThat(missed.gap()).isTrue();
    assertThat(missed.firstRetainedId()).isEqualTo(3);
    assertThat(missed.events()).extracting(Event::id).containsExactly(3L, 4L, 5L);
    Event reset = log.resetEvent(1, missed);
    assertThat(reset.type()).isEqualTo(Event.TYPE_RESET);
    assertThat(reset.id()).isEqualTo(2);
    assertThat(reset.data()).containsEntry("requestedAfter", "1").containsEntry("firstRetainedId", "3");
  }

  @Test
  void ageRetentionDropsOldEvents() {
    EventLog log = new EventLog(0, 100, Duration.ofMinutes(10), clock);
    add(log, "r");
    add(log, "r");
    clock.now = clock.now.plus(Duration.ofMinutes(11));
    add(log, "r");
    EventLog.Slice s = log.after(0, 100, null);
    assertThat(s.gap()).isTrue();
    assertThat(s.events()).extracting(Event::id).containsExactly(3L);
    clock.now = clock.now.plus(Duration.ofMinutes(11));
    EventLog.Slice none = log.after(3, 100, null);
    assertThat(none.gap()).as("nothing after 3 was ever published, so nothing was missed").isFalse();
    assertThat(none.events()).isEmpty();
    assertThat(log.after(2, 100, null).gap()).isTrue();
  }

  @Test
  void anIdAboveTheNewestIsFromAnotherRunAndReportsAGap() {
    EventLog log = new EventLog(1000, 10, Duration.ofHours(1), clock);
    add(log, "r");
    assertThat(log.after(5000, 10, null).gap()).isTrue();
    assertThat(log.after(5000, 10, null).events()).extracting(Event::id).containsExactly(1001L);
  }

  @Test
  void rejectsNonPositiveRetention() {
    assertThatThrownBy(() -> new EventLog(0, 0, Duration.ofHours(1), clock))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new EventLog(0, 1, Duration.ZERO, clock))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
