package dev.artifacts.benchmarks.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * REST commit latency: starts the real server jar once per backend, creates a repository and
 * makes N sequential {@code POST /v1/repos/{id}/commits} of one small file, each with the
 * previous commit as parent (compare-and-swap), after a warm-up. Prints p50/p90/p99 per backend
 * as a markdown table. Configured by environment variables (see benchmarks/README.md):
 * {@code ARTIFACTS_JAR}, {@code BACKENDS} (default {@code fs,sqlite,mem}, commas or spaces), {@code COMMITS}
 * (default 500), {@code WARMUP} (default 2000), {@code WORK_DIR}, {@code SERVER_JAVA_OPTS}.
 *
 * <p>The default warm-up is long because the figure is meant to be a running server's: with 100
 * warm-up commits the measured window still contains most of the JIT's C2 compilations (seconds of
 * CPU on two cores), which roughly double the p50; {@code WARMUP=100} shows that cold figure.
 */
public final class RestCommitBench {
  private static final Pattern COMMIT = Pattern.compile("\"commit\"\\s*:\\s*\"([0-9a-f]{40})\"");
  private static final String ADMIN = "bench-admin-token";
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    Path jar = Path.of(env.getOrDefault("ARTIFACTS_JAR", "artifacts-server/target/artifacts-server.jar"));
    List<String> backends = Arrays.asList(env.getOrDefault("BACKENDS", "fs,sqlite,mem").trim().split("[,\\s]+"));
    int commits = Integer.parseInt(env.getOrDefault("COMMITS", "500"));
    int warmup = Integer.parseInt(env.getOrDefault("WARMUP", "2000"));
    Path work = Path.of(env.getOrDefault("WORK_DIR", "benchmarks/target/rest-commit-work")).toAbsolutePath();
    String javaOpts = env.getOrDefault("SERVER_JAVA_OPTS", "-Xmx1g");

    StringBuilder table = new StringBuilder();
    table.append("| backend | commits | p50 ms | p90 ms | p99 ms | mean ms | max ms |\n");
    table.append("|---|---:|---:|---:|---:|---:|---:|\n");
    for (String backend : backends) {
      double[] ms = run(jar, backend, commits, warmup, work.resolve(backend), javaOpts);
      Arrays.sort(ms);
      double mean = Arrays.stream(ms).average().orElse(0);
      String row =
          String.format(
              Locale.ROOT,
              "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f |",
              backend, ms.length, pct(ms, 50), pct(ms, 90), pct(ms, 99), mean, ms[ms.length - 1]);
      System.out.println("[rest-commit] " + row);
      table.append(row).append('\n');
    }
    System.out.println();
    System.out.println(table);
    Path out = work.resolve("rest-commit-results.md");
    Files.createDirectories(work);
    Files.writeString(out, table.toString());
    System.out.println("[rest-commit] written " + out);
  }

  private static double[] run(Path jar, String backend, int commits, int warmup, Path dir, String javaOpts)
      throws Exception {
    Proc.deleteTree(dir);
    Path data = Files.createDirectories(dir.resolve("data"));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(Arrays.asList(javaOpts.trim().split("\\s+")));
    cmd.addAll(
        List.of(
            "-jar", jar.toAbsolutePath().toString(), "--data-dir", data.toString(), "--storage", backend,
            "--bind", "127.0.0.1", "--port", String.valueOf(port), "--admin-token", ADMIN));
    Process server =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("server.log").toFile())
            .start();
    try {
      String base = "http://127.0.0.1:" + port;
      awaitHealth(base, server);
      post(base + "/v1/repos", "{\"id\":\"bench\"}", 201);
      String parent = null;
      double[] ms = new double[commits];
      for (int i = 0; i < warmup + commits; i++) {
        String body =
            "{\"branch\":\"main\",\"parent\":" + (parent == null ? "null" : "\"" + parent + "\"")
                + ",\"message\":\"commit " + i + "\",\"changes\":[{\"op\":\"write\",\"path\":\"file.txt\","
                + "\"content\":\"line " + i + "\\n\"}]}";
        long t0 = System.nanoTime();
        String answer = post(base + "/v1/repos/bench/commits", body, 201);
        long t1 = System.nanoTime();
        Matcher m = COMMIT.matcher(answer);
        if (!m.find()) {
          throw new IllegalStateException("no commit id in " + answer);
        }
        parent = m.group(1);
        if (i >= warmup) {
          ms[i - warmup] = (t1 - t0) / 1e6;
        }
      }
      return ms;
    } finally {
      server.destroy();
      if (!server.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  private static String post(String url, String body, int expected) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + ADMIN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != expected) {
      throw new IllegalStateException("POST " + url + " -> HTTP " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  private static void awaitHealth(String base, Process server) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        throw new IllegalStateException("server exited with " + server.exitValue());
      }
      try {
        HttpResponse<Void> r =
            HTTP.send(
                HttpRequest.newBuilder(URI.create(base + "/v1/health")).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("server did not answer /v1/health within 60 s");
  }

  /** Nearest-rank percentile of sorted values. */
  private static double pct(double[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
