package dev.artifacts.benchmarks.e2e;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Generates a deterministic repository with {@code git fast-import} and prepares it the way a
 * real host keeps it: {@code git clone --bare --no-local} of the generated source, then
 * {@code git repack -adb} (one pack, with a reachability bitmap).
 *
 * <p>Content is lines of random lowercase "words" (roughly 4.7 bits of entropy per character, so
 * zlib saves only about a third): an initial commit adds every file, and every later commit
 * rewrites a random line-aligned region of a few files with fresh random text. Same spec, same
 * bytes, same commit ids (author/committer dates are fixed).
 */
final class RepoGenerator {

    /** Shape of a generated repository. */
    record Spec(String name, int files, int commits, int initialFileBytes, int editBytes, int maxFilesPerCommit,
            int tagEvery, long seed) {
        /** The ~30 KB repository every benchmark calls "small". */
        static final Spec SMALL = new Spec("small", 30, 5, 1000, 200, 3, 5, 7L);

        /** The ~100 MB "large" repository, or a 3 MiB stand-in for quick runs. */
        static Spec large(boolean quick) {
            return quick
                    ? new Spec("large-quick", 300, 400, 8192, 2048, 4, 100, 42L)
                    : new Spec("large", 3000, 8000, 20480, 3072, 4, 1000, 42L);
        }

        /** Cache key: changing any parameter (or the generator version) regenerates. */
        String key() {
            return name + "-f" + files + "-c" + commits + "-s" + initialFileBytes + "-e" + editBytes + "-m"
                    + maxFilesPerCommit + "-t" + tagEvery + "-seed" + seed + "-g" + GENERATOR_VERSION;
        }
    }

    static final int GENERATOR_VERSION = 1;
    private static final long EPOCH = 1_700_000_000L;
    private static final Duration LONG = Duration.ofMinutes(60);

    private RepoGenerator() {
    }

    /**
     * Returns the prepared bare repository for {@code spec}, generating it under {@code cacheDir}
     * unless a complete copy is already cached.
     */
    static Path prepared(Spec spec, Path cacheDir) throws IOException {
        Path dir = cacheDir.resolve(spec.key());
        Path prepared = dir.resolve("prepared.git");
        Path marker = dir.resolve("COMPLETE");
        if (Files.exists(marker) && Files.isDirectory(prepared)) {
            log("cached " + spec.name() + " repo: " + prepared);
            return prepared;
        }
        Proc.deleteTree(dir);
        Files.createDirectories(dir);
        Path src = dir.resolve("src.git");
        long t0 = System.nanoTime();
        log("generating " + spec.name() + " repo (" + spec.commits() + " commits, " + spec.files() + " files) ...");
        Proc.gitOk(dir.toFile(), LONG, "init", "-q", "--bare", src.toString());
        Proc.Result fi = Proc.gitStdin(src.toFile(), LONG, out -> writeStream(spec, out), "fast-import", "--quiet");
        if (!fi.ok()) {
            throw new IllegalStateException("git fast-import failed (exit " + fi.exit() + "): " + fi.output());
        }
        // fast-import deltifies each blob only against the blob written just before it, so the
        // generated pack is nearly undeltified; normalise the source once (like gc --aggressive).
        log(String.format("  fast-import done in %.1fs; repacking source (-adf) ...", (System.nanoTime() - t0) / 1e9));
        Proc.gitOk(src.toFile(), LONG, "repack", "-adfq");
        log(String.format("  source repacked at %.1fs; clone --bare --no-local + repack -adb ...",
                (System.nanoTime() - t0) / 1e9));
        Proc.gitOk(dir.toFile(), LONG, "clone", "-q", "--bare", "--no-local", src.toString(), prepared.toString());
        Proc.gitOk(prepared.toFile(), LONG, "remote", "remove", "origin");
        Proc.gitOk(prepared.toFile(), LONG, "repack", "-adbq");
        // Same server-side settings for every peer that serves these repos from disk.
        Proc.gitOk(prepared.toFile(), LONG, "config", "http.receivepack", "true");
        Proc.gitOk(prepared.toFile(), LONG, "config", "uploadpack.allowFilter", "true");
        Proc.deleteTree(src);
        Files.writeString(marker, describe(prepared) + "\n");
        log(String.format("  %s ready in %.1fs: %s", spec.name(), (System.nanoTime() - t0) / 1e9, describe(prepared)));
        return prepared;
    }

    /** One-line summary: commits, files at HEAD, pack size. */
    static String describe(Path bare) {
        String commits = Proc.gitOk(bare.toFile(), LONG, "rev-list", "--count", "HEAD").output().trim();
        String files = String.valueOf(Proc.gitOk(bare.toFile(), LONG, "ls-tree", "-r", "--name-only", "HEAD")
                .output().lines().count());
        long pack = Proc.treeSize(bare.resolve("objects/pack"));
        return commits + " commits, " + files + " files, " + String.format("%.1f MiB", pack / 1048576.0)
                + " in objects/pack";
    }

    static void writeStream(Spec spec, OutputStream raw) throws IOException {
        SplittableRandom rnd = new SplittableRandom(spec.seed());
        OutputStream out = new BufferedOutputStream(raw, 1 << 20);
        int dirs = Math.max(1, (int) Math.ceil(spec.files() / 50.0));
        String[] paths = new String[spec.files()];
        byte[][] content = new byte[spec.files()][];
        for (int i = 0; i < spec.files(); i++) {
            paths[i] = String.format("d%03d/file%05d.txt", i % dirs, i);
            // sizes vary between 1/2 and 3/2 of the average
            int size = spec.initialFileBytes() / 2 + rnd.nextInt(Math.max(1, spec.initialFileBytes()));
            content[i] = randomText(rnd, size);
        }
        for (int c = 1; c <= spec.commits(); c++) {
            StringBuilder msg = new StringBuilder();
            int[] touched;
            if (c == 1) {
                touched = new int[spec.files()];
                for (int i = 0; i < touched.length; i++) {
                    touched[i] = i;
                }
                msg.append("Initial import of ").append(spec.files()).append(" files\n");
            } else {
                int n = 1 + rnd.nextInt(spec.maxFilesPerCommit());
                touched = new int[n];
                for (int i = 0; i < n; i++) {
                    touched[i] = rnd.nextInt(spec.files());
                }
                touched = Arrays.stream(touched).distinct().toArray();
                for (int f : touched) {
                    content[f] = edit(rnd, content[f], spec.editBytes());
                }
                msg.append("Commit ").append(c).append(": rewrite ").append(touched.length).append(" file(s)\n\n")
                        .append(new String(randomText(rnd, 40 + rnd.nextInt(200)), StandardCharsets.US_ASCII));
            }
            long when = EPOCH + c * 60L;
            byte[] m = msg.toString().getBytes(StandardCharsets.UTF_8);
            write(out, "commit refs/heads/master\n");
            write(out, "mark :" + c + "\n");
            write(out, "author Bench Author <author@example.invalid> " + when + " +0000\n");
            write(out, "committer Bench Committer <committer@example.invalid> " + when + " +0000\n");
            write(out, "data " + m.length + "\n");
            out.write(m);
            write(out, "\n");
            for (int f : touched) {
                write(out, "M 100644 inline " + paths[f] + "\n");
                write(out, "data " + content[f].length + "\n");
                out.write(content[f]);
                write(out, "\n");
            }
            write(out, "\n");
            if (spec.tagEvery() > 0 && c % spec.tagEvery() == 0) {
                write(out, "reset refs/tags/v" + (c / spec.tagEvery()) + "\nfrom :" + c + "\n\n");
            }
        }
        write(out, "done\n");
        out.flush();
    }

    /** Replaces a random line-aligned region of about {@code editBytes} with fresh random text. */
    private static byte[] edit(SplittableRandom rnd, byte[] old, int editBytes) {
        int start = lineStart(old, rnd.nextInt(old.length + 1));
        int end = lineStart(old, Math.min(old.length, start + editBytes));
        if (end < start) {
            end = start;
        }
        int insert = editBytes / 2 + rnd.nextInt(Math.max(1, editBytes));
        byte[] fresh = randomText(rnd, insert);
        byte[] next = new byte[start + fresh.length + (old.length - end)];
        System.arraycopy(old, 0, next, 0, start);
        System.arraycopy(fresh, 0, next, start, fresh.length);
        System.arraycopy(old, end, next, start + fresh.length, old.length - end);
        return next;
    }

    /** First offset at or after {@code pos} that starts a line (or the end). */
    private static int lineStart(byte[] b, int pos) {
        if (pos <= 0) {
            return 0;
        }
        int i = pos;
        while (i < b.length && b[i - 1] != '\n') {
            i++;
        }
        return i;
    }

    /** Lines of random lowercase words, about 72 characters each, ending with a newline. */
    static byte[] randomText(SplittableRandom rnd, int size) {
        size = Math.max(size, 2);
        byte[] b = new byte[size];
        int line = 0;
        int i = 0;
        while (i < size - 1) {
            int w = 2 + rnd.nextInt(8);
            for (int k = 0; k < w && i < size - 1; k++) {
                b[i++] = (byte) ('a' + rnd.nextInt(26));
                line++;
            }
            if (i < size - 1) {
                b[i++] = (byte) (line >= 72 ? '\n' : ' ');
                line = b[i - 1] == '\n' ? 0 : line + 1;
            }
        }
        b[size - 1] = '\n';
        return b;
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
    }

    static void log(String s) {
        System.out.println("[e2e] " + s);
        System.out.flush();
    }

    /** Standalone: {@code RepoGenerator CACHE_DIR name files commits initialBytes editBytes maxFiles tagEvery seed}. */
    public static void main(String[] a) throws IOException {
        Proc.initGitEnv(Path.of(a[0]).resolve("home"));
        Spec s = new Spec(a[1], Integer.parseInt(a[2]), Integer.parseInt(a[3]), Integer.parseInt(a[4]),
                Integer.parseInt(a[5]), Integer.parseInt(a[6]), Integer.parseInt(a[7]), Long.parseLong(a[8]));
        prepared(s, Path.of(a[0]));
    }
}
