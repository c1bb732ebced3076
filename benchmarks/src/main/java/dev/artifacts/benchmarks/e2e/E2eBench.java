package dev.artifacts.benchmarks.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * End-to-end benchmark driver: starts every peer, loads the same repositories into each, runs
 * the workloads round-robin across peers (the starting peer rotates every round), and writes a
 * markdown table. Configured by environment variables; see benchmarks/README.md.
 */
public final class E2eBench {

    private static final Duration SMALL_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration LARGE_TIMEOUT = Duration.ofMinutes(20);

    private final boolean quick;
    private final int seqRuns;
    private final int seqWarmup;
    private final int conc;
    private final int concBatches;
    private final int concOps;
    private final int largeRuns;
    private final int largeConc;
    private final RepoGenerator.Spec smallSpec;
    private final RepoGenerator.Spec largeSpec;
    private final List<String> wantedPeers;
    private final Path jar;
    private final String javaOpts;
    private final Path work;
    private final Path cache;
    private final Path out;
    private final Path tmp;
    private final AtomicLong tmpSeq = new AtomicLong();

    private final List<Peer> peers = new ArrayList<>();
    private final Map<String, String> skipped = new LinkedHashMap<>();
    private final Results results = new Results();
    private final Map<String, String> repoInfo = new LinkedHashMap<>();
    /** Expected HEAD commit per repository; every clone is checked against it. */
    private final Map<String, String> heads = new LinkedHashMap<>();

    private E2eBench() {
        Map<String, String> env = System.getenv();
        quick = "1".equals(env.getOrDefault("QUICK", "0")) || "true".equalsIgnoreCase(env.get("QUICK"));
        seqRuns = Proc.intEnv("SEQ_RUNS", quick ? 10 : 100);
        seqWarmup = Proc.intEnv("WARMUP_RUNS", quick ? 2 : 10);
        conc = Proc.intEnv("CONCURRENCY", 16);
        concBatches = Proc.intEnv("CONC_BATCHES", quick ? 1 : 5);
        concOps = Proc.intEnv("CONC_OPS_PER_WORKER", quick ? 1 : 4);
        largeRuns = Proc.intEnv("LARGE_RUNS", quick ? 1 : 5);
        largeConc = Proc.intEnv("LARGE_CONCURRENCY", 16);
        smallSpec = RepoGenerator.Spec.SMALL;
        largeSpec = RepoGenerator.Spec.large(quick);
        wantedPeers = List.of(env.getOrDefault("PEERS", "artifacts-fs,artifacts-mem,git-http-backend,jgit-servlet")
                .split("\\s*,\\s*"));
        String j = env.get("ARTIFACTS_JAR");
        jar = j == null || j.isBlank() ? null : Path.of(j).toAbsolutePath();
        javaOpts = env.getOrDefault("SERVER_JAVA_OPTS", "-Xmx1g");
        Path benchDir = Path.of(env.getOrDefault("BENCH_DIR", ".")).toAbsolutePath().normalize();
        work = Path.of(env.getOrDefault("E2E_WORK", benchDir.resolve("target/e2e").toString())).toAbsolutePath();
        cache = Path.of(env.getOrDefault("E2E_CACHE", benchDir.resolve("target/e2e-cache").toString())).toAbsolutePath();
        out = Path.of(env.getOrDefault("E2E_OUT", benchDir.resolve("target/e2e-results.md").toString())).toAbsolutePath();
        tmp = work.resolve("tmp");
    }

    public static void main(String[] args) throws Exception {
        E2eBench b = new E2eBench();
        Runtime.getRuntime().addShutdownHook(new Thread(b::stopAll, "stop-peers"));
        try {
            b.run();
        } finally {
            b.stopAll();
        }
    }

    private synchronized void stopAll() {
        for (Peer p : peers) {
            p.stop();
        }
    }

    private void run() throws Exception {
        long t0 = System.nanoTime();
        Proc.deleteTree(work);
        Files.createDirectories(tmp);
        Proc.initGitEnv(work.resolve("home"));
        log("mode: " + (quick ? "QUICK" : "full") + "; work dir " + work + "; cache " + cache);

        Path small = RepoGenerator.prepared(smallSpec, cache);
        Path large = RepoGenerator.prepared(largeSpec, cache);
        repoInfo.put("small", RepoGenerator.describe(small));
        repoInfo.put("large", RepoGenerator.describe(large));
        heads.put("small", Proc.gitOk(small.toFile(), SMALL_TIMEOUT, "rev-parse", "HEAD").output().trim());
        heads.put("large", Proc.gitOk(large.toFile(), SMALL_TIMEOUT, "rev-parse", "HEAD").output().trim());
        Map<String, Path> prepared = new LinkedHashMap<>();
        prepared.put("small", small);
        prepared.put("small-push", small);
        prepared.put("large", large);

        startPeers(prepared);
        if (peers.isEmpty()) {
            throw new IllegalStateException("no peer could be started: " + skipped);
        }
        if (peers.stream().noneMatch(p -> p.name.equals(Results.BASELINE))) {
            log("WARNING: baseline " + Results.BASELINE + " is not running; no ratios will be shown");
        }

        seqClone();
        seqPush();
        concClone();
        concPush();
        largeClones();
        largeConcurrent();

        stopAll();
        String md = report((System.nanoTime() - t0) / 1e9);
        Files.createDirectories(out.getParent());
        Files.writeString(out, md);
        Path csv = out.resolveSibling("e2e-raw.csv");
        results.writeCsv(csv);
        System.out.println();
        System.out.println(md);
        log("wrote " + out + " and " + csv);
        Proc.deleteTree(tmp);
    }

    // ---- peers ------------------------------------------------------------------------------

    private void startPeers(Map<String, Path> prepared) {
        for (String name : wantedPeers) {
            Peer p;
            switch (name) {
                case "git-http-backend" -> p = new Peer.GitHttpBackend(work);
                case "jgit-servlet", "jgit" -> p = new Peer.JGit(work, javaOpts);
                case "artifacts-fs", "artifacts-mem", "artifacts-sqlite" -> {
                    if (jar == null || !Files.isRegularFile(jar)) {
                        skip(name, "server jar not found (ARTIFACTS_JAR=" + jar + ")");
                        continue;
                    }
                    p = new Peer.Artifacts(work, jar, name.substring("artifacts-".length()), javaOpts);
                }
                case "" -> {
                    continue;
                }
                default -> throw new IllegalArgumentException("unknown peer in PEERS: " + name);
            }
            try {
                Files.createDirectories(work.resolve(p.name));
                p.start(prepared);
                peers.add(p);
                Proc.Result lr = Proc.run(null, List.of("git", "ls-remote", p.url("small")), SMALL_TIMEOUT, null,
                        Map.of("GIT_TRACE_PACKET", "1"));
                p.protocol = !lr.ok() ? "ls-remote failed" : lr.output().contains("< version 2") ? "v2" : "v0/v1";
                log(p.name + ": ready on port " + p.port + " (pid " + p.pid() + "), protocol " + p.protocol);
            } catch (Exception e) {
                p.stop();
                skip(p.name, e.getMessage());
            }
        }
    }

    private void skip(String peer, String why) {
        String oneLine = why == null ? "unknown error" : why.lines().findFirst().orElse(why);
        String last = why == null ? "" : why.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("");
        if (!last.equals(oneLine)) {
            oneLine = oneLine + " … " + last.strip();
        }
        skipped.put(peer, oneLine);
        log("SKIPPING peer " + peer + ": " + why);
    }

    private List<String> peerNames() {
        return peers.stream().map(p -> p.name).toList();
    }

    /** Peers in round-robin order for round {@code i}: the starting peer rotates. */
    private List<Peer> rotation(int i) {
        List<Peer> r = new ArrayList<>(peers);
        Collections.rotate(r, -(i % Math.max(1, r.size())));
        return r;
    }

    // ---- workloads ----------------------------------------------------------------------------

    private void seqClone() {
        String wl = "small: sequential `git clone`";
        log(wl + ": " + seqWarmup + " warm-up + " + seqRuns + " runs per peer");
        Map<String, List<Double>> ms = samples();
        Map<String, Integer> fails = counts();
        for (int i = 0; i < seqWarmup + seqRuns; i++) {
            for (Peer p : rotation(i)) {
                Path d = tmpDir();
                Proc.Result r = verified(Proc.git(null, SMALL_TIMEOUT, "clone", "-q", p.url("small"), d.toString()),
                        d, "small", true);
                boolean ok = r.ok();
                if (i >= seqWarmup) {
                    record(wl, p, i - seqWarmup, r, ok, ms, fails);
                } else if (!ok) {
                    failure(wl + " (warm-up)", p, r);
                }
                Proc.deleteTree(d);
            }
        }
        putLatency(wl, ms, fails);
    }

    private void seqPush() throws IOException {
        String wl = "small: sequential push (1 commit)";
        log(wl + ": " + seqWarmup + " warm-up + " + seqRuns + " runs per peer");
        Map<Peer, Path> clones = new LinkedHashMap<>();
        for (Peer p : peers) {
            Path d = work.resolve("push").resolve(p.name);
            Files.createDirectories(d.getParent());
            Proc.gitOk(null, SMALL_TIMEOUT, "clone", "-q", p.url("small-push"), d.toString());
            clones.put(p, d);
        }
        Map<String, List<Double>> ms = samples();
        Map<String, Integer> fails = counts();
        for (int i = 0; i < seqWarmup + seqRuns; i++) {
            for (Peer p : rotation(i)) {
                Path d = clones.get(p);
                commitChange(d, "push.txt", "seq " + p.name + " " + i);
                Proc.Result r = Proc.git(d.toFile(), SMALL_TIMEOUT, "push", "-q", "origin", "HEAD:refs/heads/master");
                if (i >= seqWarmup) {
                    record(wl, p, i - seqWarmup, r, r.ok(), ms, fails);
                } else if (!r.ok()) {
                    failure(wl + " (warm-up)", p, r);
                }
            }
        }
        putLatency(wl, ms, fails);
        Proc.deleteTree(work.resolve("push"));
    }

    private void concClone() throws Exception {
        String wl = "small: " + conc + " concurrent `git clone`";
        log(wl + ": " + concBatches + " batch(es) of " + conc + "×" + concOps + " clones per peer");
        Map<String, double[]> agg = new LinkedHashMap<>(); // ops, nanos
        Map<String, Integer> fails = counts();
        ExecutorService pool = Executors.newFixedThreadPool(conc);
        try {
            for (int b = 0; b < concBatches; b++) {
                for (Peer p : rotation(b)) {
                    List<Path> dirs = Collections.synchronizedList(new ArrayList<>());
                    AtomicInteger ok = new AtomicInteger();
                    AtomicInteger bad = new AtomicInteger();
                    List<Callable<Void>> tasks = new ArrayList<>();
                    for (int w = 0; w < conc; w++) {
                        tasks.add(() -> {
                            for (int k = 0; k < concOps; k++) {
                                Path d = tmpDir();
                                dirs.add(d);
                                Proc.Result r = Proc.git(null, SMALL_TIMEOUT, "clone", "-q", p.url("small"), d.toString());
                                if (r.ok()) {
                                    ok.incrementAndGet();
                                } else {
                                    bad.incrementAndGet();
                                    failure(wl, p, r);
                                }
                            }
                            return null;
                        });
                    }
                    long nanos = timeAll(pool, tasks);
                    for (Path d : dirs) {
                        if (Files.exists(d)) {
                            Proc.Result v = verified(new Proc.Result(0, 0, ""), d, "small", true);
                            if (!v.ok()) {
                                ok.decrementAndGet();
                                bad.incrementAndGet();
                                failure(wl, p, v);
                            }
                        }
                        Proc.deleteTree(d);
                    }
                    accumulate(wl, p, b, agg, fails, ok.get(), bad.get(), nanos);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        putThroughput(wl, agg, fails);
    }

    private void concPush() throws Exception {
        String wl = "small: " + conc + " concurrent pushes (" + conc + " branches, 1 repo)";
        log(wl + ": " + concBatches + " batch(es) of " + conc + "×" + concOps + " pushes per peer");
        // one working clone per worker and peer, each on its own branch bench-wN
        Map<Peer, List<Path>> clones = new LinkedHashMap<>();
        for (Peer p : peers) {
            List<Path> ds = new ArrayList<>();
            for (int w = 0; w < conc; w++) {
                Path d = work.resolve("cpush").resolve(p.name).resolve("w" + w);
                Files.createDirectories(d.getParent());
                Proc.gitOk(null, SMALL_TIMEOUT, "clone", "-q", p.url("small-push"), d.toString());
                Proc.gitOk(d.toFile(), SMALL_TIMEOUT, "checkout", "-q", "-b", "bench-w" + w);
                ds.add(d);
            }
            clones.put(p, ds);
        }
        Map<String, double[]> agg = new LinkedHashMap<>();
        Map<String, Integer> fails = counts();
        ExecutorService pool = Executors.newFixedThreadPool(conc);
        try {
            for (int b = 0; b < concBatches; b++) {
                for (Peer p : rotation(b)) {
                    // commits are made before the clock starts; only the pushes are timed
                    List<List<String>> shas = new ArrayList<>();
                    for (int w = 0; w < conc; w++) {
                        List<String> s = new ArrayList<>();
                        for (int k = 0; k < concOps; k++) {
                            Path d = clones.get(p).get(w);
                            commitChange(d, "push-w" + w + ".txt", "conc " + p.name + " b" + b + " w" + w + " k" + k);
                            s.add(Proc.gitOk(d.toFile(), SMALL_TIMEOUT, "rev-parse", "HEAD").output().trim());
                        }
                        shas.add(s);
                    }
                    AtomicInteger ok = new AtomicInteger();
                    AtomicInteger bad = new AtomicInteger();
                    List<Callable<Void>> tasks = new ArrayList<>();
                    for (int w = 0; w < conc; w++) {
                        int ww = w;
                        tasks.add(() -> {
                            Path d = clones.get(p).get(ww);
                            for (String sha : shas.get(ww)) {
                                Proc.Result r = Proc.git(d.toFile(), SMALL_TIMEOUT, "push", "-q", "origin",
                                        sha + ":refs/heads/bench-w" + ww);
                                if (r.ok()) {
                                    ok.incrementAndGet();
                                } else {
                                    bad.incrementAndGet();
                                    failure(wl, p, r);
                                }
                            }
                            return null;
                        });
                    }
                    long nanos = timeAll(pool, tasks);
                    accumulate(wl, p, b, agg, fails, ok.get(), bad.get(), nanos);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        putThroughput(wl, agg, fails);
        Proc.deleteTree(work.resolve("cpush"));
    }

    private void largeClones() {
        String[][] modes = {
            {"full", "`git clone --bare`"},
            {"depth1", "`git clone --bare --depth 1`"},
            {"blobless", "`git clone --bare --filter=blob:none`"},
        };
        // one untimed full clone per peer first (JIT, page cache)
        for (Peer p : peers) {
            Path d = tmpDir();
            Proc.Result r = Proc.git(null, LARGE_TIMEOUT, "clone", "-q", "--bare", p.url("large"), d.toString());
            if (!r.ok()) {
                failure("large warm-up clone", p, r);
            }
            Proc.deleteTree(d);
        }
        for (String[] mode : modes) {
            String wl = "large: " + mode[1];
            log(wl + ": " + largeRuns + " run(s) per peer");
            Results.Row row = results.row(wl, "median", "s", "%.2f", true);
            Results.Row size = results.row(wl, "received pack", "MiB", "%.1f", false);
            Map<String, List<Double>> secs = samples();
            Map<String, List<Double>> mib = samples();
            Map<String, Integer> fails = counts();
            for (int i = 0; i < largeRuns; i++) {
                for (Peer p : rotation(i)) {
                    Path d = tmpDir();
                    List<String> args = new ArrayList<>(List.of("clone", "-q", "--bare"));
                    if (mode[0].equals("depth1")) {
                        args.addAll(List.of("--depth", "1"));
                    } else if (mode[0].equals("blobless")) {
                        args.add("--filter=blob:none");
                    }
                    args.add(p.url("large"));
                    args.add(d.toString());
                    Proc.Result r = verified(Proc.git(null, LARGE_TIMEOUT, args.toArray(String[]::new)), d, "large",
                            false);
                    results.raw(wl, p.name, i, r.nanos() / 1e9, r.ok());
                    if (r.ok()) {
                        secs.get(p.name).add(r.nanos() / 1e9);
                        mib.get(p.name).add(Proc.treeSize(d.resolve("objects/pack")) / 1048576.0);
                        if (r.output().contains("filtering not recognized")) {
                            results.note(size, p.name, "(filter ignored by server)");
                        }
                    } else {
                        fails.merge(p.name, 1, Integer::sum);
                        failure(wl, p, r);
                    }
                    Proc.deleteTree(d);
                }
            }
            for (Peer p : peers) {
                int f = fails.getOrDefault(p.name, 0);
                results.put(row, p.name, Results.median(secs.get(p.name)), secs.get(p.name).size(), f);
                results.put(size, p.name, Results.median(mib.get(p.name)), mib.get(p.name).size(), 0);
            }
        }
    }

    private void largeConcurrent() throws Exception {
        String wl = "large: " + largeConc + " concurrent `git clone --bare`";
        log(wl + ": one batch per peer; heap sampled with jstat for JVM peers");
        Results.Row wall = results.row(wl, "wall time", "s", "%.1f", true);
        Results.Row thr = results.row(wl, "throughput", "clones/s", "%.3f", true);
        Results.Row heap = results.row(wl, "server peak used heap (jstat)", "MiB", "%.0f", false);
        Results.Row old = results.row(wl, "server peak old gen used", "MiB", "%.0f", false);
        Results.Row afterGc = results.row(wl, "server peak heap after GC (-Xlog:gc)", "MiB", "%.0f", false);
        Results.Row fullGcs = results.row(wl, "server full GCs during the batch", "", "%.0f", false);
        Results.Row rss = results.row(wl, "server peak RSS since start (VmHWM)", "MiB", "%.0f", false);
        ExecutorService pool = Executors.newFixedThreadPool(largeConc);
        try {
            for (Peer p : rotation(0)) {
                List<Path> dirs = Collections.synchronizedList(new ArrayList<>());
                AtomicInteger ok = new AtomicInteger();
                AtomicInteger bad = new AtomicInteger();
                List<Callable<Void>> tasks = new ArrayList<>();
                for (int w = 0; w < largeConc; w++) {
                    tasks.add(() -> {
                        Path d = tmpDir();
                        dirs.add(d);
                        Proc.Result r = verified(Proc.git(null, LARGE_TIMEOUT, "clone", "-q", "--bare", p.url("large"),
                                d.toString()), d, "large", false);
                        if (r.ok()) {
                            ok.incrementAndGet();
                        } else {
                            bad.incrementAndGet();
                            failure(wl, p, r);
                        }
                        return null;
                    });
                }
                long gcLogOffset = p.gcLog != null && Files.exists(p.gcLog) ? Files.size(p.gcLog) : 0;
                HeapSampler sampler = p.isJvm() ? new HeapSampler(p.pid()).start(100) : null;
                if (sampler != null && !sampler.awaitFirstSample(15_000)) {
                    log(p.name + ": jstat gave no sample yet (" + sampler.error() + "); running anyway");
                }
                long nanos;
                try {
                    nanos = timeAll(pool, tasks);
                } finally {
                    if (sampler != null) {
                        sampler.close();
                    }
                }
                dirs.forEach(Proc::deleteTree);
                double secs = nanos / 1e9;
                results.raw(wl, p.name, 0, secs, bad.get() == 0);
                results.put(wall, p.name, secs, ok.get(), bad.get());
                results.put(thr, p.name, ok.get() / secs, ok.get(), bad.get());
                if (sampler != null) {
                    results.put(heap, p.name, sampler.peakUsedMb(), sampler.samples(), 0);
                    results.put(old, p.name, sampler.peakOldMb(), sampler.samples(), 0);
                    results.put(rss, p.name, HeapSampler.peakRssMb(p.pid()), 1, 0);
                    double[] gc = HeapSampler.gcLogPeaks(p.gcLog, gcLogOffset);
                    results.put(afterGc, p.name, gc[1], (int) gc[2], 0);
                    results.put(fullGcs, p.name, p.gcLog == null ? Double.NaN : gc[3], 1, 0);
                    if (gc[2] == 0) {
                        results.note(afterGc, p.name, "(no GC during the run)");
                    }
                    if (sampler.samples() == 0) {
                        results.note(heap, p.name, "(jstat: " + sampler.error() + ")");
                    } else {
                        log(String.format(Locale.ROOT, "%s: %d jstat samples, peak used %.0f MiB, peak committed %.0f MiB",
                                p.name, sampler.samples(), sampler.peakUsedMb(), sampler.peakCapacityMb()));
                    }
                }
                if (!p.alive()) {
                    results.note(wall, p.name, "(server process died)");
                }
                log(String.format(Locale.ROOT, "%s: %d ok, %d failed in %.1fs", p.name, ok.get(), bad.get(), secs));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- helpers ----------------------------------------------------------------------------

    private Map<String, List<Double>> samples() {
        Map<String, List<Double>> m = new LinkedHashMap<>();
        for (Peer p : peers) {
            m.put(p.name, Collections.synchronizedList(new ArrayList<>()));
        }
        return m;
    }

    private Map<String, Integer> counts() {
        return new java.util.concurrent.ConcurrentHashMap<>();
    }

    private void record(String wl, Peer p, int run, Proc.Result r, boolean ok, Map<String, List<Double>> ms,
            Map<String, Integer> fails) {
        results.raw(wl, p.name, run, r.millis(), ok);
        if (ok) {
            ms.get(p.name).add(r.millis());
        } else {
            fails.merge(p.name, 1, Integer::sum);
            failure(wl, p, r);
        }
    }

    private void putLatency(String wl, Map<String, List<Double>> ms, Map<String, Integer> fails) {
        Results.Row p50 = results.row(wl, "p50", "ms", "%.1f", true);
        Results.Row p99 = results.row(wl, "p99", "ms", "%.1f", true);
        for (Peer p : peers) {
            List<Double> s = ms.get(p.name);
            int f = fails.getOrDefault(p.name, 0);
            results.put(p50, p.name, Results.percentile(s, 50), s.size(), f);
            results.put(p99, p.name, Results.percentile(s, 99), s.size(), f);
            log(String.format(Locale.ROOT, "  %-18s p50 %.1f ms  p99 %.1f ms  (%d ok, %d failed)", p.name,
                    Results.percentile(s, 50), Results.percentile(s, 99), s.size(), f));
        }
    }

    private void accumulate(String wl, Peer p, int batch, Map<String, double[]> agg, Map<String, Integer> fails,
            int ok, int bad, long nanos) {
        double[] a = agg.computeIfAbsent(p.name, k -> new double[2]);
        a[0] += ok;
        a[1] += nanos;
        if (bad > 0) {
            fails.merge(p.name, bad, Integer::sum);
        }
        results.raw(wl, p.name, batch, ok / (nanos / 1e9), bad == 0);
        log(String.format(Locale.ROOT, "  %-18s batch %d: %d ok, %d failed, %.1f ops/s", p.name, batch, ok, bad,
                ok / (nanos / 1e9)));
    }

    private void putThroughput(String wl, Map<String, double[]> agg, Map<String, Integer> fails) {
        Results.Row row = results.row(wl, "throughput", "ops/s", "%.1f", true);
        for (Peer p : peers) {
            double[] a = agg.get(p.name);
            double v = a == null || a[1] == 0 ? Double.NaN : a[0] / (a[1] / 1e9);
            results.put(row, p.name, v, a == null ? 0 : (int) a[0], fails.getOrDefault(p.name, 0));
        }
    }

    /** Runs all tasks at once on the pool and returns the wall time until the last one finishes. */
    private static long timeAll(ExecutorService pool, List<Callable<Void>> tasks) throws Exception {
        long start = System.nanoTime();
        List<Future<Void>> fs = new ArrayList<>();
        for (Callable<Void> t : tasks) {
            fs.add(pool.submit(t));
        }
        for (Future<Void> f : fs) {
            f.get(LARGE_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        }
        return System.nanoTime() - start;
    }

    private final Map<String, AtomicInteger> failuresShown = new java.util.concurrent.ConcurrentHashMap<>();

    private void failure(String wl, Peer p, Proc.Result r) {
        int n = failuresShown.computeIfAbsent(wl + "|" + p.name, k -> new AtomicInteger()).incrementAndGet();
        if (n <= 2) {
            log("FAILED " + wl + " on " + p.name + " (exit " + r.exit() + "): " + r.output().strip());
        }
    }

    /**
     * Turns a successful clone into a failure unless the clone's HEAD is the expected commit
     * (and, for a checkout, the working tree has its files).
     */
    private Proc.Result verified(Proc.Result r, Path clone, String repo, boolean checkout) {
        if (!r.ok()) {
            return r;
        }
        Proc.Result head = Proc.git(clone.toFile(), SMALL_TIMEOUT, "rev-parse", "HEAD");
        String want = heads.get(repo);
        if (!head.ok() || !head.output().trim().equals(want)) {
            return new Proc.Result(-3, r.nanos(), "clone succeeded but HEAD is " + head.output().trim()
                    + ", expected " + want + "\n" + r.output());
        }
        if (checkout && !Files.isRegularFile(clone.resolve("d000/file00000.txt"))) {
            return new Proc.Result(-3, r.nanos(), "clone succeeded but has no checkout\n" + r.output());
        }
        return r;
    }

    private void commitChange(Path repo, String file, String line) throws IOException {
        Path f = repo.resolve(file);
        Files.writeString(f, line + "\n", java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        Proc.gitOk(repo.toFile(), SMALL_TIMEOUT, "add", file);
        Proc.gitOk(repo.toFile(), SMALL_TIMEOUT, "commit", "-q", "-m", line);
    }

    private Path tmpDir() {
        return tmp.resolve("c" + tmpSeq.incrementAndGet());
    }

    private static void log(String s) {
        RepoGenerator.log(s);
    }

    // ---- report -----------------------------------------------------------------------------

    private String report(double totalSecs) {
        StringBuilder sb = new StringBuilder();
        sb.append("# End-to-end benchmark results\n\n");
        sb.append("- Date: ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append('\n');
        sb.append("- Mode: ").append(quick ? "**QUICK** (smoke test, not for publication)" : "full").append('\n');
        sb.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, ")
                .append(memTotal()).append("; client and servers share it (all on 127.0.0.1)\n");
        sb.append("- Client: ").append(Peer.firstLine(Proc.git(null, SMALL_TIMEOUT, "version").output()))
                .append(" (protocol v2); Java ").append(System.getProperty("java.version")).append('\n');
        sb.append("- Runs: sequential ").append(seqRuns).append(" (+").append(seqWarmup).append(" warm-up) per peer; ")
                .append(conc).append(" workers × ").append(concOps).append(" ops × ").append(concBatches)
                .append(" batch(es) for the concurrent small workloads; large clones: median of ").append(largeRuns)
                .append(" (after 1 untimed clone); ").append(largeConc).append(" concurrent large clones: 1 batch\n");
        sb.append(String.format(Locale.ROOT, "- Total time: %.0f s%n", totalSecs));
        sb.append("\nRepositories (identical content for every peer):\n\n");
        repoInfo.forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v).append('\n'));
        sb.append("- small-push: a second copy of small that receives all pushes\n");
        sb.append("\nPeers:\n\n");
        for (Peer p : peers) {
            sb.append("- **").append(p.name).append("**: ").append(p.details).append("; wire protocol ")
                    .append(p.protocol).append(". Repos: ")
                    .append(p.preparation).append('\n');
        }
        skipped.forEach((k, v) -> sb.append("- **").append(k).append("**: SKIPPED — ").append(v).append('\n'));
        sb.append("\nRatios in parentheses are value ÷ ").append(Results.BASELINE)
                .append("'s value: for times lower is better, for throughput higher is better.\n\n");
        sb.append(results.table(peerNames()));
        String sqliteVsFs = results.pairRatios("artifacts-sqlite", "artifacts-fs");
        if (!sqliteVsFs.isEmpty()) {
            sb.append("\nSQLite backend ÷ fs backend, same run (times: lower is better for sqlite; ")
                    .append("throughput: higher is better):\n\n").append(sqliteVsFs);
        }
        return sb.toString();
    }

    private static String memTotal() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    return String.format(Locale.ROOT, "%.0f GiB RAM",
                            Double.parseDouble(l.replaceAll("[^0-9]", "")) / 1048576.0);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // ignore
        }
        return "? RAM";
    }
}
