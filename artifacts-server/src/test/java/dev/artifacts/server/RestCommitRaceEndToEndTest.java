package dev.artifacts.server;

import static dev.artifacts.server.RestCommitEndToEndTestBase.commitBody;
import static dev.artifacts.server.RestCommitEndToEndTestBase.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrent REST commits on the same parent over real HTTP (fs backend): exactly one wins each
 * round, every loser gets 409 ref_conflict naming the winner, and git sees a linear history of
 * the winners.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RestCommitRaceEndToEndTest {
  @TempDir Path tmp;

  @Test
  void concurrentCommitsOnOneParentHaveExactlyOneWinner() throws Exception {
    Files.createDirectories(tmp.resolve("data"));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (ArtifactsServer server =
        ArtifactsServer.start(new ServerConfig(tmp.resolve("data"), "fs", "127.0.0.1", 0, null))) {
      RestHarness rest = RestHarness.of(server);
      String admin = server.adminToken();
      Map<String, Object> created = rest.createRepo("race");
      String parent =
          (String) rest.post("/v1/repos/race/commits", admin, commitBody("main", null, "root", List.of(write("f", "0"))))
              .expect(201).json().get("commit");
      List<String> winners = new ArrayList<>();
      for (int round = 0; round < 5; round++) {
        String p = parent;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<RestHarness.Answer>> answers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          String content = "round " + round + " thread " + t;
          Callable<RestHarness.Answer> task =
              () -> {
                go.await();
                return rest.post("/v1/repos/race/commits", admin, commitBody("main", p, content, List.of(write("f", content))));
              };
          answers.add(pool.submit(task));
        }
        go.countDown();
        String winner = null;
        List<RestHarness.Answer> losers = new ArrayList<>();
        for (Future<RestHarness.Answer> f : answers) {
          RestHarness.Answer a = f.get(60, TimeUnit.SECONDS);
          if (a.status() == 201) {
            assertThat(winner).as("only one winner per round").isNull();
            winner = (String) a.json().get("commit");
          } else {
            a.expect(409);
            losers.add(a);
          }
        }
        assertThat(winner).isNotNull();
        for (RestHarness.Answer a : losers) {
          assertThat(a.errorCode()).isEqualTo("ref_conflict");
          assertThat(a.error().get("expected")).isEqualTo(p);
          assertThat(a.error().get("current")).isEqualTo(winner);
        }
        winners.add(winner);
        parent = winner;
      }
      GitE2e g = new GitE2e(tmp.resolve("work"));
      Path clone = g.newDir("clone");
      g.gitOk(g.root(), "clone", "-q", (String) created.get("remote"), clone.toString());
      assertThat(g.rev(clone, "HEAD")).isEqualTo(parent);
      assertThat(g.gitOk(clone, "rev-list", "--count", "HEAD").out()).isEqualTo("6");
      g.gitOk(clone, "fsck", "--strict");
    } finally {
      pool.shutdownNow();
    }
  }
}
