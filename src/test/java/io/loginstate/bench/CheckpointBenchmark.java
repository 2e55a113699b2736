package io.loginstate.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.OperatingSystemMXBean;
import io.loginstate.checkpoint.CheckpointLayout;
import io.loginstate.checkpoint.CheckpointManifest;
import io.loginstate.checkpoint.CheckpointRestorer;
import io.loginstate.checkpoint.Checkpointer;
import io.loginstate.checkpoint.OwnershipFence;
import io.loginstate.checkpoint.TestCheckpointers;
import io.loginstate.embedded.EmbeddedKafkaBroker;
import io.loginstate.objectstore.ObjectInfo;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.objectstore.S3ObjectStore;
import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.Serializers;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.ValueState;
import io.loginstate.state.rocksdb.RocksDBSharedResources;
import io.loginstate.state.rocksdb.RocksDBStore;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.support.DaemonThreads;
import io.loginstate.support.Directories;
import io.loginstate.testing.PrometheusScrape;
import io.loginstate.testing.S3ProxyServer;
import io.loginstate.testing.ServiceProcess;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;

/**
 * What checkpoints cost, as ratios measured within one run, with the object store an S3Proxy in this
 * JVM (a real S3 protocol server with a filesystem backend):
 * <ol>
 * <li><b>Ingest</b>: the packaged service reads the same topic three times, each from a fresh state
 * directory with a fresh consumer group: checkpoints off, checkpoints every {@code interval} to
 * S3Proxy, checkpoints off again. Rate from the first applied record to the last (the service's
 * {@code /partitions} progress); the ratio is checkpointed / mean of the two runs without.</li>
 * <li><b>Pause</b> of the partition's processing per checkpoint: from the checkpointed service's
 * Prometheus metrics ({@code login_state_checkpoint_pause_seconds}, per partition: p50 and p99 from
 * the histogram's buckets, the max, count and sum), scraped once the last record is applied.</li>
 * <li><b>Bytes uploaded</b> ({@code login_state_checkpoint_uploaded_bytes_total}) against what an
 * ideal incremental scheme must upload: the SST files new in each checkpoint compared with the
 * partition's previous one. Every manifest is read from the bucket while the service runs (older
 * ones are deleted by retention), and the scrape is taken when the published counts in the metrics
 * agree with the manifests seen. Also against the bytes of the input records, for scale.</li>
 * <li><b>Restore</b>: one partition of at least {@code restore-mb} MiB of incompressible values is
 * written with the project's RocksDB state classes in this JVM, checkpointed to S3Proxy with the
 * project's {@link Checkpointer} and restored with {@link CheckpointRestorer} into an empty
 * directory (parallel download, size and CRC-32C checks, directory swap). The same objects are then
 * downloaded with plain {@link ObjectStore#download} calls on a pool of the same size. Rounds go
 * restore, download, download, restore, ... so drift falls on both alike; the ratio is restore rate
 * over raw download rate. The restored state is opened and a sample of values is checked.</li>
 * </ol>
 * Prints a table at the end and writes it to {@code target/bench/checkpoint.txt}; the service logs
 * go to {@code target/bench/checkpoint-service-*.log}.
 *
 * <p>System properties: {@code bench.checkpoint.events} (default 3,000,000), {@code .users}
 * (1,000,000, Zipf s = 1.0), {@code .partitions} (8), {@code .interval} (10s),
 * {@code .restore-mb} (1100 MiB of values), {@code .restore-threads} (8, the service's default
 * {@code download-threads}), {@code .restore-rounds} (2 of each), {@code .parts}
 * ({@code ingest,restore}: which halves to run).
 */
public final class CheckpointBenchmark {

    private static final String TOPIC = "logins";
    private static final String BUCKET = "checkpoints";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration MANIFEST_POLL = Duration.ofSeconds(2);
    private static final int VALUE_BYTES = 1000;
    private static final int RESTORE_BATCH = 1000;
    private static final int RESTORE_CHECKED = 2000;
    private static final long VALUE_SEED = 0x5eed_c0deL;
    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final long events;
    private final int users;
    private final int partitions;
    private final String interval;
    private final long restoreBytes;
    private final int restoreThreads;
    private final int restoreRounds;
    private final Set<String> parts;
    private final Path work;
    private final Path out;
    private final S3ProxyServer s3;
    private final AtomicInteger runs = new AtomicInteger();
    /** Rows of the final table: figure, value, aim. */
    private final List<String[]> rows = new ArrayList<>();

    private final List<String> notes = new ArrayList<>();

    private CheckpointBenchmark(Path work, Path out, S3ProxyServer s3) {
        this.events = Long.getLong("bench.checkpoint.events", 3_000_000);
        this.users = Integer.getInteger("bench.checkpoint.users", 1_000_000);
        this.partitions = Integer.getInteger("bench.checkpoint.partitions", 8);
        this.interval = System.getProperty("bench.checkpoint.interval", "10s");
        this.restoreBytes = Long.getLong("bench.checkpoint.restore-mb", 1100) << 20;
        this.restoreThreads = Integer.getInteger("bench.checkpoint.restore-threads", 8);
        this.restoreRounds = Integer.getInteger("bench.checkpoint.restore-rounds", 2);
        this.parts = Set.of(
                System.getProperty("bench.checkpoint.parts", "ingest,restore").split(","));
        this.work = work;
        this.out = out;
        this.s3 = s3;
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("login-state-checkpoint-bench");
        Path out = Path.of("target", "bench");
        Files.createDirectories(out);
        try (S3ProxyServer s3 = S3ProxyServer.start(BUCKET)) {
            CheckpointBenchmark benchmark = new CheckpointBenchmark(work, out, s3);
            if (benchmark.parts.contains("ingest")) {
                benchmark.ingest();
            }
            if (benchmark.parts.contains("restore")) {
                benchmark.restore();
            }
            benchmark.report();
        } finally {
            Directories.deleteRecursively(work);
        }
    }

    // ---- Ingest, pause, bytes ---------------------------------------------------------------------

    private void ingest() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("kafka"), 0, 0, Map.of())) {
            broker.createTopic(TOPIC, partitions);
            broker.createTopic("logins-dlq", 1);
            long produceStart = System.nanoTime();
            long inputBytes = LoginEvents.produce(broker.bootstrapServers(), TOPIC, events, users);
            System.out.printf(
                    Locale.ROOT,
                    "produced %,d events (%,d bytes of keys and values) for %,d Zipf-distributed users over %d partitions in %.1f s%n",
                    events,
                    inputBytes,
                    users,
                    partitions,
                    seconds(System.nanoTime() - produceStart));

            S3ProxyWarmUp.run(s3.settings(BUCKET), work);
            IngestRun off1 = runService(broker.bootstrapServers(), false);
            IngestRun on = runService(broker.bootstrapServers(), true);
            IngestRun off2 = runService(broker.bootstrapServers(), false);
            double offMean = (off1.rate + off2.rate) / 2;
            double ratio = on.rate / offMean;

            row(
                    "ingest, checkpoints off (run 1 / run 2)",
                    String.format(Locale.ROOT, "%,.0f / %,.0f records/s", off1.rate, off2.rate),
                    "");
            row(
                    "ingest, checkpoints every " + interval + " to S3Proxy",
                    String.format(Locale.ROOT, "%,.0f records/s", on.rate),
                    "");
            row(
                    "**ingest ratio on / mean(off)**",
                    String.format(Locale.ROOT, "**%.3f**", ratio),
                    aim(ratio >= 0.90, "≥ 0.90"));
            row(
                    "CPU per record, service: off (run 1 / run 2) / on",
                    String.format(
                            Locale.ROOT,
                            "%.1f / %.1f / %.1f µs",
                            off1.serviceCpuMicros,
                            off2.serviceCpuMicros,
                            on.serviceCpuMicros),
                    "");
            double offService = (off1.serviceCpuMicros + off2.serviceCpuMicros) / 2;
            double offBench = (off1.benchCpuMicros + off2.benchCpuMicros) / 2;
            double cpuBound = (offService + offBench) / (on.serviceCpuMicros + offBench);
            notes.add(String.format(
                    Locale.ROOT,
                    "Estimate, not a measurement: with the ingest CPU-bound on the 2 cores, the ratio "
                            + "without the store's CPU in the same machine would be (service + broker CPU per record, off) / (service CPU on "
                            + "+ broker CPU off) = %.3f.",
                    cpuBound));
            row(
                    "CPU per record, benchmark JVM (broker, S3Proxy): off (run 1 / run 2) / on",
                    String.format(
                            Locale.ROOT,
                            "%.1f / %.1f / %.1f µs",
                            off1.benchCpuMicros,
                            off2.benchCpuMicros,
                            on.benchCpuMicros),
                    "");

            row(
                    "batch apply + commit, mean / max: off run 1, off run 2, on",
                    String.format(
                            Locale.ROOT,
                            "%s / %s, %s / %s, %s / %s",
                            millis(meanBatchSeconds(off1.metrics)),
                            millis(off1.metrics.max("login_state_batch_apply_seconds_max", Map.of())),
                            millis(meanBatchSeconds(off2.metrics)),
                            millis(off2.metrics.max("login_state_batch_apply_seconds_max", Map.of())),
                            millis(meanBatchSeconds(on.metrics)),
                            millis(on.metrics.max("login_state_batch_apply_seconds_max", Map.of()))),
                    "");

            PrometheusScrape metrics = on.metrics;
            double count = metrics.sum("login_state_checkpoint_pause_seconds_count", Map.of());
            double sum = metrics.sum("login_state_checkpoint_pause_seconds_sum", Map.of());
            Map<String, Double> pausesByPartition = metrics.byPartition("login_state_checkpoint_pause_seconds_count");
            List<Double> p50s = pausesByPartition.keySet().stream()
                    .map(p -> metrics.histogramQuantile(
                            "login_state_checkpoint_pause_seconds", 0.5, Map.of("partition", p)))
                    .toList();
            List<Double> p99s = pausesByPartition.keySet().stream()
                    .map(p -> metrics.histogramQuantile(
                            "login_state_checkpoint_pause_seconds", 0.99, Map.of("partition", p)))
                    .toList();
            double max = metrics.max("login_state_checkpoint_pause_seconds_max", Map.of());
            double p50 = median(p50s);
            double p99 = p99s.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
            double published = metrics.sum("login_state_checkpoint_upload_seconds_count", Map.of());
            row(
                    "checkpoints taken / published by the end of the run (partitions)",
                    String.format(Locale.ROOT, "%,.0f / %,.0f (%d)", count, published, p50s.size()),
                    "");
            pausesByPartition.forEach((p, n) -> System.out.printf(
                    Locale.ROOT,
                    "[pause] partition %s: %.0f checkpoints, p50 %s, p99 %s, max %s%n",
                    p,
                    n,
                    millis(metrics.histogramQuantile(
                            "login_state_checkpoint_pause_seconds", 0.5, Map.of("partition", p))),
                    millis(metrics.histogramQuantile(
                            "login_state_checkpoint_pause_seconds", 0.99, Map.of("partition", p))),
                    millis(metrics.one("login_state_checkpoint_pause_seconds_max", Map.of("partition", p)))));
            row("pause of the partition's chain per checkpoint, p50 (median of the partitions' p50)", millis(p50), "");
            row("**pause p99 (highest partition p99)**", "**" + millis(p99) + "**", aim(p99 <= 0.002, "≤ 2 ms"));
            row("pause max / mean", millis(max) + " / " + millis(count == 0 ? Double.NaN : sum / count), "");

            double uploaded = metrics.sum("login_state_checkpoint_uploaded_bytes_total", Map.of());
            double filesUploaded = metrics.sum("login_state_checkpoint_files_total", Map.of("kind", "uploaded"));
            double filesReused = metrics.sum("login_state_checkpoint_files_total", Map.of("kind", "reused"));
            double liveSize = metrics.sum("login_state_checkpoint_size_bytes", Map.of());
            ManifestWatcher.Totals totals = on.manifests.totals();
            double uploadSeconds = metrics.sum("login_state_checkpoint_upload_seconds_sum", Map.of());
            double idealRatio = uploaded / totals.newSstBytes;
            row(
                    "bytes uploaded (metric)",
                    String.format(
                            Locale.ROOT,
                            "%,.0f (%,.0f files uploaded, %,.0f reused; %.1f s uploading)",
                            uploaded,
                            filesUploaded,
                            filesReused,
                            uploadSeconds),
                    "");
            row(
                    "new SST bytes between consecutive manifests",
                    String.format(
                            Locale.ROOT,
                            "%,d (%,d manifests read, %d missed)",
                            totals.newSstBytes,
                            totals.manifests,
                            totals.missed),
                    "");
            row(
                    "SST bytes carried over from the partition's previous checkpoint",
                    String.format(Locale.ROOT, "%,d", totals.carriedSstBytes),
                    "");
            row(
                    "small per-checkpoint files in the manifests",
                    String.format(Locale.ROOT, "%,d", totals.smallFileBytes),
                    "");
            row(
                    "**uploaded / new SST bytes**",
                    String.format(Locale.ROOT, "**%.3f**", idealRatio),
                    aim(idealRatio <= 1.2, "≤ 1.2"));
            double extraBenchCpu =
                    (on.benchCpuMicros - (off1.benchCpuMicros + off2.benchCpuMicros) / 2) * on.records / 1e6;
            row(
                    "benchmark JVM CPU beyond the runs without checkpoints, per MB uploaded",
                    String.format(Locale.ROOT, "%.0f ms", extraBenchCpu * 1e3 / (uploaded / 1e6)),
                    "");
            row(
                    "uploaded / input record bytes",
                    String.format(
                            Locale.ROOT,
                            "%.3f (input %,d bytes; latest checkpoints %,.0f bytes)",
                            uploaded / inputBytes,
                            inputBytes,
                            liveSize),
                    "");
            if (!on.consistent) {
                notes.add(
                        "The published counts in the metrics never matched the manifests seen; the byte figures mix checkpoints.");
            }
        }
    }

    /** CPU figures in µs per record applied while measured. */
    private record IngestRun(
            double rate,
            long records,
            PrometheusScrape metrics,
            ManifestWatcher manifests,
            boolean consistent,
            double serviceCpuMicros,
            double benchCpuMicros) {}

    /** One run of the packaged service over the whole topic, from a fresh state directory and group. */
    private IngestRun runService(String bootstrap, boolean checkpoints) throws Exception {
        int run = runs.incrementAndGet();
        String label = (checkpoints ? "on-" : "off-") + run;
        String prefix = "run-" + run;
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("kafka.bootstrap.servers", bootstrap);
        settings.put("login-state.state-dir", work.resolve("state-" + label).toString());
        // The group is also the deployment the checkpoints are filed under.
        String group = "checkpoint-bench-" + label + "-" + System.nanoTime();
        settings.put("mp.messaging.incoming.logins.group.id", group);
        settings.put("login-state.checkpoint.enabled", Boolean.toString(checkpoints));
        settings.put("login-state.checkpoint.interval", interval);
        settings.putAll(s3.serviceProperties(BUCKET, prefix));
        Path log = out.resolve("checkpoint-service-" + label + ".log");
        Files.deleteIfExists(log);
        try (ObjectStore store = S3ObjectStore.create(
                        s3.settings(BUCKET).toBuilder().prefix(prefix).build());
                ServiceProcess service = ServiceProcess.start(settings, List.of(), log)) {
            ManifestWatcher watcher = checkpoints ? new ManifestWatcher(store, group + "/" + TOPIC + "/") : null;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
            long nextWatch = 0;
            long firstAt = 0;
            long firstCount = 0;
            double serviceCpuStart = 0;
            long benchCpuStart = 0;
            long done;
            while (true) {
                long now = System.nanoTime();
                done = Math.max(0, service.progress().nextOffsets());
                if (firstAt == 0 && done > 0) {
                    firstAt = now;
                    firstCount = done;
                    serviceCpuStart = PrometheusScrape.parse(
                                    service.get("/q/metrics").body())
                            .sum("process_cpu_time_ns_total", Map.of());
                    benchCpuStart = OS.getProcessCpuTime();
                }
                if (done >= events) {
                    break;
                }
                if (now > deadline || !service.isAlive()) {
                    throw new IllegalStateException(
                            "Service applied only " + done + " of " + events + "; see " + service.log());
                }
                if (watcher != null && now >= nextWatch) {
                    watcher.poll();
                    nextWatch = System.nanoTime() + MANIFEST_POLL.toNanos();
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
            double elapsed = seconds(System.nanoTime() - firstAt);
            double rate = (events - firstCount) / elapsed;
            System.out.printf(
                    Locale.ROOT,
                    "[%s] login-state applied %,d events in %.2f s: %,.0f records/s%n",
                    label,
                    events - firstCount,
                    elapsed,
                    rate);
            long benchCpu = OS.getProcessCpuTime() - benchCpuStart;
            String scraped = service.get("/q/metrics").body();
            PrometheusScrape metrics = PrometheusScrape.parse(scraped);
            double serviceCpu = metrics.sum("process_cpu_time_ns_total", Map.of()) - serviceCpuStart;
            long records = events - firstCount;
            System.out.printf(
                    Locale.ROOT,
                    "[%s] CPU per record while measured: service %.1f µs, benchmark JVM (broker, S3Proxy) %.1f µs%n",
                    label,
                    serviceCpu / 1e3 / records,
                    benchCpu / 1e3 / records);
            boolean consistent = true;
            if (watcher != null) {
                // The uploaded-bytes counter must cover exactly the manifests seen: wait until every
                // partition's published count equals its manifests (a publication may be under way).
                long settleBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (true) {
                    watcher.poll();
                    if (watcher.matches(metrics)) {
                        break;
                    }
                    if (System.nanoTime() > settleBy || !service.isAlive()) {
                        consistent = false;
                        System.out.printf(
                                Locale.ROOT,
                                "[%s] published counts %s never matched the manifests seen %s%n",
                                label,
                                metrics.byPartition("login_state_checkpoint_upload_seconds_count"),
                                watcher.counts());
                        break;
                    }
                    TimeUnit.MILLISECONDS.sleep(200);
                    scraped = service.get("/q/metrics").body();
                    metrics = PrometheusScrape.parse(scraped);
                }
                System.out.printf(
                        Locale.ROOT, "[%s] checkpoints published per partition: %s%n", label, watcher.counts());
            }
            Files.writeString(out.resolve("checkpoint-metrics-" + label + ".txt"), scraped, StandardCharsets.UTF_8);
            int exit = service.stop(Duration.ofSeconds(90));
            System.out.printf(Locale.ROOT, "[%s] service stopped (exit %d), log %s%n", label, exit, log);
            return new IngestRun(
                    rate, records, metrics, watcher, consistent, serviceCpu / 1e3 / records, benchCpu / 1e3 / records);
        } finally {
            Directories.deleteRecursively(work.resolve("state-" + label));
        }
    }

    /**
     * Reads every manifest of a topic's partitions as it appears (retention deletes old ones), so
     * consecutive checkpoints of a partition can be compared afterwards.
     */
    private static final class ManifestWatcher {
        private final ObjectStore store;
        private final String topicPrefix;
        private final Set<String> read = new HashSet<>();
        /** Partition to checkpoint id to manifest. */
        private final Map<Integer, TreeMap<Long, CheckpointManifest>> manifests = new TreeMap<>();

        ManifestWatcher(ObjectStore store, String topicPrefix) {
            this.store = store;
            this.topicPrefix = topicPrefix;
        }

        void poll() {
            for (ObjectInfo object : store.list(topicPrefix)) {
                String key = object.key();
                if (!key.endsWith("/manifest.json") || !key.contains("/checkpoints/") || read.contains(key)) {
                    continue;
                }
                Optional<byte[]> bytes = store.get(key);
                if (bytes.isPresent()) {
                    CheckpointManifest manifest = CheckpointManifest.fromJson(bytes.get());
                    manifests
                            .computeIfAbsent(manifest.partition(), p -> new TreeMap<>())
                            .put(manifest.checkpointId(), manifest);
                    read.add(key);
                }
            }
        }

        Map<Integer, Integer> counts() {
            Map<Integer, Integer> counts = new TreeMap<>();
            manifests.forEach((partition, byId) -> counts.put(partition, byId.size()));
            return counts;
        }

        /** True if every partition's published count in {@code metrics} equals the manifests seen. */
        boolean matches(PrometheusScrape metrics) {
            Map<String, Double> published = metrics.byPartition("login_state_checkpoint_upload_seconds_count");
            Set<String> all = new TreeSet<>(published.keySet());
            manifests.keySet().forEach(p -> all.add(Integer.toString(p)));
            if (all.isEmpty()) {
                return false;
            }
            for (String partition : all) {
                TreeMap<Long, CheckpointManifest> seen = manifests.get(Integer.parseInt(partition));
                if ((seen == null ? 0 : seen.size())
                        != published.getOrDefault(partition, 0.0).intValue()) {
                    return false;
                }
            }
            return true;
        }

        /**
         * @param newSstBytes     SST bytes not in the partition's previous checkpoint
         * @param carriedSstBytes SST bytes also in the previous checkpoint (an incremental scheme skips them)
         * @param smallFileBytes  the per-checkpoint files (MANIFEST, OPTIONS, CURRENT)
         */
        record Totals(long newSstBytes, long carriedSstBytes, long smallFileBytes, int manifests, int missed) {}

        /**
         * The SST bytes each checkpoint adds to its partition's previous one (the first adds all of
         * its SSTs), and the small per-checkpoint files. A gap in a partition's sequence numbers is
         * a manifest deleted before it was read.
         */
        Totals totals() {
            long newSst = 0;
            long carried = 0;
            long small = 0;
            int count = 0;
            int missed = 0;
            for (TreeMap<Long, CheckpointManifest> byId : manifests.values()) {
                Set<String> previous = Set.of();
                long lastSequence = 0;
                for (CheckpointManifest manifest : byId.values()) {
                    long sequence = manifest.checkpointId() & 0xffffffffL;
                    missed += (int) Math.max(0, sequence - lastSequence - 1);
                    lastSequence = sequence;
                    Set<String> current = new HashSet<>();
                    for (CheckpointManifest.FileEntry file : manifest.files()) {
                        if (file.name().endsWith(".sst")) {
                            current.add(file.key());
                            if (previous.contains(file.key())) {
                                carried += file.size();
                            } else {
                                newSst += file.size();
                            }
                        } else {
                            small += file.size();
                        }
                    }
                    previous = current;
                    count++;
                }
            }
            return new Totals(newSst, carried, small, count, missed);
        }
    }

    private static double meanBatchSeconds(PrometheusScrape metrics) {
        return metrics.sum("login_state_batch_apply_seconds_sum")
                / metrics.sum("login_state_batch_apply_seconds_count");
    }

    // ---- Restore ------------------------------------------------------------------------------------

    private void restore() throws Exception {
        TopicPartition partition = new TopicPartition("restore-bench", 0);
        CheckpointLayout layout = TestCheckpointers.layout(partition);
        ExecutorService downloads = Executors.newFixedThreadPool(restoreThreads, daemon("bench-download-"));
        ExecutorService uploads = Executors.newSingleThreadExecutor(daemon("bench-upload-"));
        ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(daemon("bench-retry-"));
        Path root = work.resolve("restore");
        try (ObjectStore store = S3ObjectStore.create(s3.settings(BUCKET).toBuilder()
                .prefix("restore")
                .timeouts(Duration.ofSeconds(5), Duration.ofSeconds(60), 3)
                .build())) {
            long entries = restoreBytes / VALUE_BYTES;
            StateDescriptor<ValueState<byte[]>> blob = StateDescriptor.value("blob", Serializers.BYTES);
            List<StateDescriptor<?>> descriptors = List.of(blob);
            long latestId;
            try (RocksDBSharedResources shared = new RocksDBSharedResources(64L << 20, 32L << 20)) {
                // Build the partition's state: sequential keys, incompressible values, committed in batches.
                long buildStart = System.nanoTime();
                try (LayeredKeyedStateBackend state = new LayeredKeyedStateBackend(
                        RocksDBStore.open(
                                "restore-bench",
                                root.resolve("source"),
                                LayeredKeyedStateBackend.tableNames(descriptors),
                                shared),
                        descriptors,
                        time(),
                        TtlCleanupSettings.DEFAULTS)) {
                    ValueState<byte[]> value = state.valueState(blob);
                    for (long i = 0; i < entries; i++) {
                        state.setCurrentKey(key(i));
                        value.update(value(i));
                        if ((i + 1) % RESTORE_BATCH == 0) {
                            state.commit(i + 1);
                        }
                    }
                    state.commit(entries);
                    System.out.printf(
                            Locale.ROOT,
                            "[restore] wrote %,d values of %,d bytes in %.1f s%n",
                            entries,
                            VALUE_BYTES,
                            seconds(System.nanoTime() - buildStart));
                    RocksDBStore backend = (RocksDBStore) state.store();
                    backend.flush();
                    // Where a snapshot's time goes: a memtable of a partition's share of the
                    // service's write buffers (32 MiB over 8 partitions), flushed alone, then the snapshot.
                    long extra = (4L << 20) / VALUE_BYTES;
                    for (long i = entries; i < entries + extra; i++) {
                        state.setCurrentKey(key(i));
                        value.update(value(i));
                        if ((i + 1) % RESTORE_BATCH == 0) {
                            state.commit(i + 1);
                        }
                    }
                    entries += extra;
                    state.commit(entries);
                    long flushStart = System.nanoTime();
                    backend.flush();
                    long flushNanos = System.nanoTime() - flushStart;

                    // Checkpoint it with the project's checkpointer.
                    Checkpointer checkpointer = TestCheckpointers.checkpointer(
                            partition,
                            store,
                            1,
                            root.resolve("local-checkpoints"),
                            TestCheckpointers.settings(3, Duration.ofMinutes(15)),
                            uploads,
                            retries,
                            InstantSource.system());
                    long snapshotStart = System.nanoTime();
                    var upload = checkpointer.checkpointNow(state);
                    long snapshotNanos = System.nanoTime() - snapshotStart;
                    long uploadStart = System.nanoTime();
                    if (upload == null || !upload.get(30, TimeUnit.MINUTES)) {
                        throw new IllegalStateException("The checkpoint of the restore partition was not published");
                    }
                    long uploadNanos = System.nanoTime() - uploadStart;
                    checkpointer.close();
                    latestId = new OwnershipFence(store, layout.partitionPrefix())
                            .read()
                            .orElseThrow()
                            .checkpoint();
                    System.out.printf(
                            Locale.ROOT,
                            "[restore] checkpoint taken in %.0f ms, uploaded in %.1f s%n",
                            snapshotNanos / 1e6,
                            seconds(uploadNanos));
                    notes.add(String.format(
                            Locale.ROOT,
                            "Restore partition: flushing a 4 MiB memtable took %.1f ms; a snapshot on the "
                                    + "calling thread right after it (Checkpointer.checkpointNow: drain, flush with nothing left, RocksDB "
                                    + "checkpoint) %.1f ms; the upload %.1f s with one upload thread.",
                            flushNanos / 1e6,
                            snapshotNanos / 1e6,
                            seconds(uploadNanos)));
                }
                Directories.deleteRecursively(root.resolve("source"));

                CheckpointManifest manifest = manifestOf(store, layout, latestId);
                long bytes = manifest.totalBytes();
                System.out.printf(
                        Locale.ROOT,
                        "[restore] checkpoint %d: %d files, %,d bytes; %d download threads%n",
                        latestId,
                        manifest.files().size(),
                        bytes,
                        restoreThreads);

                // Alternate: restore, raw, raw, restore, ...
                long restoreNanos = 0;
                long rawNanos = 0;
                List<String> roundRates = new ArrayList<>();
                boolean checked = false;
                for (int round = 0; round < restoreRounds; round++) {
                    boolean restoreFirst = round % 2 == 0;
                    for (int step = 0; step < 2; step++) {
                        boolean viaRestorer = (step == 0) == restoreFirst;
                        Path target = root.resolve((viaRestorer ? "restored-" : "raw-") + round);
                        long nanos;
                        if (viaRestorer) {
                            nanos = timeRestore(store, downloads, partition, layout, latestId, manifest, target);
                            restoreNanos += nanos;
                            if (!checked) {
                                check(target, descriptors, blob, shared, entries);
                                checked = true;
                            }
                        } else {
                            nanos = timeRawDownload(store, downloads, manifest, target);
                            rawNanos += nanos;
                        }
                        String rate = String.format(
                                Locale.ROOT,
                                "%s %.0f MB/s",
                                viaRestorer ? "restore" : "raw",
                                bytes / 1e6 / seconds(nanos));
                        roundRates.add(rate);
                        System.out.printf(
                                Locale.ROOT, "[restore] round %d: %s (%.2f s)%n", round + 1, rate, seconds(nanos));
                        Directories.deleteRecursively(target);
                    }
                }
                double restoreRate = bytes * restoreRounds / seconds(restoreNanos);
                double rawRate = bytes * restoreRounds / seconds(rawNanos);
                double ratio = restoreRate / rawRate;
                row(
                        "restore partition: checkpoint size (files)",
                        String.format(
                                Locale.ROOT,
                                "%,d bytes (%d files)",
                                bytes,
                                manifest.files().size()),
                        "");
                row(
                        "restore rate, CheckpointRestorer (" + restoreThreads + " threads)",
                        String.format(Locale.ROOT, "%.0f MB/s", restoreRate / 1e6),
                        "");
                row(
                        "raw download rate, ObjectStore.download (" + restoreThreads + " threads)",
                        String.format(Locale.ROOT, "%.0f MB/s", rawRate / 1e6),
                        "");
                row(
                        "**restore rate / raw download rate**",
                        String.format(Locale.ROOT, "**%.3f**", ratio),
                        aim(ratio >= 0.70, "≥ 0.70"));
                notes.add("Restore rounds in order: " + String.join(", ", roundRates) + ".");
            }
        } finally {
            downloads.shutdownNow();
            uploads.shutdownNow();
            retries.shutdownNow();
            Directories.deleteRecursively(root);
        }
    }

    private static EventTimeClock time() {
        return new EventTimeClock(InstantSource.system(), Duration.ofMinutes(5), true, Duration.ofMinutes(5));
    }

    private static byte[] key(long i) {
        return String.format(Locale.ROOT, "key-%012d", i).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(long i) {
        byte[] value = new byte[VALUE_BYTES];
        new SplittableRandom(VALUE_SEED ^ i).nextBytes(value);
        return value;
    }

    private static CheckpointManifest manifestOf(ObjectStore store, CheckpointLayout layout, long checkpointId) {
        String key =
                layout.partitionPrefix() + "/checkpoints/" + String.format("%019d", checkpointId) + "/manifest.json";
        return CheckpointManifest.fromJson(
                store.get(key).orElseThrow(() -> new IllegalStateException("No manifest at " + key)));
    }

    private static long timeRestore(
            ObjectStore store,
            ExecutorService downloads,
            TopicPartition partition,
            CheckpointLayout layout,
            long latestId,
            CheckpointManifest manifest,
            Path target) {
        CheckpointRestorer restorer = TestCheckpointers.restorer(store, downloads);
        long start = System.nanoTime();
        CheckpointRestorer.Outcome outcome =
                restorer.restore(partition, layout, latestId, List.of(latestId), -1, target, () -> {});
        long nanos = System.nanoTime() - start;
        if (outcome.source() != CheckpointRestorer.Source.REMOTE || outcome.bytes() != manifest.totalBytes()) {
            throw new IllegalStateException("Restore did not download the checkpoint: " + outcome);
        }
        return nanos;
    }

    private static long timeRawDownload(
            ObjectStore store, ExecutorService downloads, CheckpointManifest manifest, Path target) throws IOException {
        Files.createDirectories(target);
        long start = System.nanoTime();
        List<CompletableFuture<Void>> files = new ArrayList<>();
        for (CheckpointManifest.FileEntry file : manifest.files()) {
            files.add(CompletableFuture.runAsync(
                    () -> store.download(file.key(), target.resolve(file.name())), downloads));
        }
        CompletableFuture.allOf(files.toArray(CompletableFuture[]::new)).join();
        long nanos = System.nanoTime() - start;
        long bytes = 0;
        for (CheckpointManifest.FileEntry file : manifest.files()) {
            bytes += Files.size(target.resolve(file.name()));
        }
        if (bytes != manifest.totalBytes()) {
            throw new IllegalStateException(
                    "Raw download has " + bytes + " bytes, the manifest " + manifest.totalBytes());
        }
        return nanos;
    }

    /** Opens the restored state and checks its position and a sample of values. */
    private static void check(
            Path restored,
            List<StateDescriptor<?>> descriptors,
            StateDescriptor<ValueState<byte[]>> blob,
            RocksDBSharedResources shared,
            long entries) {
        try (LayeredKeyedStateBackend state = new LayeredKeyedStateBackend(
                RocksDBStore.open("restored", restored, LayeredKeyedStateBackend.tableNames(descriptors), shared),
                descriptors,
                time(),
                TtlCleanupSettings.DEFAULTS)) {
            if (state.position().orElse(-1) != entries) {
                throw new IllegalStateException("Restored position " + state.position() + ", expected " + entries);
            }
            ValueState<byte[]> value = state.valueState(blob);
            SplittableRandom random = new SplittableRandom(7);
            for (int n = 0; n < RESTORE_CHECKED; n++) {
                long i = n == 0 ? entries - 1 : random.nextLong(entries);
                state.setCurrentKey(key(i));
                if (!Arrays.equals(value.value(), value(i))) {
                    throw new IllegalStateException("Restored value of entry " + i + " differs");
                }
            }
            state.abort();
        }
        System.out.printf(
                Locale.ROOT,
                "[restore] restored state opened: position %,d, %,d sampled values match%n",
                entries,
                RESTORE_CHECKED);
    }

    // ---- Output -------------------------------------------------------------------------------------

    private void row(String figure, String value, String aim) {
        rows.add(new String[] {figure, value, aim});
    }

    private static String aim(boolean met, String aim) {
        return aim + (met ? ": met" : ": not met");
    }

    private void report() throws IOException {
        StringBuilder text = new StringBuilder();
        text.append(String.format(
                Locale.ROOT,
                "%nCheckpoint benchmark: %,d events, %,d users, %d partitions, interval %s, restore partition %,d MiB, %d download threads%n%n",
                events,
                users,
                partitions,
                interval,
                restoreBytes >> 20,
                restoreThreads));
        text.append("| figure | value | aim |\n|---|---|---|\n");
        for (String[] row : rows) {
            text.append("| ")
                    .append(row[0])
                    .append(" | ")
                    .append(row[1])
                    .append(" | ")
                    .append(row[2])
                    .append(" |\n");
        }
        for (String note : notes) {
            text.append('\n').append(note).append('\n');
        }
        System.out.print(text);
        Files.writeString(out.resolve("checkpoint.txt"), text, StandardCharsets.UTF_8);
        System.out.println("written to " + out.resolve("checkpoint.txt"));
    }

    private static String millis(double seconds) {
        return Double.isNaN(seconds) ? "n/a" : String.format(Locale.ROOT, "%.3f ms", seconds * 1000);
    }

    private static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] sorted =
                values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static ThreadFactory daemon(String prefix) {
        return DaemonThreads.named(prefix);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
