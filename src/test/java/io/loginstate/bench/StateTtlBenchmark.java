package io.loginstate.bench;

import io.loginstate.state.KeyedStateBackend;
import io.loginstate.state.ValueFormat;
import io.loginstate.state.api.Serializers;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.ValueState;
import io.loginstate.state.rocksdb.RocksDBSharedResources;
import io.loginstate.state.rocksdb.RocksDBStateBackend;
import io.loginstate.state.ttl.CleanupStrategy;
import io.loginstate.state.ttl.TimeCharacteristic;
import io.loginstate.state.ttl.TtlConfig;
import io.loginstate.state.ttl.TtlSettings;
import io.loginstate.state.ttl.TtlTimeService;
import io.loginstate.testing.TestFiles;
import jdk.jfr.Recording;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Read-modify-write of one value state on RocksDB, as the login handler does it, with and without
 * TTL, in one run: batches of operations, each picking a user from a Zipf distribution, reading the
 * user's value, incrementing a counter in it and writing it back; after each batch the incremental
 * TTL cleanup and the commit. Three variants, each on a fresh RocksDB directory: no TTL, TTL in
 * processing time, TTL in event time (the event time advances 1 ms per operation). The TTL is long
 * enough that nothing expires, so the difference is the steady-state cost of stamping values and
 * keeping the expiry index. Prints ops/s per round, the median per variant and the ratios TTL /
 * no TTL, and writes them to {@code target/bench/state-ttl.txt}.
 *
 * <p>System properties: {@code bench.state.ops} operations per round (default 1,500,000),
 * {@code bench.state.users} (1,000,000), {@code bench.state.rounds} measured rounds (3),
 * {@code bench.state.warmup} operations before measuring (= ops), {@code bench.state.batch} (500),
 * {@code bench.state.payload} value bytes (32, like the user aggregate), {@code bench.state.profile}
 * (false: when true the measured rounds run under Java Flight Recorder and the hottest frames of
 * each variant are printed).
 */
public final class StateTtlBenchmark {

    private static final String STATE = "users";
    private static final double ZIPF_EXPONENT = 1.0;
    /** Far longer than the run: nothing expires. */
    private static final Duration TTL = Duration.ofDays(30);
    /** The service's defaults for event time and RocksDB memory. */
    private static final Duration ALLOWED_LATENESS = Duration.ofMinutes(5);
    private static final long BLOCK_CACHE_BYTES = 64L << 20;
    private static final long WRITE_BUFFER_BYTES = 32L << 20;
    /** Users whose counters are checked after each variant: the hottest ones and every n-th. */
    private static final int CHECK_HOTTEST = 1_000;
    private static final int CHECK_STRIDE = 97;

    enum Variant {
        NO_TTL("no TTL", null),
        PROCESSING_TIME("TTL, processing time", TtlConfig.of(TTL)),
        EVENT_TIME("TTL, event time", TtlConfig.of(TTL).withTimeCharacteristic(TimeCharacteristic.EVENT_TIME));

        final String label;
        final TtlConfig ttl;

        Variant(String label, TtlConfig ttl) {
            this.label = label;
            this.ttl = ttl;
        }
    }

    private final long opsPerRound;
    private final int users;
    private final int rounds;
    private final long warmupOps;
    private final int batchSize;
    private final int payloadBytes;
    private final boolean profile;
    private final byte[][] keys;
    private final Path out = Path.of("target", "bench");
    private final List<String> report = new ArrayList<>();

    private StateTtlBenchmark() {
        opsPerRound = Long.getLong("bench.state.ops", 1_500_000);
        users = Integer.getInteger("bench.state.users", 1_000_000);
        rounds = Integer.getInteger("bench.state.rounds", 3);
        warmupOps = Long.getLong("bench.state.warmup", opsPerRound);
        batchSize = Integer.getInteger("bench.state.batch", 500);
        payloadBytes = Integer.getInteger("bench.state.payload", 32);
        profile = Boolean.getBoolean("bench.state.profile");
        if (opsPerRound < 1 || opsPerRound > Integer.MAX_VALUE || users < 1 || rounds < 1 || warmupOps < 0
                || warmupOps > Integer.MAX_VALUE || batchSize < 1 || payloadBytes < Long.BYTES) {
            throw new IllegalArgumentException("bench.state.*: ops and warmup 1.." + Integer.MAX_VALUE
                    + ", users, rounds and batch >= 1, payload >= 8");
        }
        keys = new byte[users][];
        for (int rank = 1; rank <= users; rank++) {
            keys[rank - 1] = ("user-" + rank).getBytes(StandardCharsets.UTF_8);
        }
    }

    public static void main(String[] args) throws Exception {
        new StateTtlBenchmark().run();
    }

    private void run() throws Exception {
        Files.createDirectories(out);
        line("State TTL benchmark: value-state read-modify-write on RocksDB");
        line("%,d ops per round x %d rounds after %,d warm-up ops; %,d Zipf-distributed users (s = %.1f); "
                        + "batches of %d ops, each followed by cleanupIncrementally() and commit(); %d-byte values; TTL %s",
                opsPerRound, rounds, warmupOps, users, ZIPF_EXPONENT, batchSize, payloadBytes, TTL);
        line("JVM %s, %d processors", System.getProperty("java.vm.version"), Runtime.getRuntime().availableProcessors());
        // The same key sequences for every variant: the warm-up's, then one per round.
        ZipfSampler zipf = new ZipfSampler(users, ZIPF_EXPONENT);
        int[] warmup = ranks(zipf, (int) warmupOps, 0);
        int[][] measured = new int[rounds][];
        for (int round = 0; round < rounds; round++) {
            measured[round] = ranks(zipf, (int) opsPerRound, round + 1);
        }

        Map<Variant, Result> results = new EnumMap<>(Variant.class);
        Path work = Files.createTempDirectory("login-state-ttl-bench");
        try {
            for (Variant variant : Variant.values()) {
                results.put(variant, runVariant(variant, work.resolve(variant.name().toLowerCase(Locale.ROOT)), warmup, measured));
            }
        } finally {
            TestFiles.deleteRecursively(work);
        }
        summarize(results);
        Files.write(out.resolve("state-ttl.txt"), report, StandardCharsets.UTF_8);
        System.out.println("written to " + out.resolve("state-ttl.txt"));
    }

    private static int[] ranks(ZipfSampler zipf, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] ranks = new int[count];
        for (int i = 0; i < count; i++) {
            ranks[i] = zipf.sample(random);
        }
        return ranks;
    }

    /** Time spent in one round, split by phase. */
    private static final class Phases {
        long ops;
        long applyNanos;
        long cleanupNanos;
        long commitNanos;

        long totalNanos() {
            return applyNanos + cleanupNanos + commitNanos;
        }

        double opsPerSecond() {
            return ops / (totalNanos() / 1e9);
        }
    }

    private record Result(List<Phases> rounds, long storeBytes) {
        double median() {
            double[] rates = rounds.stream().mapToDouble(Phases::opsPerSecond).sorted().toArray();
            int middle = rates.length / 2;
            return rates.length % 2 == 1 ? rates[middle] : (rates[middle - 1] + rates[middle]) / 2;
        }
    }

    /** One variant's store and states, opened on a fresh directory. */
    private final class Store implements AutoCloseable {
        final Variant variant;
        final RocksDBSharedResources shared = new RocksDBSharedResources(BLOCK_CACHE_BYTES, WRITE_BUFFER_BYTES);
        final TtlTimeService time = new TtlTimeService(InstantSource.system(), ALLOWED_LATENESS, true);
        final KeyedStateBackend state;
        final ValueState<byte[]> value;
        final int[] expectedCounts = new int[users];
        long position;
        long eventTime = System.currentTimeMillis();

        Store(Variant variant, Path directory) {
            this.variant = variant;
            StateDescriptor<ValueState<byte[]>> descriptor = StateDescriptor.value(STATE, Serializers.BYTES).withTtl(variant.ttl);
            List<StateDescriptor<?>> descriptors = List.of(descriptor);
            RocksDBStateBackend backend = RocksDBStateBackend.open(variant.name(), directory,
                    KeyedStateBackend.tableNames(descriptors), shared);
            state = new KeyedStateBackend(backend, descriptors, time, TtlSettings.DEFAULTS);
            value = state.valueState(descriptor);
        }

        /** Applies the operations in batches as the service does; returns where the time went. */
        Phases apply(int[] ranks) {
            Phases phases = new Phases();
            boolean eventTimeVariant = variant == Variant.EVENT_TIME;
            for (int start = 0; start < ranks.length; start += batchSize) {
                int end = Math.min(start + batchSize, ranks.length);
                long began = System.nanoTime();
                for (int i = start; i < end; i++) {
                    if (eventTimeVariant) {
                        time.advance(eventTime++);
                    }
                    // A fresh key array per operation, as each consumed record brings its own.
                    state.setCurrentKey(keys[ranks[i] - 1].clone());
                    byte[] current = value.value();
                    if (current == null) {
                        current = new byte[payloadBytes];
                    }
                    ValueFormat.putLong(current, 0, ValueFormat.getLong(current, 0) + 1);
                    value.update(current);
                }
                long applied = System.nanoTime();
                state.cleanupIncrementally();
                long cleaned = System.nanoTime();
                position += end - start;
                state.commit(position);
                long committed = System.nanoTime();
                phases.applyNanos += applied - began;
                phases.cleanupNanos += cleaned - applied;
                phases.commitNanos += committed - cleaned;
            }
            phases.ops = ranks.length;
            for (int rank : ranks) {
                expectedCounts[rank - 1]++;
            }
            return phases;
        }

        /** Checks a sample of counters and that nothing expired; the TTL must not have changed any result. */
        void check() {
            int checked = 0;
            for (int rank = 1; rank <= users; rank++) {
                if (rank > CHECK_HOTTEST && rank % CHECK_STRIDE != 0) {
                    continue;
                }
                state.setCurrentKey(keys[rank - 1]);
                byte[] current = value.value();
                long actual = current == null ? 0 : ValueFormat.getLong(current, 0);
                if (actual != expectedCounts[rank - 1]) {
                    throw new IllegalStateException(variant.label + ": user " + rank + " has count " + actual
                            + ", expected " + expectedCounts[rank - 1]);
                }
                checked++;
            }
            for (CleanupStrategy strategy : CleanupStrategy.values()) {
                if (state.statistics().removed(strategy) != 0) {
                    throw new IllegalStateException(variant.label + ": entries expired (" + strategy.tag()
                            + "); the TTL must outlast the run");
                }
            }
            System.out.printf(Locale.ROOT, "  %s: %,d counters checked, nothing expired%n", variant.label, checked);
        }

        @Override
        public void close() {
            try {
                state.close();
            } finally {
                shared.close();
            }
        }
    }

    private Result runVariant(Variant variant, Path directory, int[] warmup, int[][] measured) throws IOException {
        System.out.printf(Locale.ROOT, "%n%s%n", variant.label);
        List<Phases> rounds = new ArrayList<>();
        try (Store store = new Store(variant, directory)) {
            if (warmup.length > 0) {
                Phases phases = store.apply(warmup);
                System.out.printf(Locale.ROOT, "  warm-up: %,.0f ops/s%n", phases.opsPerSecond());
            }
            Recording recording = profile ? startRecording() : null;
            for (int round = 0; round < measured.length; round++) {
                Phases phases = store.apply(measured[round]);
                rounds.add(phases);
                System.out.printf(Locale.ROOT, "  round %d: %,.0f ops/s  (apply %.0f%%, cleanup %.0f%%, commit %.0f%%)%n",
                        round + 1, phases.opsPerSecond(), share(phases.applyNanos, phases), share(phases.cleanupNanos, phases),
                        share(phases.commitNanos, phases));
            }
            if (recording != null) {
                Path jfr = out.resolve("state-ttl-" + variant.name().toLowerCase(Locale.ROOT) + ".jfr");
                recording.stop();
                recording.dump(jfr);
                recording.close();
                HotMethods.printFrames(jfr, Thread.currentThread().getName(), 20);
            }
            store.check();
        }
        return new Result(rounds, directorySize(directory));
    }

    private static Recording startRecording() {
        Recording recording = new Recording();
        recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
        recording.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(10));
        recording.start();
        return recording;
    }

    private void summarize(Map<Variant, Result> results) {
        line("");
        line("%-22s %s %12s %9s %9s %9s %12s", "variant", roundHeaders(), "median ops/s", "apply", "cleanup", "commit", "store MB");
        for (Map.Entry<Variant, Result> entry : results.entrySet()) {
            Result result = entry.getValue();
            StringBuilder perRound = new StringBuilder();
            Phases total = new Phases();
            for (Phases phases : result.rounds()) {
                perRound.append(String.format(Locale.ROOT, " %12s", String.format(Locale.ROOT, "%,.0f", phases.opsPerSecond())));
                total.ops += phases.ops;
                total.applyNanos += phases.applyNanos;
                total.cleanupNanos += phases.cleanupNanos;
                total.commitNanos += phases.commitNanos;
            }
            line("%-22s%s %12s %8.2fus %8.2fus %8.2fus %12.1f", entry.getKey().label, perRound,
                    String.format(Locale.ROOT, "%,.0f", result.median()), micros(total.applyNanos, total.ops),
                    micros(total.cleanupNanos, total.ops), micros(total.commitNanos, total.ops), result.storeBytes() / 1e6);
        }
        line("(apply, cleanup, commit: mean time per operation over the measured rounds; store: files after close)");
        double baseline = results.get(Variant.NO_TTL).median();
        line("");
        for (Variant variant : List.of(Variant.PROCESSING_TIME, Variant.EVENT_TIME)) {
            double ratio = results.get(variant).median() / baseline;
            line("ratio %-20s / no TTL: %.3f  (TTL overhead %.1f%%)", variant.label, ratio, 100 * (1 - ratio));
        }
    }

    private String roundHeaders() {
        StringBuilder headers = new StringBuilder();
        for (int round = 1; round <= rounds; round++) {
            headers.append(String.format(Locale.ROOT, "%12s", "round " + round)).append(round < rounds ? " " : "");
        }
        return headers.toString();
    }

    private static double share(long nanos, Phases phases) {
        return 100.0 * nanos / phases.totalNanos();
    }

    private static double micros(long nanos, long ops) {
        return nanos / 1e3 / ops;
    }

    private static long directorySize(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile).mapToLong(path -> path.toFile().length()).sum();
        }
    }

    private void line(String format, Object... args) {
        String text = String.format(Locale.ROOT, format, args);
        System.out.println(text);
        report.add(text);
    }
}
