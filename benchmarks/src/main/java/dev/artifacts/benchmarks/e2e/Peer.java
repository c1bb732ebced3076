package dev.artifacts.benchmarks.e2e;

import java.io.File;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A git server under test, started as its own process on 127.0.0.1 and a free port. */
abstract class Peer {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final String name;
    final Path dir;
    final Path logFile;
    int port;
    Process process;
    /** Clone URL per repository name, credentials included where needed. */
    final Map<String, String> remotes = new LinkedHashMap<>();
    /** How this peer's repositories were prepared (for the report). */
    String preparation = "";
    /** Free-form version / setup details for the report. */
    String details = "";
    /** GC log of a JVM peer ({@code -Xlog:gc}), or null. */
    Path gcLog;
    /** Wire protocol the client negotiated with this peer (v2 expected everywhere). */
    String protocol = "?";

    Peer(String name, Path workDir) {
        this.name = name;
        this.dir = workDir.resolve(name);
        this.logFile = workDir.resolve("logs").resolve(name + ".log");
    }

    /** Starts the server and loads every repository in {@code prepared} (name to prepared bare repo). */
    abstract void start(Map<String, Path> prepared) throws Exception;

    /** True if the server process is a JVM whose heap can be sampled with jstat. */
    boolean isJvm() {
        return false;
    }

    String url(String repo) {
        String u = remotes.get(repo);
        if (u == null) {
            throw new IllegalStateException(name + " has no repository " + repo);
        }
        return u;
    }

    long pid() {
        return process == null ? -1 : process.pid();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    void stop() {
        if (process == null) {
            return;
        }
        List<ProcessHandle> kids = new ArrayList<>(process.descendants().toList());
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle k : kids) {
            k.destroyForcibly();
        }
        process = null;
    }

    // ---- helpers --------------------------------------------------------------------------

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    Process launch(List<String> cmd) throws IOException {
        Files.createDirectories(logFile.getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.directory(dir.toFile());
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().keySet().removeIf(k -> k.startsWith("GIT_"));
        RepoGenerator.log(name + ": " + String.join(" ", cmd));
        process = pb.start();
        return process;
    }

    /** Polls {@code url} until it answers 200, the process dies, or the timeout passes. */
    void awaitHttp200(String url, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (process != null && !process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before it was ready; "
                        + "see " + logFile + ":\n" + tail(logFile, 20));
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = "HTTP " + r.statusCode();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(name + " not ready at " + url + " after " + timeout + " (" + last + "); see "
                + logFile + ":\n" + tail(logFile, 20));
    }

    static String tail(Path f, int lines) {
        try {
            List<String> all = Files.readAllLines(f);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Copies prepared bare repositories into {@code reposDir} as NAME.git (same bytes for every disk peer). */
    static void copyRepos(Map<String, Path> prepared, Path reposDir) throws IOException {
        Files.createDirectories(reposDir);
        for (Map.Entry<String, Path> e : prepared.entrySet()) {
            Proc.copyTree(e.getValue(), reposDir.resolve(e.getKey() + ".git"));
        }
    }

    static final String DISK_PREPARATION = "bare repos on disk: deterministic `git fast-import`, `git repack -adf`, "
            + "`git clone --bare --no-local`, `git repack -adb` (one pack + bitmap), config `http.receivepack=true`, "
            + "`uploadpack.allowFilter=true`; copied with `cp -a` per peer";

    // ---- git http-backend behind lighttpd ----------------------------------------------------

    static final class GitHttpBackend extends Peer {
        GitHttpBackend(Path workDir) {
            super("git-http-backend", workDir);
        }

        @Override
        void start(Map<String, Path> prepared) throws Exception {
            Proc.deleteTree(dir);
            Path repos = dir.resolve("repos");
            copyRepos(prepared, repos);
            Path www = Files.createDirectories(dir.resolve("www"));
            Path tmp = Files.createDirectories(dir.resolve("tmp"));
            port = freePort();
            String backend = "/usr/lib/git-core/git-http-backend";
            if (!Files.isExecutable(Path.of(backend))) {
                throw new IllegalStateException(backend + " not found (Debian package git)");
            }
            Path conf = dir.resolve("lighttpd.conf");
            Files.writeString(conf, """
                    server.modules = ( "mod_alias", "mod_cgi", "mod_setenv" )
                    server.document-root = "%s"
                    server.bind = "127.0.0.1"
                    server.port = %d
                    server.errorlog = "%s"
                    server.upload-dirs = ( "%s" )
                    server.max-connections = 1024
                    server.stream-request-body = 2
                    server.stream-response-body = 2
                    alias.url = ( "/git" => "%s" )
                    $HTTP["url"] =~ "^/git" {
                      cgi.assign = ( "" => "" )
                      setenv.add-environment = (
                        "GIT_PROJECT_ROOT" => "%s",
                        "GIT_HTTP_EXPORT_ALL" => "1",
                        "GIT_CONFIG_NOSYSTEM" => "1",
                        "HOME" => "%s"
                      )
                    }
                    """.formatted(www, port, dir.resolve("lighttpd-error.log"), tmp, backend, repos, dir));
            launch(List.of("lighttpd", "-D", "-f", conf.toString()));
            for (String repo : prepared.keySet()) {
                remotes.put(repo, "http://127.0.0.1:" + port + "/git/" + repo + ".git");
            }
            awaitHttp200(remotes.values().iterator().next() + "/info/refs?service=git-upload-pack", Duration.ofSeconds(30));
            preparation = DISK_PREPARATION;
            details = firstLine(Proc.run(null, List.of("lighttpd", "-v"), Duration.ofSeconds(10), null).output()) + ", "
                    + firstLine(Proc.git(null, Duration.ofSeconds(10), "version").output())
                    + ", mod_cgi, response streaming on, no auth";
        }
    }

    // ---- plain JGit GitServlet in Jetty ------------------------------------------------------

    static final class JGit extends Peer {
        private final String javaOpts;

        JGit(Path workDir, String javaOpts) {
            super("jgit-servlet", workDir);
            this.javaOpts = javaOpts;
        }

        @Override
        boolean isJvm() {
            return true;
        }

        @Override
        void start(Map<String, Path> prepared) throws Exception {
            Proc.deleteTree(dir);
            Path repos = dir.resolve("repos");
            copyRepos(prepared, repos);
            port = freePort();
            List<String> cmd = new ArrayList<>();
            cmd.add(javaBin());
            cmd.addAll(splitOpts(javaOpts));
            cmd.add(gcLogOption());
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add("dev.artifacts.benchmarks.peer.JGitHttpPeer");
            cmd.addAll(List.of("--repos", repos.toString(), "--bind", "127.0.0.1", "--port", String.valueOf(port)));
            launch(cmd);
            for (String repo : prepared.keySet()) {
                remotes.put(repo, "http://127.0.0.1:" + port + "/git/" + repo + ".git");
            }
            awaitHttp200(remotes.values().iterator().next() + "/info/refs?service=git-upload-pack", Duration.ofSeconds(60));
            preparation = DISK_PREPARATION;
            details = "JGit GitServlet (http.server " + jarVersion("org.eclipse.jgit.http.server") + ", core "
                    + jarVersion("org.eclipse.jgit-") + "), Jetty " + jarVersion("jetty-server") + " ee10, "
                    + javaOpts + ", no auth";
        }
    }

    // ---- this project's server ---------------------------------------------------------------

    static final class Artifacts extends Peer {
        private final Path jar;
        private final String storage;
        private final String javaOpts;
        private final List<String> extraArgs;
        final String adminToken = "bench-admin-token";

        Artifacts(Path workDir, Path jar, String storage, String javaOpts) {
            this(workDir, jar, storage, javaOpts, "artifacts-" + storage, List.of());
        }

        /** A server with a custom peer name and extra command-line options (e.g. {@code --no-auto-compaction}). */
        Artifacts(Path workDir, Path jar, String storage, String javaOpts, String name, List<String> extraArgs) {
            super(name, workDir);
            this.jar = jar;
            this.storage = storage;
            this.javaOpts = javaOpts;
            this.extraArgs = List.copyOf(extraArgs);
        }

        String baseUrl() {
            return "http://127.0.0.1:" + port;
        }

        Path dataDir() {
            return dir.resolve("data");
        }

        @Override
        boolean isJvm() {
            return true;
        }

        @Override
        void start(Map<String, Path> prepared) throws Exception {
            Proc.deleteTree(dir);
            Path data = Files.createDirectories(dir.resolve("data"));
            port = freePort();
            List<String> cmd = new ArrayList<>();
            cmd.add(javaBin());
            cmd.addAll(splitOpts(javaOpts));
            cmd.add(gcLogOption());
            cmd.addAll(List.of("-jar", jar.toString(), "--data-dir", data.toString(), "--storage", storage,
                    "--bind", "127.0.0.1", "--port", String.valueOf(port), "--admin-token", adminToken));
            cmd.addAll(extraArgs);
            launch(cmd);
            String base = "http://127.0.0.1:" + port;
            awaitHttp200(base + "/v1/health", Duration.ofSeconds(60));
            for (Map.Entry<String, Path> e : prepared.entrySet()) {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/repos"))
                        .timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Bearer " + adminToken)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"" + e.getKey() + "\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() / 100 != 2) {
                    throw new IllegalStateException(name + ": POST /v1/repos " + e.getKey() + " -> HTTP "
                            + r.statusCode() + " " + r.body());
                }
                String remote = jsonString(r.body(), "remote");
                if (remote == null) {
                    throw new IllegalStateException(name + ": no \"remote\" in " + r.body());
                }
                remotes.put(e.getKey(), remote);
                long t0 = System.nanoTime();
                Proc.Result push = Proc.git(e.getValue().toFile(), Duration.ofMinutes(30), "push", "-q", "--mirror",
                        remote);
                if (!push.ok()) {
                    throw new IllegalStateException(name + ": git push --mirror of " + e.getKey() + " failed (exit "
                            + push.exit() + "): " + push.output());
                }
                double pushed = (System.nanoTime() - t0) / 1e9;
                // The other peers serve repos repacked with bitmaps (`git repack -adb`); ours get the
                // same treatment through the compaction endpoint, as an operator would after an import.
                long t1 = System.nanoTime();
                HttpResponse<String> c = HTTP.send(HttpRequest.newBuilder(
                                URI.create(base + "/v1/repos/" + e.getKey() + "/compact"))
                        .timeout(Duration.ofMinutes(30))
                        .header("Authorization", "Bearer " + adminToken)
                        .POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (c.statusCode() != 200) {
                    throw new IllegalStateException(name + ": POST /v1/repos/" + e.getKey() + "/compact -> HTTP "
                            + c.statusCode() + " " + c.body());
                }
                RepoGenerator.log(String.format("%s: loaded %s with push --mirror in %.1fs, compacted in %.1fs",
                        name, e.getKey(), pushed, (System.nanoTime() - t1) / 1e9));
            }
            preparation = "`POST /v1/repos`, `git push --mirror` of the same prepared bare repos, then "
                    + "`POST /v1/repos/{id}/compact` (one pack with bitmaps, like `git repack -adb`)";
            details = jar.getFileName() + " --storage " + storage
                    + (extraArgs.isEmpty() ? "" : " " + String.join(" ", extraArgs)) + ", " + javaOpts;
        }
    }

    // ---- misc --------------------------------------------------------------------------------

    /** Adds {@code -Xlog:gc} to a JVM peer's command line so heap-after-GC can be read back. */
    String gcLogOption() throws IOException {
        Files.createDirectories(logFile.getParent());
        gcLog = logFile.resolveSibling(name + "-gc.log");
        Files.deleteIfExists(gcLog);
        return "-Xlog:gc:file=" + gcLog;
    }

    static String jsonString(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        if (!m.find()) {
            return null;
        }
        return m.group(1).replace("\\/", "/").replace("\\\"", "\"").replace("\\\\", "\\");
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static List<String> splitOpts(String opts) {
        List<String> out = new ArrayList<>();
        for (String s : opts.trim().split("\\s+")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    static String firstLine(String s) {
        int i = s.indexOf('\n');
        return (i < 0 ? s : s.substring(0, i)).trim();
    }

    /** Version of a classpath jar, taken from its file name (the part after {@code prefix}). */
    static String jarVersion(String prefix) {
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String f = Path.of(e).getFileName().toString();
            if (f.startsWith(prefix) && f.endsWith(".jar")) {
                return f.substring(prefix.length(), f.length() - 4).replaceFirst("^-", "");
            }
        }
        return "?";
    }
}
