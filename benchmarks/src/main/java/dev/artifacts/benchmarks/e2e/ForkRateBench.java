package dev.artifacts.benchmarks.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Fork benchmark against the real server jar, one server process per backend: the REST fork
 * rate ({@code POST /v1/repos/{id}/forks}, N parallel keep-alive clients) and the bytes each fork
 * adds to the data directory, for a small and a large parent and for forks of forks. Configured
 * by environment variables; see benchmarks/README.md ("Forks, SQLite vs fs, compaction").
 */
public final class ForkRateBench {

    private final boolean quick;
    private final List<String> backends;
    private final int clients;
    private final int warmupSecs;
    private final int durationSecs;
    private final int sizeForks;
    private final Path jar;
    private final String javaOpts;
    private final Path work;
    private final Path cache;
    private final Path out;
    private final List<Peer> running = Collections.synchronizedList(new ArrayList<>());
    private final StringBuilder rateTable = new StringBuilder();
    private final StringBuilder sizeTable = new StringBuilder();
    private final List<String> notes = new ArrayList<>();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private ForkRateBench() {
        Map<String, String> env = System.getenv();
        quick = "1".equals(env.getOrDefault("QUICK", "0"));
        backends = List.of(env.getOrDefault("BACKENDS", "fs,sqlite,mem").split("\\s*,\\s*"));
        clients = Proc.intEnv("CLIENTS", 32);
        warmupSecs = Proc.intEnv("WARMUP_SECS", quick ? 1 : 3);
        durationSecs = Proc.intEnv("DURATION_SECS", quick ? 2 : 10);
        sizeForks = Proc.intEnv("SIZE_FORKS", quick ? 50 : 500);
        jar = Path.of(env.getOrDefault("ARTIFACTS_JAR", "artifacts-server/target/artifacts-server.jar")).toAbsolutePath();
        javaOpts = env.getOrDefault("SERVER_JAVA_OPTS", "-Xmx1g");
        Path benchDir = Path.of(env.getOrDefault("BENCH_DIR", ".")).toAbsolutePath().normalize();
        work = Path.of(env.getOrDefault("FORKS_WORK", benchDir.resolve("target/forks").toString())).toAbsolutePath();
        cache = Path.of(env.getOrDefault("E2E_CACHE", benchDir.resolve("target/e2e-cache").toString())).toAbsolutePath();
        out = Path.of(env.getOrDefault("FORKS_OUT", benchDir.resolve("target/forks-results.md").toString()))
                .toAbsolutePath();
    }

    public static void main(String[] args) throws Exception {
        ForkRateBench b = new ForkRateBench();
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
        // The previous run's tree (hundreds of thousands of inodes) is deleted only after this run
        // has measured: on ext4 without a journal (this machine's disk) the inode allocator skips
        // inodes freed in the last minute and scans them on every allocation, which cut the fs
        // fork rate by half or more for a minute after a big deletion.
        if (Files.exists(work)) {
            Files.move(work, work.resolveSibling(work.getFileName() + ".previous-" + System.currentTimeMillis()));
        }
        Files.createDirectories(work);
        Proc.initGitEnv(work.resolve("home"));
        RepoGenerator.Spec smallSpec = RepoGenerator.Spec.SMALL;
        RepoGenerator.Spec largeSpec = RepoGenerator.Spec.large(quick);
        Path small = RepoGenerator.prepared(smallSpec, cache);
        Path large = RepoGenerator.prepared(largeSpec, cache);

        rateTable.append("| backend | parent | clients | forks | forks/s | p50 ms | p99 ms | max ms | errors | load (1 min) |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        sizeTable.append("| backend | parent (size) | forks | file bytes added | bytes/fork | disk blocks added/fork (du) | load |\n")
                .append("|---|---|---:|---:|---:|---:|---|\n");

        for (String backend : backends) {
            if (backend.isBlank()) {
                continue;
            }
            Map<String, Path> repos = new LinkedHashMap<>();
            repos.put("small", small);
            if (!backend.equals("mem")) {
                repos.put("large", large);
            }
            Peer.Artifacts p = new Peer.Artifacts(work, jar, backend, javaOpts);
            running.add(p);
            log(backend + ": starting server and loading " + repos.keySet());
            p.start(repos);
            log(backend + ": ready on port " + p.port);

            // rate: forks of a pushed repository, then forks of a fork
            rate(p, backend, "small");
            String forkOfSmall = forkOnce(p, "small");
            rate(p, backend, forkOfSmall + " (fork of small)");
            // the first phase of a fresh server JVM also pays for JIT compilation: repeat it
            rate(p, backend, "small (again, JVM warm)");

            if (!backend.equals("mem")) {
                String forkOfLarge = forkOnce(p, "large");
                sizes(p, backend, "small", "small (" + mib(Proc.treeSize(small.resolve("objects"))) + ")");
                sizes(p, backend, "large", "large (" + mib(Proc.treeSize(large.resolve("objects"))) + ")");
                sizes(p, backend, forkOfSmall, "fork of small");
                sizes(p, backend, forkOfLarge, "fork of large");
            }
            p.stop();
            running.remove(p);
        }
        String md = report((System.nanoTime() - t0) / 1e9);
        Files.createDirectories(out.getParent());
        Files.writeString(out, md);
        System.out.println();
        System.out.println(md);
        log("wrote " + out);
        deletePreviousRuns();
    }

    private void deletePreviousRuns() throws IOException {
        String prefix = work.getFileName() + ".previous-";
        try (var siblings = Files.list(work.getParent())) {
            for (Path old : siblings.filter(x -> x.getFileName().toString().startsWith(prefix)).toList()) {
                log("deleting the previous run's tree " + old);
                Proc.deleteTree(old);
            }
        }
    }

    // ---- fork rate ------------------------------------------------------------------------

    private record Sample(long startNanos, long endNanos, boolean ok) {
    }

    private void rate(Peer.Artifacts p, String backend, String parentLabel) throws Exception {
        String parent = parentLabel.split(" ")[0];
        log(String.format(Locale.ROOT, "%s: fork rate of %s, %d clients, %d s warm-up + %d s", backend, parentLabel,
                clients, warmupSecs, durationSecs));
        long start = System.nanoTime();
        long measureFrom = start + warmupSecs * 1_000_000_000L;
        long stopAt = measureFrom + durationSecs * 1_000_000_000L;
        AtomicReference<String> firstError = new AtomicReference<>();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<List<Sample>>> fs = new ArrayList<>();
        try {
            for (int c = 0; c < clients; c++) {
                fs.add(pool.submit(() -> {
                    List<Sample> s = new ArrayList<>();
                    while (System.nanoTime() < stopAt) {
                        long a = System.nanoTime();
                        String err = null;
                        try {
                            HttpResponse<String> r = postFork(p, parent, "{}");
                            if (r.statusCode() != 201 || !r.body().contains("\"token\"")) {
                                err = "HTTP " + r.statusCode() + " " + r.body();
                            }
                        } catch (IOException e) {
                            err = e.toString();
                        }
                        long b = System.nanoTime();
                        if (err != null) {
                            firstError.compareAndSet(null, err);
                        }
                        s.add(new Sample(a, b, err == null));
                    }
                    return s;
                }));
            }
            List<Sample> all = new ArrayList<>();
            for (Future<List<Sample>> f : fs) {
                all.addAll(f.get());
            }
            List<Double> lat = new ArrayList<>();
            int ok = 0;
            int errors = 0;
            for (Sample s : all) {
                if (s.startNanos < measureFrom || s.endNanos > stopAt) {
                    if (!s.ok) {
                        errors++; // errors count whenever they happen
                    }
                    continue;
                }
                if (s.ok) {
                    ok++;
                    lat.add((s.endNanos - s.startNanos) / 1e6);
                } else {
                    errors++;
                }
            }
            double rate = ok / (double) durationSecs;
            String load = load();
            rateTable.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %,.0f | %.1f | %.1f | %.1f | %d | %s |%n",
                    backend, parentLabel.startsWith("small") ? parentLabel : parentLabel.replaceFirst("^\\S+ ", ""), clients, ok, rate, Results.percentile(lat, 50),
                    Results.percentile(lat, 99), lat.isEmpty() ? Double.NaN : Collections.max(lat), errors, load));
            log(String.format(Locale.ROOT, "  %s %s: %,.0f forks/s, p50 %.1f ms, p99 %.1f ms, %d errors (load %s)",
                    backend, parentLabel, rate, Results.percentile(lat, 50), Results.percentile(lat, 99), errors, load));
            if (firstError.get() != null) {
                log("  first error: " + firstError.get());
                notes.add(backend + " " + parentLabel + ": first error: " + firstError.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private HttpResponse<String> postFork(Peer.Artifacts p, String parent, String body) throws IOException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(p.baseUrl() + "/v1/repos/" + parent + "/forks"))
                    .timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + p.adminToken)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private String forkOnce(Peer.Artifacts p, String parent) throws IOException {
        HttpResponse<String> r = postFork(p, parent, "{}");
        if (r.statusCode() != 201) {
            throw new IllegalStateException("fork of " + parent + " -> HTTP " + r.statusCode() + " " + r.body());
        }
        return Peer.jsonString(r.body(), "id");
    }

    // ---- bytes per fork ---------------------------------------------------------------------

    private void sizes(Peer.Artifacts p, String backend, String parent, String label) throws Exception {
        // warm-up forks: directories, B-tree pages and token files of the first forks exist
        forkMany(p, parent, Math.max(10, sizeForks / 10));
        long[] before = dataBytes(p, backend);
        forkMany(p, parent, sizeForks);
        long[] after = dataBytes(p, backend);
        double perFork = (after[0] - before[0]) / (double) sizeForks;
        double perForkDisk = (after[1] - before[1]) / (double) sizeForks;
        String load = load();
        sizeTable.append(String.format(Locale.ROOT, "| %s | %s | %d | %,d | %.0f | %.0f | %s |%n", backend, label,
                sizeForks, after[0] - before[0], perFork, perForkDisk, load));
        log(String.format(Locale.ROOT, "  %s bytes per fork of %s: %.0f file bytes, %.0f disk bytes (du)", backend,
                label, perFork, perForkDisk));
    }

    private void forkMany(Peer.Artifacts p, String parent, int n) throws Exception {
        AtomicInteger left = new AtomicInteger(n);
        AtomicReference<String> err = new AtomicReference<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(clients, 8));
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < Math.min(clients, 8); c++) {
                fs.add(pool.submit(() -> {
                    while (left.getAndDecrement() > 0) {
                        HttpResponse<String> r = postFork(p, parent, "{}");
                        if (r.statusCode() != 201) {
                            err.compareAndSet(null, "HTTP " + r.statusCode() + " " + r.body());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        if (err.get() != null) {
            throw new IllegalStateException("fork of " + parent + " failed: " + err.get());
        }
    }

    /**
     * @return {file bytes, disk bytes}: fs: the sizes of every regular file under the data dir
     *     and {@code du -sB1}; sqlite: the database file after {@code wal_checkpoint(TRUNCATE)}
     *     (so the WAL is empty) and the same again
     */
    private long[] dataBytes(Peer.Artifacts p, String backend) throws Exception {
        Path data = p.dataDir();
        if (backend.equals("sqlite")) {
            Path db = data.resolve("artifacts.db");
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                    Statement st = c.createStatement()) {
                st.execute("PRAGMA busy_timeout=5000");
                for (int i = 0; i < 50; i++) {
                    try (ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                        rs.next();
                        if (rs.getInt(1) == 0) {
                            break;
                        }
                    }
                    Thread.sleep(100);
                }
            }
            long size = Files.size(db) + (Files.exists(data.resolve("artifacts.db-wal"))
                    ? Files.size(data.resolve("artifacts.db-wal")) : 0);
            return new long[] {size, size};
        }
        long files = Proc.treeSize(data);
        Proc.Result du = Proc.run(null, List.of("du", "-sB1", data.toString()), Duration.ofMinutes(2), null);
        long disk = du.ok() ? Long.parseLong(du.output().trim().split("\\s+")[0]) : -1;
        return new long[] {files, disk};
    }

    // ---- helpers ----------------------------------------------------------------------------

    static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static String mib(long bytes) {
        return bytes < 1048576 ? String.format(Locale.ROOT, "%.0f KiB", bytes / 1024.0)
                : String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
    }

    private static void log(String s) {
        RepoGenerator.log(s);
    }

    private String report(double totalSecs) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Fork benchmark results\n\n");
        sb.append("- Date: ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append('\n');
        sb.append("- Mode: ").append(quick ? "**QUICK** (smoke test)" : "full").append('\n');
        sb.append("- Machine: ").append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs, shared; client and server on 127.0.0.1; load average at the end: ").append(load())
                .append('\n');
        sb.append("- Server: ").append(jar.getFileName()).append(' ').append(javaOpts).append('\n');
        sb.append(String.format(Locale.ROOT, "- Rate: %d clients (Java HttpClient, HTTP/1.1 keep-alive), %d s warm-up + %d s measured; size: %d forks per parent after %d warm-up forks%n",
                clients, warmupSecs, durationSecs, sizeForks, Math.max(10, sizeForks / 10)));
        sb.append(String.format(Locale.ROOT, "- Total time: %.0f s%n%n", totalSecs));
        sb.append("Fork rate (`POST /v1/repos/{id}/forks`, admin token, body `{}`: generated id, write token):\n\n");
        sb.append(rateTable).append('\n');
        sb.append("Bytes added per fork (fs: every file under the data dir, tokens included, and `du`; sqlite: database file after `wal_checkpoint(TRUNCATE)`):\n\n");
        sb.append(sizeTable).append('\n');
        notes.forEach(n -> sb.append("- ").append(n).append('\n'));
        return sb.toString();
    }
}
