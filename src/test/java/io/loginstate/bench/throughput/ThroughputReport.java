package io.loginstate.bench.throughput;

import io.loginstate.bench.ConsumerPerformanceRun;
import io.loginstate.bench.throughput.ceiling.CeilingResult;
import io.loginstate.bench.throughput.service.ServiceMemory;
import io.loginstate.bench.throughput.service.ServiceResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Collects the figures of one benchmark run and prints the summary: every rate with its ratio to
 * the raw consumer and to the SmallRye ceiling, memory, verification, query latencies, the memory
 * bound and the aims, and the command line that produced it.
 */
final class ThroughputReport {

    private final ThroughputSettings settings;
    private final Map<String, ServiceResult> services = new LinkedHashMap<>();
    private final Map<String, String> titles = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private ConsumerPerformanceRun rawBefore;
    private ConsumerPerformanceRun rawAfter;
    private CeilingResult ceiling;
    private MemoryBound bound;

    ThroughputReport(ThroughputSettings settings) {
        this.settings = settings;
    }

    void rawBefore(ConsumerPerformanceRun run) {
        rawBefore = run;
    }

    void rawAfter(ConsumerPerformanceRun run) {
        rawAfter = run;
    }

    void ceiling(CeilingResult result) {
        ceiling = result;
    }

    void service(String title, ServiceResult result) {
        services.put(result.label(), result);
        titles.put(result.label(), title);
    }

    /** A remark printed with the summary, e.g. why a figure must be read with care. */
    void note(String note) {
        notes.add(note);
    }

    void bound(MemoryBound memoryBound) {
        bound = memoryBound;
    }

    ServiceResult service(String label) {
        return services.get(label);
    }

    /** True if every service run's state matched the oracle. */
    boolean passed() {
        return services.values().stream().allMatch(s -> s.verification().passed());
    }

    /** Prints the summary and writes it to {@code file}. */
    void print(Path file, String commandLine) throws IOException {
        StringBuilder text = new StringBuilder();
        text.append(String.format(
                Locale.ROOT,
                "%nThroughput benchmark: %,d events, %,d users (Zipf 1.0), %d partitions, service heap -Xmx%s%n%n",
                settings.events(),
                settings.users(),
                settings.partitions(),
                settings.heap()));
        table(text);
        queryLoad(text);
        memoryBound(text);
        aims(text);
        failures(text);
        notes.forEach(note -> text.append("\nNOTE: ").append(note).append('\n'));
        text.append("\ncommand: ").append(commandLine).append('\n');
        text.append("parameters: ").append(settings.describe()).append('\n');
        text.append("service JVM, as the image runs it: ")
                .append(String.join(" ", settings.jvmOptions()))
                .append(", environment ")
                .append(settings.environment())
                .append('\n');
        System.out.print(text);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        System.out.println("written to " + file);
    }

    private double raw() {
        return (rawBefore.rate() + rawAfter.rate()) / 2;
    }

    private void table(StringBuilder text) {
        text.append(
                "| run | records/s | × raw | × SmallRye ceiling | RSS at end (peak) | heap used | RocksDB memory | state check |\n");
        text.append("|---|---|---|---|---|---|---|---|\n");
        row(text, "raw consumer, ConsumerPerformance run 1 (before the service runs)", rawBefore.rate(), "", "");
        row(text, "raw consumer, ConsumerPerformance run 2 (after)", rawAfter.rate(), "", "");
        row(text, "**raw consumer = mean of both**", raw(), "1.000", "");
        if (ceiling != null) {
            row(
                    text,
                    "SmallRye ceiling: the service's channel, a handler that only counts",
                    ceiling.rate(),
                    ratio(ceiling.rate() / raw()),
                    "1.000");
        }
        services.forEach((label, result) -> {
            boolean ok = result.verification().passed();
            ServiceMemory memory = result.memory();
            text.append(String.format(
                    Locale.ROOT,
                    "| %s | %,.0f | %s | %s | %s (%s) | %s | %s | %s |%n",
                    titles.get(label),
                    result.rate(),
                    ok ? ratio(result.rate() / raw()) : "FAILED",
                    ok ? (ceiling == null ? "n/a" : ratio(result.rate() / ceiling.rate())) : "FAILED",
                    ServiceMemory.mib(memory.rssBytes()),
                    ServiceMemory.mib(memory.peakRssBytes()),
                    ServiceMemory.mib(memory.heapUsedBytes()),
                    memory.rocksDb(),
                    result.verification().summary()));
        });
    }

    private static void row(StringBuilder text, String title, double rate, String vsRaw, String vsCeiling) {
        text.append(String.format(Locale.ROOT, "| %s | %,.0f | %s | %s | | | | |%n", title, rate, vsRaw, vsCeiling));
    }

    private void queryLoad(StringBuilder text) {
        ServiceResult loaded = services.get(ThroughputSettings.QUERY_LOAD);
        if (loaded == null) {
            return;
        }
        text.append(
                "\nQuery latency under load (GET /users/{id} over loopback, open-loop, from each request's due time):\n");
        text.append("  ").append(loaded.queries().describe()).append('\n');
        ServiceResult quiet = services.get(ThroughputSettings.DIRECTORY);
        if (quiet != null) {
            double ratio = loaded.rate() / quiet.rate();
            text.append(String.format(
                    Locale.ROOT,
                    "  ingest with the load %,.0f records/s against %,.0f without: %.3f×, a drop of %.1f%%%n",
                    loaded.rate(),
                    quiet.rate(),
                    ratio,
                    (1 - ratio) * 100));
        }
    }

    private void memoryBound(StringBuilder text) {
        if (bound != null) {
            text.append("\nMemory bound (block cache 1/")
                    .append(ThroughputSettings.CACHE_DIVISOR)
                    .append(" of the state on disk):\n  ")
                    .append(bound.describe())
                    .append('\n');
        }
    }

    private void aims(StringBuilder text) {
        List<String> aims = new ArrayList<>();
        ServiceResult defaults = services.get(ThroughputSettings.DIRECTORY);
        if (defaults != null && defaults.verification().passed()) {
            double vsRaw = defaults.rate() / raw();
            aims.add(String.format(
                    Locale.ROOT, "service with its defaults ≥ 0.25× raw: %.3f, %s", vsRaw, met(vsRaw >= 0.25)));
            if (ceiling != null) {
                double vsCeiling = defaults.rate() / ceiling.rate();
                aims.add(String.format(
                        Locale.ROOT,
                        "service with its defaults ≥ 0.6× SmallRye ceiling: %.3f, %s",
                        vsCeiling,
                        met(vsCeiling >= 0.6)));
            }
        }
        if (bound != null) {
            aims.add("RSS ≤ heap max + RocksDB budget + 15% with the block cache 1/20 of the state: "
                    + met(bound.within()));
        }
        if (!aims.isEmpty()) {
            text.append("\nAims of issue 12:\n");
            aims.forEach(aim -> text.append("  ").append(aim).append('\n'));
        }
    }

    private void failures(StringBuilder text) {
        services.forEach((label, result) -> {
            if (!result.verification().passed()) {
                text.append('\n')
                        .append(titles.get(label))
                        .append(": state check ")
                        .append(result.verification().summary())
                        .append('\n');
                result.verification()
                        .mismatches()
                        .forEach(m -> text.append("  ").append(m).append('\n'));
            }
        });
    }

    private static String met(boolean met) {
        return met ? "met" : "not met";
    }

    private static String ratio(double ratio) {
        return String.format(Locale.ROOT, "%.3f", ratio);
    }
}
