package io.loginstate.bench.throughput.service;

import io.loginstate.testing.PrometheusScrape;
import io.loginstate.testing.ServiceProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The service's memory at the end of a run: resident set (now and peak) from the operating system,
 * heap used from its JVM metrics, and RocksDB's own figure when the service exports
 * {@value #ROCKSDB_METRIC} (summed over its labels, e.g. per partition or per component).
 */
public record ServiceMemory(
        long rssBytes, long peakRssBytes, double heapUsedBytes, OptionalDouble rocksDbBytes, int rocksDbSamples) {

    public static final String ROCKSDB_METRIC = "login_state_rocksdb_memory_bytes";

    static ServiceMemory of(ServiceProcess service, String metricsText) {
        PrometheusScrape metrics = PrometheusScrape.parse(metricsText);
        Path status = Path.of("/proc", Long.toString(service.pid()), "status");
        return new ServiceMemory(
                procStatusBytes(status, "VmRSS:"),
                procStatusBytes(status, "VmHWM:"),
                metrics.total("jvm_memory_used_bytes", Map.of("area", "heap")).orElse(Double.NaN),
                metrics.total(ROCKSDB_METRIC, Map.of()),
                metrics.count(ROCKSDB_METRIC));
    }

    /** A {@code kB} line of {@code /proc/<pid>/status}, in bytes; -1 if absent (not Linux). */
    private static long procStatusBytes(Path status, String field) {
        if (!Files.isReadable(status)) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length())
                                    .replace("kB", "")
                                    .trim())
                            * 1024;
                }
            }
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String rocksDb() {
        if (rocksDbBytes.isEmpty()) {
            return "n/a";
        }
        String total = mib(rocksDbBytes.getAsDouble());
        return rocksDbSamples > 1 ? total + " (" + rocksDbSamples + " samples)" : total;
    }

    public String describe() {
        return String.format(
                Locale.ROOT,
                "RSS %s (peak %s), heap used %s, RocksDB %s",
                mib(rssBytes),
                mib(peakRssBytes),
                mib(heapUsedBytes),
                rocksDb());
    }

    public static String mib(double bytes) {
        if (bytes < 0 || Double.isNaN(bytes)) {
            return "n/a";
        }
        double mib = bytes / (1 << 20);
        return String.format(Locale.ROOT, mib < 10 ? "%.2f MiB" : "%,.0f MiB", mib);
    }
}
