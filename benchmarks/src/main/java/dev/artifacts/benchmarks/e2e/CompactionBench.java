package dev.artifacts.benchmarks.e2e;

import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.PushCommand;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;

/**
 * Compaction benchmark against the real server jar: a repository (the e2e "small" repo, loaded
 * and compacted into one pack with bitmaps) receives many small pushes, one commit each, from a
 * JGit client over HTTP; then full bare clones ({@code git clone --bare}) are timed, the
 * repository is compacted ({@code POST /v1/repos/{id}/compact}) and clones are timed again. Runs
 * once with background compaction on (the product default) and once with
 * {@code --no-auto-compaction}. See benchmarks/README.md.
 */
public final class CompactionBench {

    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final boolean quick;
    private final List<String> backends;
    private final List<String> modes;
    private final int pushes;
    private final int cloneRuns;
    private final Path jar;
    private final String javaOpts;
    private final Path work;
    private final Path cache;
    private final Path out;
    private final List<Peer> running = Collections.synchronizedList(new ArrayList<>());
    private final StringBuilder table = new StringBuilder();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private CompactionBench() {
        Map<String, String> env = System.getenv();
        quick = "1".equals(env.getOrDefault("QUICK", "0"));
        backends = List.of(env.getOrDefault("BACKENDS", "fs,sqlite").split("\\s*,\\s*"));
        modes = List.of(env.getOrDefault("MODES", "auto,off").split("\\s*,\\s*"));
        pushes = Proc.intEnv("PUSHES", quick ? 50 : 1000);
        cloneRuns = Proc.intEnv("CLONE_RUNS", quick ? 3 : 15);
        jar = Path.of(env.getOrDefault("ARTIFACTS_JAR", "artifacts-server/target/artifacts-server.jar")).toAbsolutePath();
        javaOpts = env.getOrDefault("SERVER_JAVA_OPTS", "-Xmx1g");
        Path benchDir = Path.of(env.getOrDefault("BENCH_DIR", ".")).toAbsolutePath().normalize();
        work = Path.of(env.getOrDefault("COMPACTION_WORK", benchDir.resolve("target/compaction").toString()))
                .toAbsolutePath();
        cache = Path.of(env.getOrDefault("E2E_CACHE", benchDir.resolve("target/e2e-cache").toString())).toAbsolutePath();
        out = Path.of(env.getOrDefault("COMPACTION_OUT", benchDir.resolve("target/compaction-results.md").toString()))
                .toAbsolutePath();
    }

    public static void main(String[] args) throws Exception {
        CompactionBench b = new CompactionBench();
        Runtime.getRuntime().addShutdownHook(new Thread(b::stopAll, "stop-peers"));
        try {
            b.run();
        } finally {
            b.stopAll();
        }
    }

    private void stopAll() {
        synchronized (running) {
            running.forEach(Peer::stop);
            running.clear();
        }
    }

    private void run() throws Exception {
        long t0 = System.nanoTime();
        Proc.deleteTree(work);
        Files.createDirectories(work.resolve("tmp"));
        Proc.initGitEnv(work.resolve("home"));
        Path small = RepoGenerator.prepared(RepoGenerator.Spec.SMALL, cache);
        table.append("| backend | background compaction | repository, state | own packs | clone p50 ms | clone min–max ms | ÷ compacted twin | load while cloning |\n")
                .append("|---|---|---|---:|---:|---:|---:|---|\n");
        List<String> pushLines = new ArrayList<>();
        for (String backend : backends) {
            for (String mode : modes) {
                boolean auto = mode.equals("auto");
                String name = "compaction-" + backend + "-" + mode;
                Peer.Artifacts p = new Peer.Artifacts(work, jar, backend, javaOpts, name,
                        auto ? List.of() : List.of("--no-auto-compaction"));
                running.add(p);
                heads = null;
                Map<String, Path> load = new java.util.LinkedHashMap<>();
                load.put("small", small);
                load.put("twin", small);
                p.start(load);
                log(name + ": ready on port " + p.port + " (loaded and compacted: " + packs(p, backend, "small")
                        + " pack(s))");
                Series fresh = clones(p, List.of("small"), "fresh").get(0);
                int freshPacks = packs(p, backend, "small");

                String pushStats = push(p, name);
                pushLines.add("- " + backend + ", compaction " + mode + ": " + pushStats);
                if (auto) {
                    settle(p, backend, "small");
                    settle(p, backend, "twin");
                }
                int afterPushPacks = packs(p, backend, "small");
                int twinPacks = packs(p, backend, "twin");

                long c0 = System.nanoTime();
                HttpResponse<String> c = http.send(HttpRequest.newBuilder(URI.create(p.baseUrl() + "/v1/repos/twin/compact"))
                        .timeout(Duration.ofMinutes(10)).header("Authorization", "Bearer " + p.adminToken)
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                if (c.statusCode() != 200) {
                    throw new IllegalStateException("compact -> HTTP " + c.statusCode() + " " + c.body());
                }
                double compactSecs = (System.nanoTime() - c0) / 1e9;
                int compactedPacks = packs(p, backend, "twin");
                // the two repositories hold the same commits; their clones alternate, so load
                // changes hit both alike
                List<Series> both = clones(p, List.of("small", "twin"), "after pushes: small vs compacted twin");
                pushLines.add(String.format(Locale.ROOT,
                        "  - `POST /v1/repos/twin/compact` (%d packs before) took %.2f s", twinPacks, compactSecs));

                String label = auto ? "on (default)" : "off (`--no-auto-compaction`)";
                double ref = both.get(1).p50;
                row(backend, label, "`small`, loaded + compacted, before the pushes", freshPacks, fresh, ref);
                row(backend, label, "`small` after " + pushes + " pushes", afterPushPacks, both.get(0), ref);
                row(backend, label, "`twin` (same " + pushes + " pushes) after `POST …/compact`", compactedPacks,
                        both.get(1), ref);
                p.stop();
                running.remove(p);
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("# Compaction benchmark results\n\n");
        sb.append("- Date: ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append('\n');
        sb.append("- Mode: ").append(quick ? "**QUICK** (smoke test)" : "full").append('\n');
        sb.append("- Machine: ").append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs, shared; client and server on 127.0.0.1\n");
        sb.append("- Server: ").append(jar.getFileName()).append(' ').append(javaOpts).append('\n');
        sb.append(String.format(Locale.ROOT,
                "- Workload: the e2e `small` repo loaded twice (`small`, `twin`) with `git push --mirror` + `compact`; then %d commits, each pushed separately to both (JGit client over HTTP, sequential); then `twin` is compacted (`POST /v1/repos/twin/compact`) and %d × `git clone --bare` of each are timed, alternating (p50)%n",
                pushes, cloneRuns));
        sb.append(String.format(Locale.ROOT, "- Total time: %.0f s%n%n", (System.nanoTime() - t0) / 1e9));
        sb.append(table).append('\n');
        sb.append("Pushes:\n\n");
        pushLines.forEach(l -> sb.append(l).append('\n'));
        Files.createDirectories(out.getParent());
        Files.writeString(out, sb.toString());
        System.out.println();
        System.out.println(sb);
        log("wrote " + out);
    }

    private void row(String backend, String mode, String state, int packs, Series c, double ref) {
        table.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %.0f | %.0f–%.0f | %.2f | %s |%n", backend, mode,
                state, packs, c.p50, c.min, c.max, c.p50 / ref, c.load));
    }

    /** Clone times of one repository: p50, min, max in ms, and the load average while measured. */
    private record Series(double p50, double min, double max, String load) {
    }

    /** Pushes {@link #pushes} commits, one push each; returns a summary line. */
    private String push(Peer.Artifacts p, String name) throws Exception {
        String remote = p.url("small");
        URI u = URI.create(remote);
        String token = URLDecoder.decode(u.getUserInfo().substring(u.getUserInfo().indexOf(':') + 1),
                StandardCharsets.UTF_8);
        String plain = new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), null, null).toString();
        UsernamePasswordCredentialsProvider cp = new UsernamePasswordCredentialsProvider("x", token);
        Path local = work.resolve("client-" + name);
        SplittableRandom rnd = new SplittableRandom(11);
        List<Double> ms = new ArrayList<>();
        long t0 = System.nanoTime();
        URI tu = URI.create(p.url("twin"));
        String twinToken = URLDecoder.decode(tu.getUserInfo().substring(tu.getUserInfo().indexOf(':') + 1),
                StandardCharsets.UTF_8);
        UsernamePasswordCredentialsProvider twinCp = new UsernamePasswordCredentialsProvider("x", twinToken);
        String twinPlain = new URI(tu.getScheme(), null, tu.getHost(), tu.getPort(), tu.getPath(), null, null).toString();
        try (Git git = Git.cloneRepository().setURI(plain).setDirectory(local.toFile()).setCredentialsProvider(cp)
                .call()) {
            git.remoteAdd().setName("twin").setUri(new org.eclipse.jgit.transport.URIish(twinPlain)).call();
            for (int i = 0; i < pushes; i++) {
                Path f = local.resolve("push/p" + (i % 10) + ".txt");
                Files.createDirectories(f.getParent());
                StringBuilder line = new StringBuilder("push " + i + ":");
                for (int k = 0; k < 8; k++) {
                    line.append(' ').append(Long.toString(rnd.nextLong() & Long.MAX_VALUE, 36));
                }
                Files.writeString(f, line + "\n", java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
                git.add().addFilepattern("push").call();
                RevCommit commit = git.commit().setMessage("push " + i).setAuthor("Bench", "bench@example.invalid")
                        .setCommitter("Bench", "bench@example.invalid").call();
                long a = System.nanoTime();
                PushCommand pc = git.push().setRemote("origin").setCredentialsProvider(cp)
                        .setRefSpecs(new RefSpec("HEAD:refs/heads/master"));
                for (PushResult r : pc.call()) {
                    for (RemoteRefUpdate up : r.getRemoteUpdates()) {
                        if (up.getStatus() != RemoteRefUpdate.Status.OK) {
                            throw new IllegalStateException("push " + i + " of " + commit.name() + " -> " + up.getStatus()
                                    + " " + up.getMessage());
                        }
                    }
                }
                ms.add((System.nanoTime() - a) / 1e6);
                // the same commit to the twin repository (not timed)
                for (PushResult r : git.push().setRemote("twin").setCredentialsProvider(twinCp)
                        .setRefSpecs(new RefSpec("HEAD:refs/heads/master")).call()) {
                    for (RemoteRefUpdate up : r.getRemoteUpdates()) {
                        if (up.getStatus() != RemoteRefUpdate.Status.OK) {
                            throw new IllegalStateException("twin push " + i + " -> " + up.getStatus());
                        }
                    }
                }
            }
            heads = git.getRepository().resolve("HEAD").name();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        String s = String.format(Locale.ROOT, "%d commits pushed to `small` and to `twin` in %.1f s (commit + 2 pushes), `small` push p50 %.1f ms, p99 %.1f ms (load %s)",
                pushes, secs, Results.percentile(ms, 50), Results.percentile(ms, 99), ForkRateBench.load());
        log(name + ": " + s);
        return s;
    }

    /** Expected HEAD of the repository on the server (null before the pushes). */
    private String heads;

    /** Waits (up to 60 s) until background compaction has left the pack count unchanged for 3 s. */
    private void settle(Peer.Artifacts p, String backend, String repo) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        int last = packs(p, backend, repo);
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            Thread.sleep(250);
            int now = packs(p, backend, repo);
            if (now != last) {
                last = now;
                stableSince = System.nanoTime();
            } else if (System.nanoTime() - stableSince > 3_000_000_000L) {
                return;
            }
        }
    }

    /**
     * Times {@link #cloneRuns} bare clones of each repository in {@code repos} (after one untimed
     * clone each), alternating between them and rotating which goes first every round.
     */
    private List<Series> clones(Peer.Artifacts p, List<String> repos, String what) {
        List<List<Double>> ms = new ArrayList<>();
        repos.forEach(r -> ms.add(new ArrayList<>()));
        String load0 = ForkRateBench.load().split(" ")[0];
        for (int i = -1; i < cloneRuns; i++) {
            for (int k = 0; k < repos.size(); k++) {
                int j = (k + Math.max(i, 0)) % repos.size();
                Path d = work.resolve("tmp").resolve("clone");
                Proc.deleteTree(d);
                Proc.Result r = Proc.git(null, TIMEOUT, "clone", "-q", "--bare", p.url(repos.get(j)), d.toString());
                if (!r.ok()) {
                    throw new IllegalStateException("clone of " + repos.get(j) + " failed: " + r.output());
                }
                if (heads != null) {
                    String head = Proc.gitOk(d.toFile(), TIMEOUT, "rev-parse", "HEAD").output().trim();
                    if (!head.equals(heads)) {
                        throw new IllegalStateException("clone HEAD " + head + ", expected " + heads);
                    }
                }
                if (i >= 0) {
                    ms.get(j).add(r.millis());
                }
                Proc.deleteTree(d);
            }
        }
        String load = load0 + " → " + ForkRateBench.load().split(" ")[0];
        List<Series> out = new ArrayList<>();
        for (int j = 0; j < repos.size(); j++) {
            List<Double> m = ms.get(j);
            Series s = new Series(Results.percentile(m, 50), Collections.min(m), Collections.max(m), load);
            out.add(s);
            log(String.format(Locale.ROOT, "%s %s: %s clone p50 %.0f ms (%.0f–%.0f)", p.name, what, repos.get(j), s.p50,
                    s.min, s.max));
        }
        return out;
    }

    /** @return the number of visible packs the repository owns, read from the backend's files */
    private static int packs(Peer.Artifacts p, String backend, String repo) throws Exception {
        if (backend.equals("sqlite")) {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + p.dataDir().resolve("artifacts.db"));
                    PreparedStatement st = c.prepareStatement("SELECT count(*) FROM packs WHERE retired_millis IS NULL"
                            + " AND rid = (SELECT rid FROM repos WHERE id = ?)")) {
                c.createStatement().execute("PRAGMA busy_timeout=5000");
                st.setString(1, repo);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        }
        if (backend.equals("fs")) {
            Path manifest = p.dataDir().resolve("repos/" + repo + "/artifacts/packs");
            if (!Files.exists(manifest)) {
                return 0;
            }
            // format line, one line per pack, crc line
            return (int) Files.readAllLines(manifest).stream()
                    .filter(l -> !l.startsWith("artifacts-packs ") && !l.startsWith("crc32 ") && !l.isBlank()).count();
        }
        return -1;
    }

    private static void log(String s) {
        RepoGenerator.log(s);
    }
}
