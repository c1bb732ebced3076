package dev.artifacts.benchmarks.e2e;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Collected figures: one row per metric, one cell per peer, plus raw samples for a CSV. */
final class Results {

    static final String BASELINE = "git-http-backend";

    /** A metric; {@code ratio} says whether to print value ÷ baseline next to each cell. */
    record Row(String workload, String metric, String unit, String fmt, boolean ratio) {
    }

    /** One peer's figure for one row. */
    static final class Cell {
        double value = Double.NaN;
        int failures;
        int ok;
        String note;
    }

    private final List<Row> rows = new ArrayList<>();
    private final Map<Row, Map<String, Cell>> cells = new LinkedHashMap<>();
    private final List<String> raw = Collections.synchronizedList(new ArrayList<>());

    Row row(String workload, String metric, String unit, String fmt, boolean ratio) {
        for (Row r : rows) {
            if (r.workload().equals(workload) && r.metric().equals(metric)) {
                return r;
            }
        }
        Row r = new Row(workload, metric, unit, fmt, ratio);
        rows.add(r);
        cells.put(r, new LinkedHashMap<>());
        return r;
    }

    Cell cell(Row row, String peer) {
        return cells.get(row).computeIfAbsent(peer, p -> new Cell());
    }

    void put(Row row, String peer, double value, int ok, int failures) {
        Cell c = cell(row, peer);
        c.value = value;
        c.ok = ok;
        c.failures = failures;
    }

    void note(Row row, String peer, String note) {
        cell(row, peer).note = note;
    }

    void raw(String workload, String peer, int run, double value, boolean ok) {
        raw.add(String.format(Locale.ROOT, "%s,%s,%d,%.4f,%s", workload, peer, run, value, ok ? "ok" : "failed"));
    }

    void writeCsv(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file))) {
            w.println("workload,peer,run,value,status");
            synchronized (raw) {
                raw.forEach(w::println);
            }
        }
    }

    String table(List<String> peers) {
        StringBuilder sb = new StringBuilder();
        sb.append("| Workload | Metric |");
        for (String p : peers) {
            sb.append(' ').append(p).append(" |");
        }
        sb.append("\n|---|---|");
        for (int i = 0; i < peers.size(); i++) {
            sb.append("---:|");
        }
        sb.append('\n');
        for (Row r : rows) {
            Map<String, Cell> byPeer = cells.get(r);
            Cell base = byPeer.get(BASELINE);
            sb.append("| ").append(r.workload()).append(" | ").append(r.metric())
                    .append(r.unit().isEmpty() ? "" : " (" + r.unit() + ")").append(" |");
            for (String p : peers) {
                Cell c = byPeer.get(p);
                sb.append(' ').append(format(r, c, base, p.equals(BASELINE))).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * A table of {@code num}'s value ÷ {@code den}'s value for every timed or throughput row both
     * peers have (e.g. artifacts-sqlite ÷ artifacts-fs), or an empty string.
     */
    String pairRatios(String num, String den) {
        StringBuilder sb = new StringBuilder();
        for (Row r : rows) {
            if (!r.ratio()) {
                continue;
            }
            Cell a = cells.get(r).get(num);
            Cell b = cells.get(r).get(den);
            if (a == null || b == null || Double.isNaN(a.value) || Double.isNaN(b.value) || b.value == 0) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, "| %s | %s | " + r.fmt() + " | " + r.fmt() + " | %.2f× |%n",
                    r.workload(), r.metric() + (r.unit().isEmpty() ? "" : " (" + r.unit() + ")"), a.value, b.value,
                    a.value / b.value));
        }
        if (sb.length() == 0) {
            return "";
        }
        return "| Workload | Metric | " + num + " | " + den + " | " + num + " ÷ " + den + " |\n|---|---|---:|---:|---:|\n"
                + sb;
    }

    private static String format(Row r, Cell c, Cell base, boolean isBase) {
        if (c == null) {
            return "–";
        }
        StringBuilder s = new StringBuilder();
        if (Double.isNaN(c.value)) {
            if (c.failures > 0) {
                return "failed (" + c.failures + ")" + (c.note == null ? "" : " " + c.note);
            }
            s.append("n/a");
        } else {
            s.append(String.format(Locale.ROOT, r.fmt(), c.value));
            if (r.ratio() && !isBase && base != null && !Double.isNaN(base.value) && base.value != 0) {
                s.append(String.format(Locale.ROOT, " (%.2f×)", c.value / base.value));
            }
        }
        if (c.failures > 0) {
            s.append(" ⚠ ").append(c.failures).append(" failed");
        }
        if (c.note != null) {
            s.append(' ').append(c.note);
        }
        return s.toString();
    }

    // ---- statistics ---------------------------------------------------------------------

    /** Nearest-rank percentile (p in 0..100) of the samples; NaN when empty. */
    static double percentile(List<Double> samples, double p) {
        if (samples.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(samples);
        Collections.sort(s);
        int rank = (int) Math.ceil(p / 100.0 * s.size());
        return s.get(Math.min(s.size() - 1, Math.max(0, rank - 1)));
    }

    /** Median (mean of the two middle samples when even); NaN when empty. */
    static double median(List<Double> samples) {
        if (samples.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(samples);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
