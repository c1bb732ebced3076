package dev.artifacts.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * Shared helpers for the end-to-end tests: running the stock {@code git} CLI in an isolated
 * environment, the REST calls that create repositories, a tiny JSON field extractor and pkt-line
 * plumbing for raw smart-HTTP requests.
 */
final class GitE2e {

  /** Upper bound for every git process; a process still running then is killed. */
  static final Duration PROCESS_TIMEOUT = Duration.ofSeconds(60);

  static final String ZERO_ID = "0000000000000000000000000000000000000000";

  private static final AtomicInteger SEQ = new AtomicInteger();

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(10))
          .followRedirects(HttpClient.Redirect.NEVER)
          .version(HttpClient.Version.HTTP_1_1)
          .build();

  private final Path root;
  private final Path home;
  private final Path logs;

  /** The outcome of one process. */
  record Result(List<String> command, int exit, String stdout, String stderr) {
    boolean ok() {
      return exit == 0;
    }

    String describe() {
      return "command: " + String.join(" ", command) + "\nexit: " + exit
          + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
    }

    /** stdout without the trailing newline. */
    String out() {
      return stdout.strip();
    }
  }

  /** What {@code POST /v1/repos} answered. */
  record Created(String id, String remote, String token, String body) {}

  GitE2e(Path root) {
    this.root = root;
    this.home = root.resolve("home");
    this.logs = root.resolve("logs");
    try {
      Files.createDirectories(home);
      Files.createDirectories(logs);
      Files.writeString(
          home.resolve(".gitconfig"),
          String.join(
              "\n",
              "[user]",
              "\tname = E2E Tester",
              "\temail = e2e@example.invalid",
              "[init]",
              "\tdefaultBranch = main",
              "[credential]",
              "\thelper =",
              "[advice]",
              "\tdetachedHead = false",
              "[gc]",
              "\tauto = 0",
              "[maintenance]",
              "\tauto = false",
              "[fetch]",
              "\twriteCommitGraph = false",
              "[core]",
              "\tautocrlf = false",
              ""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path root() {
    return root;
  }

  /** A fresh, not yet existing directory under the test root. */
  Path newDir(String name) {
    return root.resolve(name + "-" + SEQ.incrementAndGet());
  }

  /** A fresh unique repository id. */
  static String newRepoId(String prefix) {
    return prefix + "-" + System.nanoTime() % 1_000_000_000L + "-" + SEQ.incrementAndGet();
  }

  // ---------------------------------------------------------------- processes

  Map<String, String> baseEnv() {
    Map<String, String> env = new HashMap<>(System.getenv());
    env.keySet().removeIf(k -> k.startsWith("GIT_") || k.equalsIgnoreCase("http_proxy")
        || k.equalsIgnoreCase("https_proxy") || k.equalsIgnoreCase("all_proxy")
        || k.equalsIgnoreCase("no_proxy"));
    env.put("HOME", home.toString());
    env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_TERMINAL_PROMPT", "0");
    env.put("GIT_ASKPASS", "");
    env.put("SSH_ASKPASS", "");
    env.put("LANG", "C");
    env.put("LC_ALL", "C");
    env.put("NO_PROXY", "*");
    return env;
  }

  Result run(Path dir, Map<String, String> extraEnv, Path stdin, List<String> command) {
    int n = SEQ.incrementAndGet();
    Path out = logs.resolve(n + ".out");
    Path err = logs.resolve(n + ".err");
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.directory((dir == null ? root : dir).toFile());
    pb.environment().clear();
    pb.environment().putAll(baseEnv());
    if (extraEnv != null) {
      pb.environment().putAll(extraEnv);
    }
    pb.redirectInput(
        stdin == null ? ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())
            : ProcessBuilder.Redirect.from(stdin.toFile()));
    pb.redirectOutput(out.toFile());
    pb.redirectError(err.toFile());
    try {
      Process p = pb.start();
      if (!p.waitFor(PROCESS_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        fail("process timed out after " + PROCESS_TIMEOUT + ": " + String.join(" ", command)
            + "\n--- stdout ---\n" + read(out) + "\n--- stderr ---\n" + read(err));
      }
      return new Result(List.copyOf(command), p.exitValue(), read(out), read(err));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "<unreadable: " + e + ">";
    }
  }

  /** Runs {@code git args...} in {@code dir}. */
  Result git(Path dir, String... args) {
    return gitEnv(dir, Map.of(), args);
  }

  Result gitEnv(Path dir, Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("git");
    cmd.addAll(Arrays.asList(args));
    return run(dir, env, null, cmd);
  }

  /** Runs git and asserts it exited 0. */
  Result gitOk(Path dir, String... args) {
    return gitOkEnv(dir, Map.of(), args);
  }

  Result gitOkEnv(Path dir, Map<String, String> env, String... args) {
    Result r = gitEnv(dir, env, args);
    assertThat(r.exit()).as("git should succeed\n%s", r.describe()).isZero();
    return r;
  }

  /** Runs git and asserts it exited non-zero. */
  Result gitFails(Path dir, String... args) {
    Result r = git(dir, args);
    assertThat(r.exit()).as("git should fail\n%s", r.describe()).isNotZero();
    return r;
  }

  /** {@code git rev-parse --verify rev} in {@code dir}. */
  String rev(Path dir, String rev) {
    return gitOk(dir, "rev-parse", "--verify", "--end-of-options", rev).out();
  }

  /** Creates a non-bare repository with origin set to {@code remote} (when not null). */
  Path initRepo(String name, String remote) {
    Path dir = newDir(name);
    gitOk(root, "init", "-q", "-b", "main", dir.toString());
    if (remote != null) {
      gitOk(dir, "remote", "add", "origin", remote);
    }
    return dir;
  }

  /** Writes files (path to content), stages everything and commits; returns the commit id. */
  String commit(Path repo, String message, Map<String, String> files) {
    return commitAt(repo, message, files, null);
  }

  /** As {@link #commit}, with author and committer date {@code date} (git date format) when set. */
  String commitAt(Path repo, String message, Map<String, String> files, String date) {
    files.forEach((path, content) -> write(repo.resolve(path), content));
    gitOk(repo, "add", "-A");
    Map<String, String> env = new HashMap<>();
    if (date != null) {
      env.put("GIT_AUTHOR_DATE", date);
      env.put("GIT_COMMITTER_DATE", date);
    }
    gitOkEnv(repo, env, "commit", "-q", "--allow-empty", "-m", message);
    return rev(repo, "HEAD");
  }

  static void write(Path file, String content) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String readFile(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code git ls-remote [args] remote} run from {@code root}; returns ref name to object id, in
   * the order printed. Asserts success.
   */
  Map<String, String> lsRemote(String remote, String... args) {
    List<String> a = new ArrayList<>();
    a.add("ls-remote");
    a.addAll(Arrays.asList(args));
    a.add(remote);
    Result r = gitOk(root, a.toArray(String[]::new));
    return parseRefs(r.stdout());
  }

  static Map<String, String> parseRefs(String lsRemoteOutput) {
    Map<String, String> refs = new LinkedHashMap<>();
    for (String line : lsRemoteOutput.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      int tab = line.indexOf('\t');
      assertThat(tab).as("ls-remote line '%s'", line).isPositive();
      refs.put(line.substring(tab + 1), line.substring(0, tab));
    }
    return refs;
  }

  /**
   * Object ids that {@code git rev-list --objects --missing=print revs...} reports as missing
   * (lines starting with '?'); this form never fetches lazily.
   */
  List<String> missingObjects(Path repo, String... revs) {
    List<String> a = new ArrayList<>(List.of("rev-list", "--objects", "--missing=print"));
    a.addAll(Arrays.asList(revs));
    Result r = gitOk(repo, a.toArray(String[]::new));
    List<String> missing = new ArrayList<>();
    for (String line : r.stdout().split("\n")) {
      if (line.startsWith("?")) {
        missing.add(line.substring(1).strip());
      }
    }
    return missing;
  }

  // ---------------------------------------------------------------- URLs

  /** {@code http://x:TOKEN@host:port/git/ID.git} for a server base URL. */
  static String remoteUrl(String baseUrl, String id, String token) {
    URI base = URI.create(baseUrl);
    return base.getScheme() + "://x:" + token + "@" + base.getHost() + ":" + base.getPort()
        + "/git/" + id + ".git";
  }

  /** The repository URL without credentials. */
  static String anonymousUrl(String baseUrl, String id) {
    return stripSlash(baseUrl) + "/git/" + id + ".git";
  }

  static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  // ---------------------------------------------------------------- REST

  static HttpClient http() {
    return HTTP;
  }

  static HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static HttpResponse<byte[]> sendBytes(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code POST /v1/repos} with the given admin token (null: none) and JSON body (null: none). */
  static HttpResponse<String> postRepos(String baseUrl, String adminToken, String jsonBody) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(stripSlash(baseUrl) + "/v1/repos"))
            .timeout(Duration.ofSeconds(30));
    if (adminToken != null) {
      b.header("Authorization", "Bearer " + adminToken);
    }
    if (jsonBody != null) {
      b.header("Content-Type", "application/json");
      b.POST(HttpRequest.BodyPublishers.ofString(jsonBody));
    } else {
      b.POST(HttpRequest.BodyPublishers.noBody());
    }
    return send(b.build());
  }

  /** Creates a repository through REST and asserts the 201 answer. */
  static Created createRepo(String baseUrl, String adminToken, String id) {
    HttpResponse<String> r =
        postRepos(baseUrl, adminToken, id == null ? null : "{\"id\":\"" + id + "\"}");
    assertThat(r.statusCode()).as("POST /v1/repos %s -> %s", id, r.body()).isEqualTo(201);
    String gotId = jsonString(r.body(), "id");
    String remote = jsonString(r.body(), "remote");
    String token = jsonString(r.body(), "token");
    assertThat(gotId).as("id in %s", r.body()).isNotBlank();
    if (id != null) {
      assertThat(gotId).isEqualTo(id);
    }
    assertThat(remote).as("remote in %s", r.body()).isNotBlank();
    assertThat(token).as("token in %s", r.body()).isNotBlank();
    return new Created(gotId, remote, token, r.body());
  }

  static String basicAuth(String user, String password) {
    return "Basic " + Base64.getEncoder()
        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  // ---------------------------------------------------------------- JSON

  /**
   * The string value of the first {@code "field": "..."} in {@code json}, unescaped; null when
   * absent. Good enough for the flat answers of the REST API.
   */
  static String jsonString(String json, String field) {
    Matcher m =
        Pattern.compile("\"" + Pattern.quote(field) + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")
            .matcher(json);
    if (!m.find()) {
      return null;
    }
    return unescape(m.group(1));
  }

  /** The raw literal (true, false, null, a number) of {@code "field": literal}; null when absent. */
  static String jsonLiteral(String json, String field) {
    Matcher m =
        Pattern.compile("\"" + Pattern.quote(field) + "\"\\s*:\\s*([A-Za-z0-9.+-]+)")
            .matcher(json);
    return m.find() ? m.group(1) : null;
  }

  private static String unescape(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\' || i + 1 >= s.length()) {
        b.append(c);
        continue;
      }
      char e = s.charAt(++i);
      switch (e) {
        case 'n' -> b.append('\n');
        case 't' -> b.append('\t');
        case 'r' -> b.append('\r');
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'u' -> {
          b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
          i += 4;
        }
        default -> b.append(e);
      }
    }
    return b.toString();
  }

  // ---------------------------------------------------------------- pkt-line

  static byte[] pkt(String payload) {
    return pkt(payload.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] pkt(byte[] payload) {
    byte[] out = new byte[payload.length + 4];
    byte[] len = String.format("%04x", payload.length + 4).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(len, 0, out, 0, 4);
    System.arraycopy(payload, 0, out, 4, payload.length);
    return out;
  }

  static final byte[] FLUSH = "0000".getBytes(StandardCharsets.US_ASCII);

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(b)) {
      z.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  /** One pkt-line: its payload, or null for a flush/delim/response-end packet. */
  record Pkt(int length, byte[] payload) {
    String text() {
      return payload == null ? "" : new String(payload, StandardCharsets.UTF_8);
    }
  }

  /** Splits a pkt-line stream; stops at the end of the data (raw trailing bytes are an error). */
  static List<Pkt> parsePkts(byte[] data) {
    List<Pkt> pkts = new ArrayList<>();
    InputStream in = new ByteArrayInputStream(data);
    try {
      while (true) {
        byte[] len = in.readNBytes(4);
        if (len.length == 0) {
          return pkts;
        }
        if (len.length < 4) {
          throw new IllegalStateException("truncated pkt-line length in response");
        }
        int n = Integer.parseInt(new String(len, StandardCharsets.US_ASCII), 16);
        if (n < 4) {
          pkts.add(new Pkt(n, null));
          continue;
        }
        byte[] payload = in.readNBytes(n - 4);
        if (payload.length != n - 4) {
          throw new IllegalStateException("truncated pkt-line payload in response");
        }
        pkts.add(new Pkt(n, payload));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An empty pack: header with zero objects and its SHA-1 trailer. */
  static byte[] emptyPack() {
    byte[] header = {'P', 'A', 'C', 'K', 0, 0, 0, 2, 0, 0, 0, 0};
    try {
      byte[] sha = MessageDigest.getInstance("SHA-1").digest(header);
      return concat(header, sha);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Builds a deterministic text of about {@code bytes} bytes. */
  static String text(String seed, int bytes) {
    StringBuilder b = new StringBuilder();
    int line = 0;
    while (b.length() < bytes) {
      b.append(seed).append(" line ").append(line++).append(' ')
          .append(Integer.toHexString((seed.hashCode() * 31 + line) * 0x9E3779B1)).append('\n');
    }
    return b.substring(0, bytes);
  }
}
