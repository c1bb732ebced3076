package dev.artifacts.benchmarks.e2e;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * REST read benchmark against the runnable jar (fs backend), launched by {@code
 * run-rest-reads.sh}:
 *
 * <ol>
 *   <li>blob reads: {@code GET /v1/repos/small/blob?ref=HEAD&path=...} of a ~1 KB file by {@code
 *       CLIENTS} (16) concurrent keep-alive HTTP/1.1 clients (a minimal socket client, so that
 *       the load generator costs little CPU on the shared machine), requests per second over
 *       {@code BLOB_SECONDS} after a warm-up;
 *   <li>archive: {@code GET /v1/repos/large/archive/HEAD.zip} of the generated ~100 MB repository
 *       against {@code git archive --format=zip HEAD} of the same prepared bare repository
 *       (median of {@code ARCHIVE_RUNS} after one untimed run each), with the server's heap
 *       sampled by jstat and its GC log read back.
 * </ol>
 *
 * Results: {@code benchmarks/target/rest-reads-results.md} (also printed).
 */
public final class RestReadsBench {
  private static final String ADMIN = "bench-admin-token";
  private static final Duration LONG = Duration.ofMinutes(30);

  private RestReadsBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    Path benchDir = Path.of(env.getOrDefault("BENCH_DIR", "benchmarks")).toAbsolutePath();
    boolean quick = "1".equals(env.get("QUICK"));
    int clients = Integer.parseInt(env.getOrDefault("CLIENTS", "16"));
    int blobSeconds = Integer.parseInt(env.getOrDefault("BLOB_SECONDS", quick ? "5" : "20"));
    int archiveRuns = Integer.parseInt(env.getOrDefault("ARCHIVE_RUNS", quick ? "1" : "3"));
    String javaOpts = env.getOrDefault("SERVER_JAVA_OPTS", "-Xmx1g");
    Path jar = Path.of(env.getOrDefault("ARTIFACTS_JAR", "artifacts-server/target/artifacts-server.jar")).toAbsolutePath();
    Path cache = Path.of(env.getOrDefault("E2E_CACHE", benchDir.resolve("target/e2e-cache").toString())).toAbsolutePath();
    Path work = benchDir.resolve("target/rest-reads-work");
    Proc.deleteTree(work);
    Files.createDirectories(work);
    Proc.initGitEnv(work.resolve("home"));

    RepoGenerator.Spec smallSpec = RepoGenerator.Spec.SMALL;
    RepoGenerator.Spec largeSpec = RepoGenerator.Spec.large(quick);
    Path small = RepoGenerator.prepared(smallSpec, cache);
    Path large = RepoGenerator.prepared(largeSpec, cache);
    String load = Files.readString(Path.of("/proc/loadavg")).trim();

    Peer.Artifacts server = new Peer.Artifacts(work, jar, "fs", javaOpts);
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
    StringBuilder md = new StringBuilder();
    try {
      server.start(Map.of("small", small, "large", large));
      String base = "http://127.0.0.1:" + server.port;

      // ---- blob reads
      String file = Proc.gitOk(small.toFile(), LONG, "ls-tree", "-r", "--name-only", "HEAD").output().lines().findFirst().orElseThrow();
      byte[] expected = Proc.gitOk(small.toFile(), LONG, "cat-file", "blob", "HEAD:" + file).output().getBytes(StandardCharsets.UTF_8);
      String blobPath = "/v1/repos/small/blob?ref=HEAD&path=" + file;
      byte[] got = get(base + blobPath);
      if (!Arrays.equals(got, expected)) {
        throw new IllegalStateException("blob answer differs from git cat-file (" + got.length + " vs " + expected.length + " bytes)");
      }
      log("blob: " + file + " (" + expected.length + " bytes), " + clients + " clients; warm-up 5 s");
      blobLoad(server.port, blobPath, clients, 5);
      log("blob: measuring " + blobSeconds + " s");
      long[] r = blobLoad(server.port, blobPath, clients, blobSeconds);
      double rps = r[0] / (r[2] / 1e9);
      log(String.format("blob: %,d requests in %.1f s = %,.0f req/s, %d errors", r[0], r[2] / 1e9, rps, r[1]));

      // ---- archive
      String head = Proc.gitOk(large.toFile(), LONG, "rev-parse", "HEAD").output().trim();
      String desc = RepoGenerator.describe(large);
      Path gitZip = work.resolve("git.zip");
      Path ourZip = work.resolve("ours.zip");
      List<Double> gitTimes = new ArrayList<>();
      for (int i = 0; i <= archiveRuns; i++) {
        long t0 = System.nanoTime();
        Proc.Result a = Proc.run(large.toFile(), List.of("sh", "-c", "git archive --format=zip HEAD > " + gitZip), LONG, null);
        if (!a.ok()) {
          throw new IllegalStateException("git archive failed: " + a.output());
        }
        if (i > 0) {
          gitTimes.add((System.nanoTime() - t0) / 1e9);
        }
      }
      jcmd(server.pid(), "GC.run");
      Thread.sleep(500);
      double baseline;
      try (HeapSampler s = new HeapSampler(server.pid()).start(100)) {
        s.awaitFirstSample(10_000);
        Thread.sleep(300);
        baseline = s.peakUsedMb();
      }
      long gcOffset = server.gcLog != null && Files.exists(server.gcLog) ? Files.size(server.gcLog) : 0;
      List<Double> ourTimes = new ArrayList<>();
      long bytes = 0;
      double peakUsed;
      try (HeapSampler s = new HeapSampler(server.pid()).start(50)) {
        s.awaitFirstSample(10_000);
        for (int i = 0; i <= archiveRuns; i++) {
          long t0 = System.nanoTime();
          bytes = download(base + "/v1/repos/large/archive/HEAD.zip", i == 0 ? ourZip : null);
          if (i > 0) {
            ourTimes.add((System.nanoTime() - t0) / 1e9);
          }
        }
        Thread.sleep(200);
        peakUsed = s.peakUsedMb();
      }
      double[] gc = HeapSampler.gcLogPeaks(server.gcLog, gcOffset);
      String ourList = lastLine(Proc.run(work.toFile(), List.of("unzip", "-l", ourZip.toString()), LONG, null).output());
      String gitList = lastLine(Proc.run(work.toFile(), List.of("unzip", "-l", gitZip.toString()), LONG, null).output());
      double gitMed = median(gitTimes);
      double ourMed = median(ourTimes);
      log(String.format("archive: ours %.2f s (%,d bytes), git archive %.2f s (%,d bytes), ratio %.2f", ourMed, bytes, gitMed,
          Files.size(gitZip), ourMed / gitMed));
      log("archive listing totals: ours [" + ourList + "], git [" + gitList + "]");

      md.append("Run ").append(Instant.now()).append(", load average at start: ").append(load)
          .append(", at end: ").append(Files.readString(Path.of("/proc/loadavg")).trim()).append(", ")
          .append(Runtime.getRuntime().availableProcessors()).append(" CPUs, server ").append(javaOpts).append(", fs backend.\n\n");
      md.append("| workload | result | target |\n|---|---:|---|\n");
      md.append(String.format("| blob `GET .../blob?ref=HEAD&path=%s` (%d B), %d keep-alive clients, %d s | **%,.0f req/s** (%,d requests, %d errors) | >= 5,000 req/s |%n",
          file, expected.length, clients, blobSeconds, rps, r[0], r[1]));
      md.append(String.format("| zip archive of HEAD of the large repo (%s), median of %d | **%.2f s** (%,d bytes) | <= 1.2x git archive |%n",
          desc, archiveRuns, ourMed, bytes));
      md.append(String.format("| `git archive --format=zip HEAD` of the same bare repo, median of %d | %.2f s (%,d bytes) | |%n",
          archiveRuns, gitMed, Files.size(gitZip)));
      md.append(String.format("| time ratio ours / git archive | **%.2fx** | <= 1.2x |%n", ourMed / gitMed));
      md.append(String.format("| server heap: used after full GC before (jstat) | %.1f MiB | |%n", baseline));
      md.append(String.format("| server heap: peak used during the archives (jstat, 50 ms samples, garbage included) | %.1f MiB (growth %.1f MiB) | |%n",
          peakUsed, peakUsed - baseline));
      md.append(String.format("| server heap: peak heap after GC during the archives (GC log, %d GCs) | %s | growth <= 64 MiB |%n",
          (int) gc[2], Double.isNaN(gc[1]) ? "no GC happened" : String.format("%.0f MiB (growth %.1f MiB)", gc[1], gc[1] - baseline)));
      md.append("| `unzip -l` totals | ours: ").append(ourList).append("; git: ").append(gitList).append(" | same |\n");
    } finally {
      server.stop();
    }
    Path out = benchDir.resolve("target/rest-reads-results.md");
    Files.writeString(out, md.toString());
    System.out.println();
    System.out.println(md);
    log("results in " + out);
  }

  /** 16 (or n) keep-alive clients for {@code seconds}; returns {requests, errors, nanos}. */
  static long[] blobLoad(int port, String path, int clients, int seconds) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong ok = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ADMIN + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      Thread t = new Thread(() -> {
        while (!stop.get()) {
          try (Socket s = new Socket("127.0.0.1", port)) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
            while (!stop.get()) {
              out.write(request);
              out.flush();
              int status = readResponse(in);
              if (status == 200) {
                ok.incrementAndGet();
              } else {
                errors.incrementAndGet();
              }
            }
          } catch (IOException e) {
            errors.incrementAndGet();
          }
        }
      });
      t.setDaemon(true);
      threads.add(t);
    }
    long t0 = System.nanoTime();
    threads.forEach(Thread::start);
    Thread.sleep(seconds * 1000L);
    long n = ok.get();
    long nanos = System.nanoTime() - t0;
    stop.set(true);
    for (Thread t : threads) {
      t.join(5000);
    }
    return new long[] {n, errors.get(), nanos};
  }

  /** Reads one HTTP/1.1 response with a Content-Length body; returns the status. */
  private static int readResponse(InputStream in) throws IOException {
    String status = line(in);
    if (status == null) {
      throw new IOException("connection closed");
    }
    long length = -1;
    String l;
    while ((l = line(in)) != null && !l.isEmpty()) {
      int colon = l.indexOf(':');
      if (colon > 0 && l.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
        length = Long.parseLong(l.substring(colon + 1).trim());
      }
    }
    if (length < 0) {
      throw new IOException("no Content-Length");
    }
    in.skipNBytes(length);
    return Integer.parseInt(status.split(" ")[1]);
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        int n = sb.length();
        if (n > 0 && sb.charAt(n - 1) == '\r') {
          sb.setLength(n - 1);
        }
        return sb.toString();
      }
      sb.append((char) c);
    }
    return sb.length() == 0 ? null : sb.toString();
  }

  private static byte[] get(String url) throws IOException {
    HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
    c.setRequestProperty("Authorization", "Bearer " + ADMIN);
    if (c.getResponseCode() != 200) {
      throw new IllegalStateException("GET " + url + " -> " + c.getResponseCode());
    }
    try (InputStream in = c.getInputStream()) {
      return in.readAllBytes();
    }
  }

  /** Downloads, counting bytes; saves to {@code to} when not null. */
  private static long download(String url, Path to) throws IOException {
    HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
    c.setRequestProperty("Authorization", "Bearer " + ADMIN);
    c.setReadTimeout(600_000);
    if (c.getResponseCode() != 200) {
      throw new IllegalStateException("GET " + url + " -> " + c.getResponseCode());
    }
    try (InputStream in = c.getInputStream();
        OutputStream out = to == null ? OutputStream.nullOutputStream() : Files.newOutputStream(to)) {
      return in.transferTo(out);
    }
  }

  private static void jcmd(long pid, String command) {
    Proc.run(null, List.of("jcmd", Long.toString(pid), command), Duration.ofSeconds(60), null);
  }

  private static String lastLine(String text) {
    String[] lines = text.strip().split("\n");
    return lines[lines.length - 1].trim().replaceAll("\\s+", " ");
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static void log(String s) {
    System.out.println("[rest-reads] " + s);
    System.out.flush();
  }
}
