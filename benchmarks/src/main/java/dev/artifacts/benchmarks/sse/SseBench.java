package dev.artifacts.benchmarks.sse;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SSE latency benchmark: starts the real server jar, subscribes N clients to a repository's event
 * stream (plain sockets, one blocking reader thread each), pushes M commits with the stock git CLI one after another, and measures for every
 * (push, subscriber) pair:
 *
 * <ul>
 *   <li>publish -> receive: the event's {@code time} (stamped by the server when the push's refs
 *       are durable and the event is published) to the moment the client parsed the event;
 *   <li>push exit -> receive: the {@code git push} process exit to the client receiving the event
 *       (negative when the event arrived before git exited).
 * </ul>
 *
 * Server and clients run on the same machine, so both use the same wall clock.
 *
 * <p>Configuration (system properties): {@code sse.jar} (server jar), {@code sse.subscribers}
 * (comma list, default {@code 1,50}), {@code sse.pushes} (default 100), {@code sse.warmup}
 * (default 10), {@code sse.storage} (default {@code mem}), {@code sse.work} (work dir), {@code
 * sse.out} (markdown results file).
 */
public final class SseBench {
  private static final Pattern TIME = Pattern.compile("\"time\":\"([^\"]+)\"");
  private static final Pattern NEW_ID = Pattern.compile("\"newId\":\"([0-9a-f]{40})\"");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

  /** One event as one client received it. */
  record Sample(String commit, Instant published, Instant received) {}

  private SseBench() {}

  public static void main(String[] args) throws Exception {
    Path jar = Path.of(System.getProperty("sse.jar", "artifacts-server/target/artifacts-server.jar"));
    List<Integer> subscriberCounts = new ArrayList<>();
    for (String s : System.getProperty("sse.subscribers", "1,50").split(",")) {
      subscriberCounts.add(Integer.parseInt(s.trim()));
    }
    int pushes = Integer.getInteger("sse.pushes", 100);
    int warmup = Integer.getInteger("sse.warmup", 10);
    String storage = System.getProperty("sse.storage", "mem");
    Path work = Path.of(System.getProperty("sse.work", "benchmarks/target/sse")).toAbsolutePath();
    Path out = Path.of(System.getProperty("sse.out", "benchmarks/target/sse-results.md"));
    deleteTree(work);
    Files.createDirectories(work);
    Path home = work.resolve("home");
    Files.createDirectories(home);
    Files.writeString(home.resolve(".gitconfig"),
        "[user]\n\tname = Bench\n\temail = bench@example.invalid\n[init]\n\tdefaultBranch = main\n"
            + "[gc]\n\tauto = 0\n[credential]\n\thelper =\n");

    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String admin = "bench-admin-token";
    String base = "http://127.0.0.1:" + port;
    List<String> cmd = new ArrayList<>(List.of(
        javaBin(), "-Xmx1g", "-jar", jar.toAbsolutePath().toString(),
        "--storage", storage, "--data-dir", work.resolve("data").toString(),
        "--bind", "127.0.0.1", "--port", String.valueOf(port), "--admin-token", admin));
    Process server =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("server.log").toFile())
            .start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::destroy));
    StringBuilder report = new StringBuilder();
    try {
      waitHealthy(base);
      report.append("| subscribers | pushes | samples | publish → receive p50 / p99 / max (ms) "
          + "| push exit → receive p50 / p99 / max (ms) |\n|---:|---:|---:|---|---|\n");
      for (int n : subscriberCounts) {
        String row = run(base, admin, work, home, n, pushes, warmup);
        report.append(row).append('\n');
        System.out.println(row);
      }
    } finally {
      server.destroy();
      if (!server.waitFor(20, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
    String header = "SSE event latency, server `" + jar + "` (--storage " + storage + "), "
        + pushes + " measured pushes after " + warmup + " warm-up pushes per row, "
        + Runtime.getRuntime().availableProcessors() + " CPUs\n\n";
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, header + report);
    System.out.println();
    System.out.println(header + report);
  }

  private static String run(String base, String admin, Path work, Path home, int subscribers, int pushes, int warmup)
      throws Exception {
    String repo = "sse-" + subscribers;
    String created = post(base + "/v1/repos", admin, "{\"id\":\"" + repo + "\"}");
    Matcher remoteMatch = Pattern.compile("\"remote\":\"([^\"]+)\"").matcher(created);
    if (!remoteMatch.find()) {
      throw new IllegalStateException("no remote in " + created);
    }
    String remote = remoteMatch.group(1);
    Path dir = work.resolve(repo);
    git(home, work.toFile(), "init", "-q", "-b", "main", dir.toString());
    git(home, dir.toFile(), "remote", "add", "origin", remote);

    ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
    AtomicLong received = new AtomicLong();
    List<Socket> streams = new ArrayList<>();
    URI baseUri = URI.create(base);
    for (int i = 0; i < subscribers; i++) {
      // A plain socket per subscriber with one blocking reader thread: the client adds one
      // thread hop, so the figures are about the server, not an HTTP client library.
      Socket socket = new Socket(baseUri.getHost(), baseUri.getPort());
      socket.setTcpNoDelay(true);
      OutputStream req = socket.getOutputStream();
      req.write(("GET /v1/repos/" + repo + "/events HTTP/1.1\r\nHost: " + baseUri.getHost() + "\r\n"
              + "Authorization: Bearer " + admin + "\r\nAccept: text/event-stream\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      req.flush();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      String status = readLine(in);
      if (status == null || !status.contains(" 200 ")) {
        throw new IllegalStateException("event stream answered " + status);
      }
      boolean chunked = false;
      for (String h = readLine(in); h != null && !h.isEmpty(); h = readLine(in)) {
        chunked |= h.toLowerCase(Locale.ROOT).startsWith("transfer-encoding:") && h.toLowerCase(Locale.ROOT).contains("chunked");
      }
      streams.add(socket);
      boolean isChunked = chunked;
      Thread t = new Thread(() -> read(in, isChunked, samples, received), "sse-" + i);
      t.setDaemon(true);
      t.start();
    }
    // The server answers the headers right after it subscribed the stream, so every
    // subscriber is registered now.

    Map<String, Instant> pushExit = new ConcurrentHashMap<>();
    List<String> warmupCommits = new ArrayList<>();
    for (int i = 0; i < warmup + pushes; i++) {
      Files.writeString(dir.resolve("f.txt"), "push " + i + "\n");
      git(home, dir.toFile(), "add", "-A");
      git(home, dir.toFile(), "commit", "-q", "-m", "push " + i);
      String commit = git(home, dir.toFile(), "rev-parse", "HEAD").strip();
      git(home, dir.toFile(), "push", "-q", "origin", "main");
      pushExit.put(commit, Instant.now());
      if (i < warmup) {
        warmupCommits.add(commit);
      }
      long expected = (long) subscribers * (i + 1);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (received.get() < expected) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("only " + received.get() + " of " + expected + " events arrived");
        }
        Thread.sleep(1);
      }
    }
    for (Socket s : streams) {
      s.close();
    }

    List<Double> publishToReceive = new ArrayList<>();
    List<Double> exitToReceive = new ArrayList<>();
    for (Sample s : samples) {
      if (warmupCommits.contains(s.commit())) {
        continue;
      }
      publishToReceive.add(millis(s.published(), s.received()));
      Instant exit = pushExit.get(s.commit());
      if (exit != null) {
        exitToReceive.add(millis(exit, s.received()));
      }
    }
    return String.format(Locale.ROOT, "| %d | %d | %d | %s | %s |",
        subscribers, pushes, publishToReceive.size(), stats(publishToReceive), stats(exitToReceive));
  }

  private static void read(
      InputStream in, boolean chunked, ConcurrentLinkedQueue<Sample> samples, AtomicLong received) {
    ByteArrayOutputStream line = new ByteArrayOutputStream(512);
    byte[] buf = new byte[16 * 1024];
    try {
      while (true) {
        int n;
        if (chunked) {
          String size = readLine(in);
          if (size == null) {
            return;
          }
          int semi = size.indexOf(';');
          int len = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
          if (len == 0) {
            return;
          }
          byte[] chunk = in.readNBytes(len);
          // Jetty sends a chunk's closing CRLF with the next chunk: use the data first.
          feed(chunk, chunk.length, line, samples, received);
          readLine(in);
        } else {
          n = in.read(buf);
          if (n < 0) {
            return;
          }
          feed(buf, n, line, samples, received);
        }
      }
    } catch (IOException | RuntimeException e) {
      // stream closed at the end of the run
    }
  }

  private static void feed(
      byte[] bytes, int n, ByteArrayOutputStream line, ConcurrentLinkedQueue<Sample> samples, AtomicLong received) {
    for (int i = 0; i < n; i++) {
      if (bytes[i] != '\n') {
        line.write(bytes[i]);
        continue;
      }
      String text = line.toString(StandardCharsets.UTF_8);
      line.reset();
      if (!text.startsWith("data:") || !text.contains("\"type\":\"push\"")) {
        continue;
      }
      Instant now = Instant.now();
      Matcher t = TIME.matcher(text);
      Matcher id = NEW_ID.matcher(text);
      if (t.find() && id.find()) {
        samples.add(new Sample(id.group(1), Instant.parse(t.group(1)), now));
        received.incrementAndGet();
      }
    }
  }

  /** One CRLF- or LF-terminated line as ASCII, without the terminator; null at end of stream. */
  private static String readLine(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        int len = b.length();
        return len > 0 && b.charAt(len - 1) == '\r' ? b.substring(0, len - 1) : b.toString();
      }
      b.append((char) c);
    }
    return b.length() == 0 ? null : b.toString();
  }

  private static double millis(Instant from, Instant to) {
    return Duration.between(from, to).toNanos() / 1e6;
  }

  private static String stats(List<Double> values) {
    if (values.isEmpty()) {
      return "n/a";
    }
    List<Double> v = new ArrayList<>(values);
    Collections.sort(v);
    return String.format(Locale.ROOT, "%.2f / %.2f / %.2f",
        pct(v, 50), pct(v, 99), v.get(v.size() - 1));
  }

  /** Nearest-rank percentile. */
  private static double pct(List<Double> sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  private static String post(String url, String token, String body) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(url))
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 201) {
      throw new IllegalStateException("POST " + url + " answered " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  private static void waitHealthy(String base) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        HttpResponse<String> r = HTTP.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/health")).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("server did not start; see its log");
      }
      Thread.sleep(100);
    }
  }

  private static String git(Path home, File dir, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add("git");
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("GIT_"));
    env.put("HOME", home.toString());
    env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_TERMINAL_PROMPT", "0");
    env.put("LC_ALL", "C");
    Process p = pb.start();
    byte[] output = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("git " + String.join(" ", args) + " failed: "
          + new String(output, StandardCharsets.UTF_8));
    }
    return new String(output, StandardCharsets.UTF_8);
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(Collections.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
