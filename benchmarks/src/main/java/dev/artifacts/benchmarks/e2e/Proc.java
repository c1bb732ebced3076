package dev.artifacts.benchmarks.e2e;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs external commands (mostly git) with a controlled environment and a hard timeout. */
final class Proc {

    /** Outcome of one command: exit code (-1 on timeout), wall time, and combined output (capped). */
    record Result(int exit, long nanos, String output) {
        boolean ok() {
            return exit == 0;
        }

        double millis() {
            return nanos / 1e6;
        }
    }

    private static final int OUTPUT_CAP = 4 * 1024 * 1024;

    private static volatile Map<String, String> gitEnv = Map.of();

    private Proc() {
    }

    /**
     * Sets up an isolated git environment: a private HOME with a fixed .gitconfig, no system
     * config, no terminal prompts.
     */
    /** @return the integer environment variable {@code name}, or {@code dflt} when unset or blank */
    static int intEnv(String name, int dflt) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? dflt : Integer.parseInt(v.trim());
    }

    static void initGitEnv(Path home) throws IOException {
        Files.createDirectories(home);
        Files.writeString(home.resolve(".gitconfig"), """
                [user]
                \tname = Bench
                \temail = bench@example.invalid
                [init]
                \tdefaultBranch = master
                [gc]
                \tauto = 0
                [maintenance]
                \tauto = false
                [fetch]
                \twriteCommitGraph = false
                [advice]
                \tdetachedHead = false
                [protocol]
                \tversion = 2
                [credential]
                \thelper =
                """);
        Map<String, String> env = new HashMap<>();
        env.put("HOME", home.toString());
        env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_TERMINAL_PROMPT", "0");
        env.put("GIT_ASKPASS", "");
        env.put("SSH_ASKPASS", "");
        env.put("LC_ALL", "C");
        gitEnv = Map.copyOf(env);
    }

    static Result git(File dir, Duration timeout, String... args) {
        List<String> cmd = new ArrayList<>(args.length + 1);
        cmd.add("git");
        cmd.addAll(Arrays.asList(args));
        return run(dir, cmd, timeout, null);
    }

    static Result gitStdin(File dir, Duration timeout, InputFeeder feeder, String... args) {
        List<String> cmd = new ArrayList<>(args.length + 1);
        cmd.add("git");
        cmd.addAll(Arrays.asList(args));
        return run(dir, cmd, timeout, feeder);
    }

    /** Runs a git command and fails loudly if it does not succeed. */
    static Result gitOk(File dir, Duration timeout, String... args) {
        Result r = git(dir, timeout, args);
        if (!r.ok()) {
            throw new IllegalStateException("git " + String.join(" ", args) + " failed (exit " + r.exit() + "):\n"
                    + r.output());
        }
        return r;
    }

    /** Writes a process's standard input. */
    interface InputFeeder {
        void feed(java.io.OutputStream stdin) throws IOException;
    }

    static Result run(File dir, List<String> cmd, Duration timeout, InputFeeder feeder) {
        return run(dir, cmd, timeout, feeder, Map.of());
    }

    static Result run(File dir, List<String> cmd, Duration timeout, InputFeeder feeder, Map<String, String> extraEnv) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (dir != null) {
            pb.directory(dir);
        }
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("GIT_"));
        env.putAll(gitEnv);
        env.putAll(extraEnv);
        pb.redirectErrorStream(true);
        if (feeder == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        long start = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Result(-2, System.nanoTime() - start, "cannot start " + cmd + ": " + e);
        }
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> drain(p.getInputStream(), out), "proc-out");
        reader.setDaemon(true);
        reader.start();
        if (feeder != null) {
            try (var stdin = p.getOutputStream()) {
                feeder.feed(stdin);
            } catch (IOException e) {
                out.append("stdin error: ").append(e).append('\n');
            }
        }
        boolean done;
        try {
            done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Result(-1, System.nanoTime() - start, "interrupted");
        }
        long nanos = System.nanoTime() - start;
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        try {
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String output;
        synchronized (out) {
            output = out.toString();
        }
        if (!done) {
            return new Result(-1, nanos, "TIMEOUT after " + timeout + "\n" + output);
        }
        return new Result(p.exitValue(), nanos, output);
    }

    private static void drain(InputStream in, StringBuilder out) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (out) {
                    if (out.length() < OUTPUT_CAP) {
                        out.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    }
                }
            }
        } catch (IOException ignored) {
            // process went away
        }
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }

    /** Total size of the regular files under {@code root} (each inode once), 0 if absent. */
    static long treeSize(Path root) {
        if (!Files.exists(root)) {
            return 0;
        }
        // a file hard-linked under several names is counted once, as du does
        java.util.Set<Object> seen = new java.util.HashSet<>();
        try (var s = Files.walk(root)) {
            return s.mapToLong(f -> {
                try {
                    var a = Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class,
                            java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    Object key = a.fileKey() == null ? f : a.fileKey();
                    return a.isRegularFile() && seen.add(key) ? a.size() : 0;
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    static void copyTree(Path src, Path dst) {
        Result r = run(null, List.of("cp", "-a", src.toString(), dst.toString()), Duration.ofMinutes(10), null);
        if (!r.ok()) {
            throw new IllegalStateException("cp -a " + src + " " + dst + " failed: " + r.output());
        }
    }
}
