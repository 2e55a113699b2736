package io.loginstate.bench.throughput;

import io.loginstate.bench.throughput.query.QueryLoad;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The benchmark's parameters, system properties {@code bench.throughput.*} with the defaults of the
 * issue's workload. {@link #describe()} prints every one of them, so a summary names the exact run.
 */
record ThroughputSettings(
        long events,
        int users,
        int partitions,
        Set<String> runs,
        String heap,
        int verifyUsers,
        int verifyHottest,
        QueryLoad.Settings queryLoad,
        long boundedCacheBytes,
        long boundedWriteBufferBytes,
        Duration timeout,
        ImageRuntime image) {

    static final String CEILING = "ceiling";
    static final String DIRECTORY = "directory";
    static final String QUERY_LOAD = "query-load";
    static final String S3 = "s3";
    static final String BOUNDED = "bounded";
    static final List<String> ALL_RUNS = List.of(CEILING, DIRECTORY, QUERY_LOAD, S3, BOUNDED);
    /** The memory-bounded run's block cache is this many times smaller than the state on disk. */
    static final int CACHE_DIVISOR = 20;

    static ThroughputSettings fromSystemProperties() {
        int rate = Integer.getInteger("bench.throughput.query-rate", 2000);
        int maxSeconds = Integer.getInteger("bench.throughput.query-max-seconds", 600);
        int maxRequests = Integer.getInteger("bench.throughput.query-max-requests", 0);
        QueryLoad.Settings load = new QueryLoad.Settings(
                rate,
                maxRequests > 0 ? maxRequests : rate * maxSeconds,
                Duration.ofSeconds(maxSeconds),
                Integer.getInteger("bench.throughput.query-threads", 16));
        Set<String> runs = Set.of(System.getProperty("bench.throughput.runs", String.join(",", ALL_RUNS))
                .split(","));
        if (!ALL_RUNS.containsAll(runs)) {
            throw new IllegalArgumentException("bench.throughput.runs: " + runs + " is not a subset of " + ALL_RUNS);
        }
        return new ThroughputSettings(
                Long.getLong("bench.throughput.events", 10_000_000),
                Integer.getInteger("bench.throughput.users", 1_000_000),
                Integer.getInteger("bench.throughput.partitions", 8),
                runs,
                System.getProperty("bench.throughput.heap", "1g"),
                Integer.getInteger("bench.throughput.verify-users", 10_000),
                Integer.getInteger("bench.throughput.verify-hottest", 1_000),
                load,
                Long.getLong("bench.throughput.bounded-cache-bytes", 0),
                Long.getLong("bench.throughput.bounded-write-buffer-bytes", 32L << 20),
                Duration.ofMinutes(Long.getLong("bench.throughput.timeout-minutes", 60)),
                ImageRuntime.ofImage());
    }

    boolean runs(String run) {
        return runs.contains(run);
    }

    /** The service's and the counting run's heap bound, in bytes. */
    long heapBytes() {
        String text = heap.trim().toLowerCase(Locale.ROOT);
        long unit = switch (text.charAt(text.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> 1;
        };
        String digits = unit == 1 ? text : text.substring(0, text.length() - 1);
        return Long.parseLong(digits) * unit;
    }

    /**
     * The heap bound and the collector the container image runs with (read from
     * src/main/docker/Dockerfile.jvm), then {@code bench.throughput.service-options} (space-separated
     * JVM options and -D settings).
     */
    List<String> jvmOptions() {
        List<String> options = new ArrayList<>(List.of("-Xmx" + heap, image.collectorOption()));
        for (String option : System.getProperty("bench.throughput.service-options", "")
                .trim()
                .split("\\s+")) {
            if (!option.isEmpty()) {
                options.add(option);
            }
        }
        return options;
    }

    /** The environment the container image gives the service's JVM: its allocator settings. */
    Map<String, String> environment() {
        return image.allocatorEnvironment();
    }

    Map<String, String> asProperties() {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("events", Long.toString(events));
        all.put("users", Integer.toString(users));
        all.put("partitions", Integer.toString(partitions));
        all.put(
                "runs",
                String.join(",", ALL_RUNS.stream().filter(runs::contains).toList()));
        all.put("heap", heap);
        all.put("service-options", System.getProperty("bench.throughput.service-options", ""));
        all.put("verify-users", Integer.toString(verifyUsers));
        all.put("verify-hottest", Integer.toString(verifyHottest));
        all.put("query-rate", Integer.toString(queryLoad.rate()));
        all.put("query-max-requests", Integer.toString(queryLoad.maxRequests()));
        all.put("query-max-seconds", Long.toString(queryLoad.maxDuration().toSeconds()));
        all.put("query-threads", Integer.toString(queryLoad.threads()));
        all.put("bounded-cache-bytes", Long.toString(boundedCacheBytes));
        all.put("bounded-write-buffer-bytes", Long.toString(boundedWriteBufferBytes));
        all.put("timeout-minutes", Long.toString(timeout.toMinutes()));
        return all;
    }

    /** Every parameter as the {@code -D} option that sets it. */
    String describe() {
        StringBuilder text = new StringBuilder();
        asProperties()
                .forEach((name, value) -> text.append(text.isEmpty() ? "" : " ")
                        .append("-Dbench.throughput.")
                        .append(name)
                        .append('=')
                        .append(value));
        return text.toString();
    }
}
