package dev.artifacts.internal.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class EventHubTest {
  private static final String A = "1".repeat(40);
  private static final String B = "2".repeat(40);
  private static final String C = "3".repeat(40);

  private EventHub hub = hub(100, 4);

  private static EventHub hub(int retentionCount, int queueCapacity) {
    return new EventHub(
        new EventHub.Settings(Duration.ofHours(1), retentionCount, queueCapacity, Duration.ofSeconds(15), 8),
        Clock.systemUTC());
  }

  @AfterEach
  void close() {
    hub.close();
  }

  /** A listener that records into a queue. */
  static final class Recorder implements EventListener {
    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    final BlockingQueue<CloseReason> closed = new LinkedBlockingQueue<>();

    @Override
    public void onEvent(Event event) {
      events.add(event);
    }

    @Override
    public void onClose(CloseReason reason) {
      closed.add(reason);
    }

    Event next() throws InterruptedException {
      Event e = events.poll(30, TimeUnit.SECONDS);
      assertThat(e).as("an event within the wait bound").isNotNull();
      return e;
    }
  }

  private Event publish(String repo) {
    return hub.publish("push", repo, List.of(new RefUpdate("refs/heads/main", A, B)), "me", Map.of());
  }

  @Test
  void liveSubscriberGetsEventsInIdOrder() throws Exception {
    Recorder r = new Recorder();
    hub.subscribe(r);
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(publish("x").id());
    }
    assertThat(List.of(r.next().id(), r.next().id(), r.next().id())).isEqualTo(ids);
  }

  @Test
  void resumeDeliversBacklogThenLiveWithoutGapOrDuplicate() throws Exception {
    Event first = publish("x");
    publish("x");
    publish("x");
    Recorder r = new Recorder();
    hub.subscribe(first.id(), null, r);
    Event live = publish("x");
    List<Long> got = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      got.add(r.next().id());
    }
    assertThat(got).containsExactly(first.id() + 1, first.id() + 2, live.id());
    assertThat(r.events.poll(200, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void resumeBeyondRetentionStartsWithReset() throws Exception {
    hub.close();
    hub = hub(2, 10);
    Event first = publish("x");
    publish("x");
    publish("x");
    publish("x");
    Recorder r = new Recorder();
    hub.subscribe(first.id(), null, r);
    Event reset = r.next();
    assertThat(reset.type()).isEqualTo(Event.TYPE_RESET);
    assertThat(reset.id()).isEqualTo(first.id() + 1);
    assertThat(List.of(r.next().id(), r.next().id())).containsExactly(first.id() + 2, first.id() + 3);

    List<Event> log = hub.after(first.id(), 10);
    assertThat(log).extracting(Event::type).containsExactly("reset", "push", "push");
    assertThat(hub.after(first.id() + 1, 10)).extracting(Event::type).containsExactly("push", "push");
  }

  @Test
  void repositoryFilterDeliversOnlyThatRepository() throws Exception {
    Recorder r = new Recorder();
    hub.subscribe(Events.LIVE, "b", r);
    publish("a");
    Event b = publish("b");
    publish("a");
    assertThat(r.next().id()).isEqualTo(b.id());
    assertThat(r.events.poll(200, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void aBlockedListenerDoesNotBlockPublishingAndIsDroppedWhenItFallsBehind() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    BlockingQueue<CloseReason> closed = new LinkedBlockingQueue<>();
    EventSubscription slow =
        hub.subscribe(
            new EventListener() {
              @Override
              public void onEvent(Event event) {
                try {
                  release.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }

              @Override
              public void onClose(CloseReason reason) {
                closed.add(reason);
              }
            });
    Recorder fast = new Recorder();
    hub.subscribe(fast);
    // One at a time, so the fast listener never has more than one event waiting.
    for (int i = 0; i < 20; i++) {
      long id = publish("x").id();
      assertThat(fast.next().id()).isEqualTo(id);
    }
    assertThat(slow.isOpen()).isFalse();
    assertThat(slow.closeReason()).isEqualTo(CloseReason.FELL_BEHIND);
    release.countDown();
    assertThat(closed.poll(30, TimeUnit.SECONDS)).isEqualTo(CloseReason.FELL_BEHIND);
    assertThat(hub.subscriberCount()).isEqualTo(1);
  }

  @Test
  void closeStopsDeliveryAndTellsTheListenerOnce() throws Exception {
    Recorder r = new Recorder();
    EventSubscription s = hub.subscribe(r);
    s.close();
    s.close();
    publish("x");
    assertThat(r.closed.poll(30, TimeUnit.SECONDS)).isEqualTo(CloseReason.CLOSED);
    assertThat(r.events.poll(200, TimeUnit.MILLISECONDS)).isNull();
    assertThat(r.closed).isEmpty();
  }

  @Test
  void hubCloseEndsSubscriptionsWithShutdown() throws Exception {
    Recorder r = new Recorder();
    hub.subscribe(r);
    QueueSubscription q = hub.openQueue(Events.LIVE, null);
    hub.close();
    assertThat(r.closed.poll(30, TimeUnit.SECONDS)).isEqualTo(CloseReason.SHUTDOWN);
    assertThat(q.poll(10_000)).isNull();
    assertThat(q.closeReason()).isEqualTo(CloseReason.SHUTDOWN);
    assertThat(publish("x")).isNull();
    assertThatThrownBy(() -> hub.subscribe(new Recorder())).isInstanceOf(IllegalStateException.class);
  }

  /**
   * Subscribing while the hub closes either fails with IllegalStateException or returns a
   * subscription that close ended: none is left open (and unnotified) after close returns.
   */
  @Test
  void aSubscriptionRacingCloseIsEitherRefusedOrEndedByIt() throws Exception {
    for (int round = 0; round < 100; round++) {
      EventHub racing = hub(100, 4);
      List<Object[]> subscribed = Collections.synchronizedList(new ArrayList<>());
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        Thread th =
            new Thread(() -> {
              try {
                go.await();
                while (true) {
                  Recorder r = new Recorder();
                  subscribed.add(new Object[] {racing.subscribe(r), r});
                }
              } catch (IllegalStateException closed) {
                // refused: the hub is closed
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
        th.start();
        threads.add(th);
      }
      go.countDown();
      while (subscribed.isEmpty()) {
        Thread.onSpinWait();
      }
      racing.close();
      for (Thread th : threads) {
        th.join(TimeUnit.SECONDS.toMillis(30));
      }
      synchronized (subscribed) {
        for (int i = 0; i < subscribed.size(); i++) {
          EventSubscription s = (EventSubscription) subscribed.get(i)[0];
          Recorder r = (Recorder) subscribed.get(i)[1];
          assertThat(s.closeReason()).as("round %s, subscription %s", round, i).isEqualTo(CloseReason.SHUTDOWN);
          assertThat(r.closed.poll(10, TimeUnit.SECONDS)).isEqualTo(CloseReason.SHUTDOWN);
        }
      }
      assertThat(racing.subscriberCount()).isZero();
    }
  }

  @Test
  void refChangesUnderACauseBecomeOneEventTypedByTheCause() throws Exception {
    Recorder r = new Recorder();
    hub.subscribe(r);
    new ChangeCause("push", "alice")
        .during(
            () -> {
              hub.refsChanged("x", List.of(RefChange.update("refs/heads/main", val(A), val(B))));
              hub.refsChanged("x", List.of(RefChange.create("refs/tags/v1", val(C))));
              hub.refsChanged("x", List.of(RefChange.update("refs/heads/main", val(B), val(C))));
              return null;
            });
    Event e = r.next();
    assertThat(e.type()).isEqualTo("push");
    assertThat(e.actor()).isEqualTo("alice");
    assertThat(e.refs())
        .containsExactly(new RefUpdate("refs/heads/main", A, C), new RefUpdate("refs/tags/v1", null, C));
    assertThat(r.events.poll(200, TimeUnit.MILLISECONDS)).isNull();

    hub.refsChanged("x", List.of(RefChange.delete("refs/tags/v1", val(C))));
    Event bare = r.next();
    assertThat(bare.type()).isEqualTo(Event.TYPE_REFS);
    assertThat(bare.refs()).containsExactly(new RefUpdate("refs/tags/v1", C, null));
  }

  @Test
  void causeThatAppliesNothingPublishesNothing() throws Exception {
    Recorder r = new Recorder();
    hub.subscribe(r);
    assertThatThrownBy(
            () ->
                new ChangeCause("push", null)
                    .during(
                        () -> {
                          throw new IllegalStateException("rejected");
                        }))
        .hasMessage("rejected");
    assertThat(r.events.poll(200, TimeUnit.MILLISECONDS)).isNull();
    assertThat(ChangeCause.current()).isEmpty();
  }

  @Test
  void concurrentPublishersProduceOneUnbrokenSequenceForEverySubscriber() throws Exception {
    hub.close();
    hub = hub(100_000, 100_000);
    Recorder r = new Recorder();
    hub.subscribe(r);
    long before = hub.latestId();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread th = new Thread(() -> {
        for (int i = 0; i < 500; i++) {
          publish("x");
        }
      });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join();
    }
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      ids.add(r.next().id());
    }
    List<Long> sorted = new ArrayList<>(ids);
    Collections.sort(sorted);
    assertThat(ids).isEqualTo(sorted);
    assertThat(ids.get(0)).isEqualTo(before + 1);
    assertThat(ids.get(1999)).isEqualTo(before + 2000);
  }

  private static RefValue val(String hex) {
    return RefValue.of(ObjectId.fromString(hex));
  }

  @Test
  void eventsOfOneRepositoryFollowTheOrderTheirChangesWereWrittenNotWhenTheirCausesEnd()
      throws Exception {
    long start = hub.latestId();
    CountDownLatch pushWrote = new CountDownLatch(1);
    CountDownLatch pushMayEnd = new CountDownLatch(1);
    Thread push =
        new Thread(
            () ->
                new ChangeCause("push", "pusher")
                    .during(
                        () -> {
                          hub.refsChanged("x", List.of(RefChange.update("refs/heads/main", val(A), val(B))));
                          pushWrote.countDown();
                          // The push's request goes on (status report, HEAD follow-up) while a
                          // later change of the same ref is written and wants its event out.
                          try {
                            pushMayEnd.await(30, TimeUnit.SECONDS);
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                          }
                          return null;
                        }));
    push.start();
    assertThat(pushWrote.await(30, TimeUnit.SECONDS)).isTrue();
    Thread later =
        new Thread(
            () -> {
              hub.refsChanged("x", List.of(RefChange.update("refs/heads/main", val(B), val(C))));
              hub.refsChanged("y", List.of(RefChange.create("refs/heads/main", val(A))));
            });
    later.start();
    later.join(30_000);
    List<Event> before = hub.after(start, 10);
    pushMayEnd.countDown();
    push.join(30_000);
    assertThat(before)
        .as("another repository is not held back; the later change of x waits for the push")
        .extracting(Event::repositoryId)
        .containsExactly("y");

    List<Event> all = hub.after(start, 10);
    List<Event> ofX = all.stream().filter(e -> e.repositoryId().equals("x")).toList();
    assertThat(ofX).extracting(Event::type).containsExactly("push", "refs");
    assertThat(ofX.get(0).refs()).containsExactly(new RefUpdate("refs/heads/main", A, B));
    assertThat(ofX.get(1).refs()).containsExactly(new RefUpdate("refs/heads/main", B, C));
    assertThat(ofX.get(0).id()).isLessThan(ofX.get(1).id());
  }
}
