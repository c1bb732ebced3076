package dev.artifacts.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.Artifacts;
import dev.artifacts.internal.json.Json;
import dev.artifacts.servlet.ArtifactsServlet;
import java.io.IOException;
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
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * REST calls against a running server over real HTTP, for the REST end-to-end tests. Either
 * wraps an {@link ArtifactsServer} (the runnable jar's code path) or serves a host-built {@link
 * Artifacts} (for hooks the jar does not configure, such as ref visibility) in its own Jetty.
 */
final class RestHarness implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(10))
          .followRedirects(HttpClient.Redirect.NEVER)
          .version(HttpClient.Version.HTTP_1_1)
          .build();

  private final String base;
  private final String adminToken;
  private final AutoCloseable owned;

  private RestHarness(String base, String adminToken, AutoCloseable owned) {
    this.base = base;
    this.adminToken = adminToken;
    this.owned = owned;
  }

  /** Talks to {@code server}; closing the harness does not stop it. */
  static RestHarness of(ArtifactsServer server) {
    return new RestHarness(server.baseUrl(), server.adminToken(), null);
  }

  /**
   * Serves {@code artifacts} at {@code /*} on a free loopback port; closing the harness stops the
   * server and closes {@code artifacts}.
   *
   * @param adminToken the admin token {@code artifacts} was built with
   */
  static RestHarness serve(Artifacts artifacts, String adminToken) {
    Server jetty = new Server();
    ServerConnector connector = new ServerConnector(jetty);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    jetty.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.addServlet(new ServletHolder(new ArtifactsServlet(artifacts)), "/*");
    jetty.setHandler(context);
    try {
      jetty.start();
    } catch (Exception e) {
      artifacts.close();
      throw new IllegalStateException(e);
    }
    return new RestHarness(
        "http://127.0.0.1:" + connector.getLocalPort(),
        adminToken,
        () -> {
          jetty.stop();
          artifacts.close();
        });
  }

  /** @return the server's base URL, without a trailing slash */
  String base() {
    return base;
  }

  String adminToken() {
    return adminToken;
  }

  /** An answer: status, headers, body bytes. */
  record Answer(int status, HttpHeaders headers, byte[] bytes) {
    String text() {
      return new String(bytes, StandardCharsets.UTF_8);
    }

    /** @return the body parsed as a JSON object */
    @SuppressWarnings("unchecked")
    Map<String, Object> json() {
      Object parsed = Json.parse(text());
      assertThat(parsed).as("JSON object body of a %d answer: %s", status, text()).isInstanceOf(Map.class);
      return (Map<String, Object>) parsed;
    }

    /** @return the error code of a JSON error answer */
    @SuppressWarnings("unchecked")
    String errorCode() {
      return (String) ((Map<String, Object>) json().get("error")).get("code");
    }

    /** @return the error object of a JSON error answer */
    @SuppressWarnings("unchecked")
    Map<String, Object> error() {
      return (Map<String, Object>) json().get("error");
    }

    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    /** Asserts the status, showing the body when it differs. */
    Answer expect(int expected) {
      assertThat(status).as("status of answer with body %s", text()).isEqualTo(expected);
      return this;
    }
  }

  /**
   * Sends a request.
   *
   * @param path the path after the base URL, for example {@code /v1/repos}
   * @param token a Bearer token, or null for none
   * @param body a JSON value to send (a String is sent as is), or null for no body
   * @param headers extra header name/value pairs
   */
  Answer call(String method, String path, String token, Object body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      String text = body instanceof String s ? s : Json.write(body);
      b.header("Content-Type", "application/json");
      b.method(method, HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8));
    }
    try {
      HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Answer(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  Answer get(String path, String token, String... headers) {
    return call("GET", path, token, null, headers);
  }

  Answer post(String path, String token, Object body) {
    return call("POST", path, token, body);
  }

  Answer delete(String path, String token) {
    return call("DELETE", path, token, null);
  }

  /** Creates a repository with the admin token; returns {@code {"id","remote","token"}}. */
  Map<String, Object> createRepo(String id) {
    return post("/v1/repos", adminToken, id == null ? Map.of() : Map.of("id", id)).expect(201).json();
  }

  /** @return the list at {@code field} of a JSON object answer */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Map<String, Object> json, String field) {
    return (List<Map<String, Object>>) json.get(field);
  }

  @Override
  public void close() throws Exception {
    if (owned != null) {
      owned.close();
    }
  }
}
