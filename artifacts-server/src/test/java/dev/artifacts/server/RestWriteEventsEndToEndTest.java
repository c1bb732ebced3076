package dev.artifacts.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * REST commits and merges reach the event stream as one event each, typed by what caused them,
 * with the moved ref's old and new ids; a refused commit publishes nothing.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RestWriteEventsEndToEndTest {
  @TempDir Path tmp;

  private ArtifactsServer server;
  private RestHarness rest;
  private SseClient stream;

  @BeforeEach
  void start() throws Exception {
    Files.createDirectories(tmp.resolve("data"));
    server = ArtifactsServer.start(new ServerConfig(tmp.resolve("data"), "fs", "127.0.0.1", 0, null));
    rest = RestHarness.of(server);
  }

  @AfterEach
  void stop() throws Exception {
    if (stream != null) {
      stream.close();
    }
    server.close();
  }

  private String commit(String token, String branch, String parent, String path, String content) {
    Map<String, Object> body = new java.util.HashMap<>();
    body.put("branch", branch);
    body.put("parent", parent);
    body.put("message", "write " + path);
    body.put("changes", List.of(Map.of("op", "write", "path", path, "content", content)));
    return (String) rest.post("/v1/repos/docs/commits", token, body).expect(201).json().get("commit");
  }

  @Test
  void commitsAndMergesAreOneEventEachWithTheirCause() {
    String token = (String) rest.createRepo("docs").get("token");
    stream = SseClient.open(rest.base() + "/v1/repos/docs/events", token).expectOpen();

    String base = commit(token, "main", null, "a.txt", "a\n");
    String side = commit(token, "side", null, "b.txt", "b\n");
    String ahead = commit(token, "main", base, "c.txt", "c\n");
    // A compare-and-swap miss moves nothing and so publishes nothing.
    Map<String, Object> stale = new java.util.HashMap<>();
    stale.put("branch", "main");
    stale.put("parent", base);
    stale.put("message", "stale");
    stale.put("changes", List.of(Map.of("op", "write", "path", "d.txt", "content", "d\n")));
    rest.post("/v1/repos/docs/commits", token, stale).expect(409);
    String merged =
        (String)
            rest.post("/v1/repos/docs/merge", token, Map.of("source", "side", "target", "main", "strategy", "merge"))
                .expect(200)
                .json()
                .get("commit");

    List<SseClient.Frame> frames = List.of(stream.next(), stream.next(), stream.next(), stream.next());
    assertThat(frames).extracting(SseClient.Frame::event).containsExactly("commit", "commit", "commit", "merge");
    assertThat(frames.get(0).refs()).singleElement().satisfies(r -> {
      assertThat(r.get("name")).isEqualTo("refs/heads/main");
      assertThat(r.get("oldId")).isNull();
      assertThat(r.get("newId")).isEqualTo(base);
    });
    assertThat(frames.get(1).refs()).singleElement().satisfies(r -> assertThat(r.get("newId")).isEqualTo(side));
    assertThat(frames.get(2).refs()).singleElement().satisfies(r -> {
      assertThat(r.get("oldId")).isEqualTo(base);
      assertThat(r.get("newId")).isEqualTo(ahead);
    });
    assertThat(frames.get(3).refs()).singleElement().satisfies(r -> {
      assertThat(r.get("name")).isEqualTo("refs/heads/main");
      assertThat(r.get("oldId")).isEqualTo(ahead);
      assertThat(r.get("newId")).isEqualTo(merged);
    });
    assertThat(frames.get(0).json().get("actor")).asString().startsWith("token:");
  }
}
