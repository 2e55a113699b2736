package io.loginstate.bench;

import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.api.CleanupStrategy;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.Serializers;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.TimeCharacteristic;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.api.ValueState;
import io.loginstate.state.plain.ValueFormat;
import io.loginstate.state.rocksdb.RocksDBSharedResources;
import io.loginstate.state.rocksdb.RocksDBStore;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.support.Directories;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import jdk.jfr.Recording;

/**
 * Read-modify-write of one value state on RocksDB, as the login handler does it, with and without
 * TTL, in one run: batches of operations, each picking a user from a Zipf distribution, reading the
 * user's value, incrementing a counter in it and writing it back; after each batch the incremental
 * TTL cleanup and the commit. Three variants, each on its own fresh RocksDB directory: no TTL, TTL
 * in processing time, TTL in event time (event time advances 1 ms per operation). The TTL is long
 * enough that nothing expires, so the difference is the steady-state cost of stamping values and
 * keeping the expiry index. Every user is stored once before the warm-up, so the stores keep the
 * same size while measured.
 *
 * <p>Every variant applies the same key sequences. The variants take turns in slices of a few
 * tens of thousands of operations, each on its own thread, so load from other processes on the
 * machine falls on all of them alike. Prints ops/s per round, the median per variant and the
 * ratios TTL / no TTL, and writes them to {@code target/bench/state-ttl.txt}.
 *
 * <p>System properties: {@code bench.state.ops} operations per round (default 1,000,000),
 * {@code bench.state.users} (125,000: one partition's share of the pipeline benchmark's 1,000,000
 * users over 8 partitions), {@code bench.state.rounds} measured rounds (3),
 * {@code bench.state.warmup} operations before measuring (= ops), {@code bench.state.batch} (500),
 * {@code bench.state.slice} operations per turn (50,000), {@code bench.state.payload} value bytes
 * (32, about the user aggregate), {@code bench.state.cache-mb} and {@code bench.state.write-buffer-mb}
 * RocksDB block cache and write buffers of each variant (64 and 32, the service's defaults),
 * {@code bench.state.variants} (no-ttl,processing-time,event-time),
 * {@code bench.state.profile} (false: when true the measured rounds run under Java Flight Recorder
 * and the hottest frames of each variant's thread are printed).
 */
public final class StateTtlBenchmark {

    private static final String STATE = "users";
    private static final double ZIPF_EXPONENT = 1.0;
    /** Far longer than the run: nothing expires. */
    private static final Duration TTL = Duration.ofDays(30);
    /** The service's default for event time. */
    private static final Duration ALLOWED_LATENESS = Duration.ofMinutes(5);
    /** Users whose counters are checked after the run: the hottest ones and every n-th. */
    private static final int CHECK_HOTTEST = 1_000;

    private static final int CHECK_STRIDE = 97;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    enum Variant {
        NO_TTL("no TTL", null),
        PROCESSING_TIME("TTL processing time", TtlConfig.of(TTL)),
        EVENT_TIME("TTL event time", TtlConfig.of(TTL).withTimeCharacteristic(TimeCharacteristic.EVENT_TIME));

        final String label;
        final TtlConfig ttl;

        Variant(String label, TtlConfig ttl) {
            this.label = label;
            this.ttl = ttl;
        }

        String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private final long opsPerRound;
    private final int users;
    private final int rounds;
    private final long warmupOps;
    private final int batchSize;
    private final int sliceOps;
    private final int payloadBytes;
    private final long blockCacheBytes;
    private final long writeBufferBytes;
    private final boolean profile;
    private final List<Variant> variants = new ArrayList<>();
    private final byte[][] keys;
    private final Path out = Path.of("target", "bench");
    private final List<String> report = new ArrayList<>();

    private StateTtlBenchmark() {
        opsPerRound = Long.getLong("bench.state.ops", 1_000_000);
        users = Integer.getInteger("bench.state.users", 125_000);
        rounds = Integer.getInteger("bench.state.rounds", 3);
        warmupOps = Long.getLong("bench.state.warmup", opsPerRound);
        batchSize = Integer.getInteger("bench.state.batch", 500);
        payloadBytes = Integer.getInteger("bench.state.payload", 32);
        // The service's defaults (there shared by all partitions): the default store fits in the cache.
        blockCacheBytes = Long.getLong("bench.state.cache-mb", 64) << 20;
        writeBufferBytes = Long.getLong("bench.state.write-buffer-mb", 32) << 20;
        profile = Boolean.getBoolean("bench.state.profile");
        if (opsPerRound < 1
                || opsPerRound > Integer.MAX_VALUE
                || users < 1
                || rounds < 1
                || warmupOps < 0
                || warmupOps > Integer.MAX_VALUE
                || batchSize < 1
                || payloadBytes < Long.BYTES) {
            throw new IllegalArgumentException("bench.state.*: ops and warmup 1.." + Integer.MAX_VALUE
                    + ", users, rounds and batch >= 1, payload >= 8");
        }
        // Whole batches per turn.
        sliceOps = Math.max(1, Integer.getInteger("bench.state.slice", 50_000) / batchSize) * batchSize;
        for (String id : System.getProperty("bench.state.variants", "no-ttl,processing-time,event-time")
                .split(",")) {
            variants.add(Variant.valueOf(id.trim().toUpperCase(Locale.ROOT).replace('-', '_')));
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
        line(
                "%,d ops per round x %d rounds after %,d warm-up ops; %,d users, each stored once before the warm-up,"
                        + " drawn from a Zipf distribution (s = %.1f)",
                opsPerRound, rounds, warmupOps, users, ZIPF_EXPONENT);
        line(
                "batches of %d ops, each followed by cleanupIncrementally() and commit(); %d-byte values; TTL %d days;"
                        + " variants take turns every %,d ops; RocksDB block cache %d MB, write buffers %d MB per variant",
                batchSize, payloadBytes, TTL.toDays(), sliceOps, blockCacheBytes >> 20, writeBufferBytes >> 20);
        line(
                "JVM %s, %d processors",
                System.getProperty("java.vm.version"), Runtime.getRuntime().availableProcessors());
        ZipfSampler zipf = new ZipfSampler(users, ZIPF_EXPONENT);
        int[] warmup = ranks(zipf, (int) warmupOps, 0);
        Path work = Files.createTempDirectory("login-state-ttl-bench");
        List<Store> stores = new ArrayList<>();
        try {
            for (Variant variant : variants) {
                stores.add(new Store(variant, work.resolve(variant.id())));
            }
            // Every user written once first, so the stores have their full size from the start.
            long loadStart = System.nanoTime();
            int[] everyUser = new int[users];
            Arrays.setAll(everyUser, i -> i + 1);
            runRound(stores, everyUser, 0);
            System.out.printf(
                    Locale.ROOT,
                    "loaded %,d users into each store in %.1f s%n",
                    users,
                    (System.nanoTime() - loadStart) / 1e9);
            if (warmup.length > 0) {
                Phases[] phases = runRound(stores, warmup, 0);
                for (int i = 0; i < stores.size(); i++) {
                    System.out.printf(
                            Locale.ROOT,
                            "warm-up  %-20s %s ops/s%n",
                            stores.get(i).variant.label,
                            rate(phases[i].opsPerSecond(), 9));
                }
            }
            Recording recording = profile ? startRecording() : null;
            for (int round = 1; round <= rounds; round++) {
                // A new key sequence per round, the same for every variant.
                Phases[] phases = runRound(stores, ranks(zipf, (int) opsPerRound, round), round);
                for (int i = 0; i < stores.size(); i++) {
                    Phases p = phases[i];
                    stores.get(i).rounds.add(p);
                    System.out.printf(
                            Locale.ROOT,
                            "round %d  %-20s %s ops/s  (apply %.0f%%, cleanup %.0f%%, commit %.0f%%;"
                                    + " %.2f us CPU per op)%n",
                            round,
                            stores.get(i).variant.label,
                            rate(p.opsPerSecond(), 9),
                            share(p.applyNanos, p),
                            share(p.cleanupNanos, p),
                            share(p.commitNanos, p),
                            micros(p.cpuNanos, p.ops));
                }
            }
            if (recording != null) {
                Path jfr = out.resolve("state-ttl.jfr");
                recording.stop();
                recording.dump(jfr);
                recording.close();
                for (Store store : stores) {
                    System.out.printf(Locale.ROOT, "%n%s%n", store.variant.label);
                    HotMethods.printFrames(jfr, store.threadName(), 20);
                }
            }
            for (Store store : stores) {
                store.check();
            }
        } finally {
            for (Store store : stores) {
                store.close();
            }
            Directories.deleteRecursively(work);
        }
        summarize(stores);
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

    /** Applies the sequence to every store, the stores taking turns slice by slice in rotating order. */
    private Phases[] runRound(List<Store> stores, int[] ranks, int round)
            throws InterruptedException, ExecutionException {
        Phases[] phases = new Phases[stores.size()];
        for (int i = 0; i < phases.length; i++) {
            phases[i] = new Phases();
        }
        int slice = 0;
        for (int from = 0; from < ranks.length; from += sliceOps, slice++) {
            int to = Math.min(from + sliceOps, ranks.length);
            for (int turn = 0; turn < stores.size(); turn++) {
                int i = (turn + slice + round) % stores.size();
                stores.get(i).apply(ranks, from, to, phases[i]);
            }
        }
        for (Store store : stores) {
            store.counted(ranks);
        }
        return phases;
    }

    /** Where the time of one variant's round went. */
    private static final class Phases {
        long ops;
        long applyNanos;
        long cleanupNanos;
        long commitNanos;
        long cpuNanos;

        long totalNanos() {
            return applyNanos + cleanupNanos + commitNanos;
        }

        double opsPerSecond() {
            return ops / (totalNanos() / 1e9);
        }

        void add(Phases other) {
            ops += other.ops;
            applyNanos += other.applyNanos;
            cleanupNanos += other.cleanupNanos;
            commitNanos += other.commitNanos;
            cpuNanos += other.cpuNanos;
        }
    }

    /** One variant: its store on a fresh directory, used only from its own thread. */
    private final class Store implements AutoCloseable {
        final Variant variant;
        final ExecutorService thread;
        final RocksDBSharedResources shared = new RocksDBSharedResources(blockCacheBytes, writeBufferBytes);
        final EventTimeClock time =
                new EventTimeClock(InstantSource.system(), ALLOWED_LATENESS, true, Duration.ofMinutes(5));
        final Path directory;
        final LayeredKeyedStateBackend state;
        final ValueState<byte[]> value;
        final int[] expectedCounts = new int[users];
        final List<Phases> rounds = new ArrayList<>();
        long storeBytes;
        long position;
        long eventTime = System.currentTimeMillis();

        Store(Variant variant, Path directory) {
            this.variant = variant;
            this.directory = directory;
            StateDescriptor<ValueState<byte[]>> descriptor =
                    StateDescriptor.value(STATE, Serializers.BYTES).withTtl(variant.ttl);
            List<StateDescriptor<?>> descriptors = List.of(descriptor);
            RocksDBStore backend = null;
            try {
                backend = RocksDBStore.open(
                        variant.id(), directory, LayeredKeyedStateBackend.tableNames(descriptors), shared);
                state = new LayeredKeyedStateBackend(backend, descriptors, time, TtlCleanupSettings.DEFAULTS);
            } catch (RuntimeException e) {
                if (backend != null) {
                    backend.close();
                }
                shared.close();
                throw e;
            }
            value = state.valueState(descriptor);
            thread = Executors.newSingleThreadExecutor(task -> new Thread(task, threadName()));
        }

        String threadName() {
            return "state-ttl-" + variant.id();
        }

        /** Applies operations {@code from..to} of the sequence on the store's thread, in batches as the service does. */
        void apply(int[] ranks, int from, int to, Phases phases) throws InterruptedException, ExecutionException {
            Future<Phases> slice = thread.submit(() -> applySlice(ranks, from, to));
            phases.add(slice.get());
        }

        private Phases applySlice(int[] ranks, int from, int to) {
            Phases phases = new Phases();
            boolean eventTimeVariant = variant == Variant.EVENT_TIME;
            long cpuBefore = THREADS.getCurrentThreadCpuTime();
            for (int start = from; start < to; start += batchSize) {
                int end = Math.min(start + batchSize, to);
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
            phases.cpuNanos = THREADS.getCurrentThreadCpuTime() - cpuBefore;
            phases.ops = to - from;
            return phases;
        }

        void counted(int[] ranks) {
            for (int rank : ranks) {
                expectedCounts[rank - 1]++;
            }
        }

        /** Checks a sample of counters and that nothing expired: the TTL must not have changed any result. */
        void check() throws InterruptedException, ExecutionException {
            int checked = thread.submit(() -> {
                        int count = 0;
                        for (int rank = 1; rank <= users; rank++) {
                            if (rank > CHECK_HOTTEST && rank % CHECK_STRIDE != 0) {
                                continue;
                            }
                            state.setCurrentKey(keys[rank - 1]);
                            byte[] current = value.value();
                            long actual = current == null ? 0 : ValueFormat.getLong(current, 0);
                            if (actual != expectedCounts[rank - 1]) {
                                throw new IllegalStateException(variant.label + ": user " + rank + " has count "
                                        + actual + ", expected " + expectedCounts[rank - 1]);
                            }
                            count++;
                        }
                        return count;
                    })
                    .get();
            for (CleanupStrategy strategy : CleanupStrategy.values()) {
                if (state.ttlMetrics().removed(strategy) != 0) {
                    throw new IllegalStateException(
                            variant.label + ": entries expired (" + strategy.tag() + "); the TTL must outlast the run");
                }
            }
            System.out.printf(Locale.ROOT, "%s: %,d counters checked, nothing expired%n", variant.label, checked);
        }

        Phases total() {
            Phases total = new Phases();
            rounds.forEach(total::add);
            return total;
        }

        double median() {
            double[] rates =
                    rounds.stream().mapToDouble(Phases::opsPerSecond).sorted().toArray();
            int middle = rates.length / 2;
            return rates.length % 2 == 1 ? rates[middle] : (rates[middle - 1] + rates[middle]) / 2;
        }

        /** Closes the store (flushing it) and records the size of its files. */
        @Override
        public void close() {
            thread.shutdown();
            try {
                state.close();
                storeBytes = directorySize(directory);
            } finally {
                shared.close();
            }
        }
    }

    private static Recording startRecording() {
        Recording recording = new Recording();
        recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
        recording.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(10));
        recording.start();
        return recording;
    }

    private void summarize(List<Store> stores) {
        line("");
        line(
                "%-20s %s %12s %12s %9s %9s %9s %9s %9s",
                "variant",
                roundHeaders(),
                "median ops/s",
                "all rounds",
                "apply",
                "cleanup",
                "commit",
                "CPU",
                "store MB");
        for (Store store : stores) {
            StringBuilder perRound = new StringBuilder();
            for (Phases phases : store.rounds) {
                perRound.append(' ').append(rate(phases.opsPerSecond(), 12));
            }
            Phases total = store.total();
            line(
                    "%-20s%s %s %s %7.2fus %7.2fus %7.2fus %7.2fus %9.1f",
                    store.variant.label,
                    perRound,
                    rate(store.median(), 12),
                    rate(total.opsPerSecond(), 12),
                    micros(total.applyNanos, total.ops),
                    micros(total.cleanupNanos, total.ops),
                    micros(total.commitNanos, total.ops),
                    micros(total.cpuNanos, total.ops),
                    store.storeBytes / 1e6);
        }
        line("(all rounds: ops over the time of every measured round; apply, cleanup, commit: wall time per op;"
                + " CPU: the applying thread's CPU time per op; store: size of the files after close)");
        Store baseline = stores.stream()
                .filter(store -> store.variant == Variant.NO_TTL)
                .findFirst()
                .orElse(null);
        if (baseline == null) {
            return;
        }
        line("");
        for (Store store : stores) {
            if (store == baseline) {
                continue;
            }
            double ratio = store.median() / baseline.median();
            double overall = store.total().opsPerSecond() / baseline.total().opsPerSecond();
            double cpu = (double) baseline.total().cpuNanos / store.total().cpuNanos;
            line(
                    "ratio %-19s / no TTL: %.3f (median), TTL overhead %.1f%%;  all rounds %.3f (%.1f%%);  by CPU time %.3f (%.1f%%)",
                    store.variant.label, ratio, 100 * (1 - ratio), overall, 100 * (1 - overall), cpu, 100 * (1 - cpu));
        }
    }

    private String roundHeaders() {
        StringBuilder headers = new StringBuilder();
        for (int round = 1; round <= rounds; round++) {
            headers.append(String.format(Locale.ROOT, "%12s", "round " + round)).append(round < rounds ? " " : "");
        }
        return headers.toString();
    }

    private static String rate(double opsPerSecond, int width) {
        return String.format(Locale.ROOT, "%" + width + "s", String.format(Locale.ROOT, "%,.0f", opsPerSecond));
    }

    private static double share(long nanos, Phases phases) {
        return 100.0 * nanos / phases.totalNanos();
    }

    private static double micros(long nanos, long ops) {
        return nanos / 1e3 / ops;
    }

    private static long directorySize(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(path -> path.toFile().length())
                    .sum();
        } catch (IOException e) {
            return -1;
        }
    }

    private void line(String format, Object... args) {
        String text = String.format(Locale.ROOT, format, args);
        System.out.println(text);
        report.add(text);
    }
}
