package dev.artifacts.benchmarks.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Samples a JVM's heap with {@code jstat -gc PID INTERVAL} while a workload runs. Used heap is
 * S0U+S1U+EU+OU (what the collector holds, garbage included); old-gen used (OU) is reported too
 * as a rough stand-in for retained data.
 */
final class HeapSampler implements AutoCloseable {

    private final long pid;
    private Process jstat;
    private Thread reader;
    private volatile double peakUsedKb = -1;
    private volatile double peakOldKb = -1;
    private volatile double capacityKb = -1;
    private volatile int samples;
    private volatile String error;

    HeapSampler(long pid) {
        this.pid = pid;
    }

    HeapSampler start(int intervalMillis) {
        try {
            jstat = new ProcessBuilder("jstat", "-gc", String.valueOf(pid), String.valueOf(intervalMillis))
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            error = "cannot run jstat: " + e;
            return this;
        }
        reader = new Thread(this::read, "jstat-" + pid);
        reader.setDaemon(true);
        reader.start();
        return this;
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(jstat.getInputStream(), StandardCharsets.UTF_8))) {
            List<String> header = null;
            String line;
            while ((line = r.readLine()) != null) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 0 && f[0].equals("S0C")) {
                    header = Arrays.asList(f);
                    continue;
                }
                if (header == null || f.length != header.size()) {
                    if (!line.isBlank() && samples == 0) {
                        error = line.trim();
                    }
                    continue;
                }
                double used = val(header, f, "S0U") + val(header, f, "S1U") + val(header, f, "EU") + val(header, f, "OU");
                double cap = val(header, f, "S0C") + val(header, f, "S1C") + val(header, f, "EC") + val(header, f, "OC");
                peakUsedKb = Math.max(peakUsedKb, used);
                peakOldKb = Math.max(peakOldKb, val(header, f, "OU"));
                capacityKb = Math.max(capacityKb, cap);
                samples++;
            }
        } catch (IOException | RuntimeException e) {
            if (samples == 0) {
                error = e.toString();
            }
        }
    }

    private static double val(List<String> header, String[] f, String col) {
        int i = header.indexOf(col);
        if (i < 0) {
            return 0;
        }
        try {
            return Double.parseDouble(f[i]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Waits until jstat has delivered its first sample (it needs a second or two to attach). */
    boolean awaitFirstSample(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (samples == 0 && System.currentTimeMillis() < deadline) {
            if (jstat == null || (!jstat.isAlive() && samples == 0)) {
                return false;
            }
            Thread.sleep(20);
        }
        return samples > 0;
    }

    double peakUsedMb() {
        return peakUsedKb < 0 ? Double.NaN : peakUsedKb / 1024;
    }

    double peakOldMb() {
        return peakOldKb < 0 ? Double.NaN : peakOldKb / 1024;
    }

    double peakCapacityMb() {
        return capacityKb < 0 ? Double.NaN : capacityKb / 1024;
    }

    int samples() {
        return samples;
    }

    String error() {
        return error;
    }

    /** Peak resident set size of a process since it started (VmHWM), in MiB, or NaN. */
    static double peakRssMb(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmHWM:")) {
                    return Double.parseDouble(l.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return Double.NaN;
    }

    private static final java.util.regex.Pattern GC_LINE =
            java.util.regex.Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

    /**
     * Scans a unified-logging GC log ({@code -Xlog:gc}) from byte {@code offset} on and returns
     * {peak heap before GC, peak heap after GC (MiB), number of GC lines, number of full GCs}.
     */
    static double[] gcLogPeaks(Path log, long offset) {
        double before = Double.NaN;
        double after = Double.NaN;
        int n = 0;
        int full = 0;
        if (log == null || !Files.exists(log)) {
            return new double[] {before, after, 0, 0};
        }
        try (var ch = Files.newByteChannel(log)) {
            ch.position(offset);
            String text = new String(java.nio.channels.Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
            full = text.split("Pause Full", -1).length - 1;
            java.util.regex.Matcher m = GC_LINE.matcher(text);
            while (m.find()) {
                double b = Double.parseDouble(m.group(1));
                double a = Double.parseDouble(m.group(2));
                before = Double.isNaN(before) ? b : Math.max(before, b);
                after = Double.isNaN(after) ? a : Math.max(after, a);
                n++;
            }
        } catch (IOException | NumberFormatException e) {
            // leave NaN
        }
        return new double[] {before, after, n, full};
    }

    @Override
    public void close() {
        if (jstat != null) {
            jstat.destroy();
            try {
                if (!jstat.waitFor(5, TimeUnit.SECONDS)) {
                    jstat.destroyForcibly();
                }
                if (reader != null) {
                    reader.join(5000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
