package dev.artifacts.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.internal.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A minimal Server-Sent Events client over {@link HttpClient} for the end-to-end tests: parses
 * frames ({@code id}, {@code event}, {@code data}) on a reader thread into a queue, and records
 * comment lines.
 */
final class SseClient implements AutoCloseable {
  /** Upper bound for waiting on one frame; a bound, not a measured time. */
  static final Duration WAIT = Duration.ofSeconds(30);

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).version(HttpClient.Version.HTTP_1_1).build();

  /** One event frame. */
  record Frame(String id, String event, String data) {
    @SuppressWarnings("unchecked")
    Map<String, Object> json() {
      return (Map<String, Object>) Json.parse(data);
    }

    long idValue() {
      return Long.parseLong(id);
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> refs() {
      return (List<Map<String, Object>>) json().get("refs");
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> details() {
      return (Map<String, Object>) json().get("data");
    }
  }

  private static final Frame END = new Frame(null, null, null);

  private final int status;
  private final HttpHeaders headers;
  private final String errorBody;
  private final InputStream body;
  private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
  final List<String> comments = new CopyOnWriteArrayList<>();
  private final CountDownLatch ended = new CountDownLatch(1);

  private SseClient(HttpResponse<InputStream> r) throws IOException {
    this.status = r.statusCode();
    this.headers = r.headers();
    if (status != 200) {
      try (InputStream in = r.body()) {
        errorBody = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      body = null;
      ended.countDown();
      return;
    }
    errorBody = null;
    body = r.body();
    Thread reader = new Thread(this::read, "sse-client");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Opens a stream.
   *
   * @param token Bearer token, or null
   * @param headers extra header name/value pairs
   */
  static SseClient open(String url, String token, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      return new SseClient(HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  int status() {
    return status;
  }

  String header(String name) {
    return headers.firstValue(name).orElse(null);
  }

  String errorBody() {
    return errorBody;
  }

  /** Asserts the stream opened with 200. */
  SseClient expectOpen() {
    assertThat(status).as("status of the event stream, body %s", errorBody).isEqualTo(200);
    return this;
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String id = null;
      String event = null;
      StringBuilder data = null;
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.isEmpty()) {
          if (data != null) {
            frames.add(new Frame(id, event == null ? "message" : event, data.toString()));
          }
          id = null;
          event = null;
          data = null;
        } else if (line.startsWith(":")) {
          comments.add(line.substring(1).strip());
        } else if (line.startsWith("id:")) {
          id = line.substring(3).strip();
        } else if (line.startsWith("event:")) {
          event = line.substring(6).strip();
        } else if (line.startsWith("data:")) {
          String d = line.substring(5);
          d = d.startsWith(" ") ? d.substring(1) : d;
          data = data == null ? new StringBuilder(d) : data.append('\n').append(d);
        }
      }
    } catch (IOException e) {
      // the stream ended
    } finally {
      frames.add(END);
      ended.countDown();
    }
  }

  /** @return the next frame; fails when none comes within {@link #WAIT} or the stream ended */
  Frame next() {
    Frame f = poll(WAIT);
    assertThat(f).as("an event frame within %s (stream ended: %s)", WAIT, ended.getCount() == 0).isNotNull();
    return f;
  }

  /** @return the next frame whose type is not skipped, failing as {@link #next} does */
  Frame nextOfType(String type) {
    while (true) {
      Frame f = next();
      if (f.event().equals(type)) {
        return f;
      }
    }
  }

  /** @return the next frame, or null when none came within {@code wait} or the stream ended */
  Frame poll(Duration wait) {
    try {
      Frame f = frames.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
      if (f == END) {
        frames.add(END);
        return null;
      }
      return f;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** @return true when the server ended the stream within {@link #WAIT} */
  boolean awaitEnd() {
    try {
      return ended.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() {
    if (body != null) {
      try {
        body.close();
      } catch (IOException e) {
        // closing
      }
    }
  }
}
