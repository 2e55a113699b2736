package io.loginstate.state.ttl;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.state.Backends;
import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.api.CleanupStrategy;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.KeyedStateStore;
import io.loginstate.state.api.ListState;
import io.loginstate.state.api.MapState;
import io.loginstate.state.api.Serializers;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.StateVisibility;
import io.loginstate.state.api.TimeCharacteristic;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.api.TtlMetrics;
import io.loginstate.state.api.UpdateType;
import io.loginstate.state.api.ValueState;
import io.loginstate.state.store.ByteStore;
import io.loginstate.support.DaemonThreads;
import io.loginstate.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * TTL semantics of value, list and map states over every update type, visibility, time
 * characteristic and backend (the pattern of Flink's TtlStateTestBase). Times in the scenarios are
 * milliseconds relative to {@link #BASE} in the case's time characteristic, and every case takes a
 * snapshot and restores from it halfway through.
 */
class TtlStateMatrixTest {

    private static final long BASE = 1_700_000_000_000L;
    private static final Duration TTL = Duration.ofMillis(100);
    private static final TtlCleanupSettings SETTINGS = new TtlCleanupSettings(1000, Duration.ofHours(1));
    private static final String STATE = "ttl-state";
    private static final String MAP_KEY = "field";
    private static final String A = "user-a";
    private static final String B = "user-b";
    private static final String C = "user-c";
    private static final String D = "user-d";

    /** Read-view reads run here, as queries run on threads other than the processor's. */
    private static final ExecutorService QUERY_THREAD =
            Executors.newSingleThreadExecutor(DaemonThreads.named("ttl-matrix-query-"));

    @TempDir
    Path dir;

    @AfterAll
    static void stopQueryThread() {
        QUERY_THREAD.shutdownNow();
    }

    // ---------------------------------------------------------------------------------------------
    // The matrix

    /** One combination of the matrix. */
    record Case(
            Shape shape, UpdateType updateType, StateVisibility visibility, TimeCharacteristic time, Backends backend) {

        TtlConfig ttl() {
            return new TtlConfig(TTL, updateType, visibility, time);
        }

        boolean updatesOnRead() {
            return updateType == UpdateType.ON_READ_AND_WRITE;
        }

        boolean returnsExpired() {
            return visibility == StateVisibility.RETURN_EXPIRED_IF_NOT_CLEANED_UP;
        }

        @Override
        public String toString() {
            return shape.name().toLowerCase(Locale.ROOT) + " | " + updateType + " | " + visibility + " | " + time
                    + " | " + backend;
        }
    }

    static Stream<Case> allCases() {
        List<Case> cases = new ArrayList<>();
        for (Shape shape : Shape.values()) {
            for (UpdateType updateType : List.of(UpdateType.ON_CREATE_AND_WRITE, UpdateType.ON_READ_AND_WRITE)) {
                for (StateVisibility visibility : StateVisibility.values()) {
                    for (TimeCharacteristic time : TimeCharacteristic.values()) {
                        // The two stores the service runs on: the heap, and RocksDB behind its
                        // write-back cache (uncached RocksDB has its own store tests).
                        for (Backends backend : List.of(Backends.HEAP, Backends.CACHED_ROCKSDB)) {
                            cases.add(new Case(shape, updateType, visibility, time, backend));
                        }
                    }
                }
            }
        }
        return cases.stream();
    }

    static Stream<Case> listCases() {
        return allCases().filter(c -> c.shape() == Shape.LIST);
    }

    static Stream<Case> mapCases() {
        return allCases().filter(c -> c.shape() == Shape.MAP);
    }

    static Stream<Case> eventTimeCases() {
        return allCases().filter(c -> c.time() == TimeCharacteristic.EVENT_TIME);
    }

    // ---------------------------------------------------------------------------------------------
    // Scenarios over all 48 cases

    @ParameterizedTest(name = "{0}")
    @MethodSource("allCases")
    void readRefreshesTheStampOnlyWithOnReadAndWrite(Case c) {
        try (Harness h = new Harness(c)) {
            h.at(0).write(A, "v1");
            h.commit();
            h.at(50);
            assertThat(h.read(A)).isEqualTo("v1");
            h.commit();
            h.at(60).snapshotAndRestore();

            h.at(120);
            if (c.updatesOnRead()) {
                assertThat(h.read(A))
                        .as("the read at 50 moved the expiry to 150")
                        .isEqualTo("v1");
                h.commit();
                h.at(219);
                assertThat(h.read(A))
                        .as("the read at 120 moved the expiry to 220")
                        .isEqualTo("v1");
                h.commit();
                h.at(319);
            }
            assertExpiredRead(c, h, A, "v1");
            h.commit();
            assertThat(h.storedEntries())
                    .as("the expired entry was removed by the read")
                    .isZero();
            assertThat(h.statistics().removed(CleanupStrategy.ON_ACCESS)).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allCases")
    void overwriteRestampsWithEitherUpdateType(Case c) {
        try (Harness h = new Harness(c)) {
            h.at(0).write(A, "v1");
            h.commit();
            h.at(50).write(A, "v2");
            h.commit();
            h.at(60).snapshotAndRestore();

            h.at(120);
            assertThat(h.read(A))
                    .as("stamped at 50 by the overwrite, so not expired at 120")
                    .isEqualTo("v2");
            h.commit();
            long expiresAt = c.updatesOnRead() ? 220 : 150;
            h.at(expiresAt - 1);
            assertThat(h.viewRead(A)).isEqualTo("v2");
            h.at(expiresAt);
            assertExpiredRead(c, h, A, "v2");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allCases")
    void incrementalCleanupPhysicallyRemovesExpiredEntries(Case c) {
        try (Harness h = new Harness(c)) {
            h.at(0).write(A, "a");
            h.commit();
            h.at(80).write(B, "b");
            h.commit();
            h.at(90).snapshotAndRestore();
            assertThat(h.storedEntries()).isEqualTo(2);

            h.at(120);
            assertThat(h.keyed().cleanupIncrementally()).isPositive();
            h.commit();
            assertThat(h.statistics().removed(CleanupStrategy.INCREMENTAL)).isEqualTo(1);
            assertThat(h.storedEntries()).as("only B is left").isEqualTo(1);
            assertThat(h.read(A))
                    .as("cleaned up, so not returned whatever the visibility")
                    .isNull();
            assertThat(h.read(B)).isEqualTo("b");
            assertThat(h.statistics().removed(CleanupStrategy.ON_ACCESS)).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allCases")
    void snapshotDrainsExpiredEntries(Case c) {
        try (Harness h = new Harness(c)) {
            h.at(0).write(A, "a");
            h.commit();
            h.at(50).write(B, "b");
            h.commit();

            h.at(120);
            Path snapshot = h.snapshot();
            assertThat(h.statistics().removed(CleanupStrategy.ON_SNAPSHOT)).isEqualTo(1);
            h.restoreFrom(snapshot, h.descriptor());

            h.at(120);
            assertThat(h.storedEntries()).as("the snapshot holds B only").isEqualTo(1);
            assertThat(h.read(A))
                    .as("drained by the snapshot, so not returned whatever the visibility")
                    .isNull();
            assertThat(h.read(B)).isEqualTo("b");
            assertThat(h.statistics().removed(CleanupStrategy.ON_ACCESS)).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allCases")
    void readViewFiltersButNeverRefreshesNorRemoves(Case c) {
        try (Harness h = new Harness(c)) {
            h.at(0).write(A, "v1");
            h.commit();
            h.at(50);
            assertThat(h.viewRead(A)).isEqualTo("v1");
            h.at(60).snapshotAndRestore();

            h.at(99);
            assertThat(h.viewRead(A)).isEqualTo("v1");
            h.at(100);
            String expected = c.returnsExpired() ? "v1" : null;
            assertThat(h.viewRead(A))
                    .as("stamp 0: the view read at 50 did not refresh it")
                    .isEqualTo(expected);
            assertThat(h.viewRead(A)).as("the view removes nothing").isEqualTo(expected);
            assertThat(h.storedEntries()).as("the view removes nothing").isEqualTo(1);

            assertExpiredRead(c, h, A, "v1");
            h.commit();
            assertThat(h.storedEntries()).isZero();
            assertThat(h.viewRead(A)).isNull();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allCases")
    void abortDropsUncommittedWritesAndTheirStamps(Case c) {
        try (Harness h = new Harness(c)) {
            h.at(0).write(A, "v1");
            h.commit();
            h.at(10).snapshotAndRestore();
            long committedEventTime = h.keyed().time().maxEventTimestamp();

            h.at(20).write(B, "b");
            assertThat(h.read(B)).isEqualTo("b");
            h.write(A, "v2");
            assertThat(h.read(A)).isEqualTo("v2");
            h.keyed().abort();
            assertThat(h.keyed().time().maxEventTimestamp())
                    .as("event time rewound to what is committed")
                    .isEqualTo(committedEventTime);

            h.at(20);
            assertThat(h.read(A)).isEqualTo("v1");
            assertThat(h.read(B)).isNull();
            h.commit();
            assertThat(h.storedEntries()).isEqualTo(1);

            // The aborted overwrite at 20 did not restamp A; only an ON_READ_AND_WRITE read did.
            h.at(100);
            if (c.updatesOnRead()) {
                assertThat(h.read(A)).isEqualTo("v1");
            } else {
                assertExpiredRead(c, h, A, "v1");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Shape-specific scenarios

    @ParameterizedTest(name = "{0}")
    @MethodSource("listCases")
    void listElementsExpireIndividually(Case c) {
        try (Harness h = new Harness(c)) {
            h.at(0).add(A, "a");
            h.commit();
            h.at(50).add(A, "b");
            h.commit();
            h.at(60).snapshotAndRestore();

            h.at(100);
            assertThat(h.viewRead(A)).isEqualTo(c.returnsExpired() ? "a,b" : "b");
            if (c.returnsExpired()) {
                assertThat(h.read(A)).as("the expired element is returned once").isEqualTo("a,b");
            }
            assertThat(h.read(A)).isEqualTo("b");
            h.commit();
            assertThat(h.statistics().removed(CleanupStrategy.ON_ACCESS)).isEqualTo(1);

            h.at(150);
            if (c.updatesOnRead()) {
                assertThat(h.read(A))
                        .as("the read at 100 moved the expiry to 200")
                        .isEqualTo("b");
            } else {
                assertExpiredRead(c, h, A, "b");
                h.commit();
                assertThat(h.storedEntries()).isZero();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("listCases")
    void incrementalCleanupRemovesOnlyTheExpiredElementsOfAList(Case c) {
        try (Harness h = new Harness(c)) {
            h.at(0).add(A, "a");
            h.commit();
            h.at(50).add(A, "b");
            h.commit();
            h.at(60).snapshotAndRestore();

            h.at(100);
            assertThat(h.keyed().cleanupIncrementally()).isPositive();
            h.commit();
            assertThat(h.statistics().removed(CleanupStrategy.INCREMENTAL)).isEqualTo(1);
            assertThat(h.storedEntries()).isEqualTo(1);
            assertThat(h.viewRead(A)).as("a was cleaned up, not just hidden").isEqualTo("b");
            assertThat(h.read(A)).isEqualTo("b");
            h.commit();

            h.at(c.updatesOnRead() ? 200 : 150);
            assertThat(h.keyed().cleanupIncrementally()).isPositive();
            h.commit();
            assertThat(h.statistics().removed(CleanupStrategy.INCREMENTAL)).isEqualTo(2);
            assertThat(h.storedEntries()).isZero();
            assertThat(h.read(A)).isNull();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mapCases")
    void mapEntriesExpireIndividually(Case c) {
        try (Harness h = new Harness(c)) {
            h.at(0).put(A, "k1", "v1");
            h.commit();
            h.at(50).put(A, "k2", "v2");
            h.commit();
            h.at(60).snapshotAndRestore();
            assertThat(h.storedEntries()).isEqualTo(2);

            h.at(100);
            assertThat(h.viewEntries(A))
                    .isEqualTo(c.returnsExpired() ? Map.of("k1", "v1", "k2", "v2") : Map.of("k2", "v2"));
            if (c.returnsExpired()) {
                assertThat(h.get(A, "k1"))
                        .as("the expired entry is returned once")
                        .isEqualTo("v1");
            }
            assertThat(h.get(A, "k1")).isNull();
            assertThat(h.get(A, "k2")).isEqualTo("v2");
            assertThat(h.entries(A)).isEqualTo(Map.of("k2", "v2"));
            h.commit();
            assertThat(h.storedEntries()).isEqualTo(1);

            h.at(150);
            if (c.updatesOnRead()) {
                assertThat(h.get(A, "k2"))
                        .as("the reads at 100 moved the expiry to 200")
                        .isEqualTo("v2");
            } else {
                assertThat(h.entries(A)).isEqualTo(c.returnsExpired() ? Map.of("k2", "v2") : Map.of());
                assertThat(h.entries(A)).isEmpty();
                assertThat(h.map(A).isEmpty()).isTrue();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Event time after a restore

    @ParameterizedTest(name = "{0}")
    @MethodSource("eventTimeCases")
    void restoredWatermarkDropsLateWrites(Case c) {
        try (Harness h = new Harness(c)) {
            h.at(0).write(A, "a");
            h.at(150).write(B, "b");
            h.commit();
            h.snapshotAndRestore();
            assertThat(h.keyed().time().watermark()).isEqualTo(BASE + 150);
            assertThat(h.storedEntries()).as("A was expired at the snapshot").isEqualTo(1);

            // A late record: below the restored watermark by more than the TTL.
            h.at(30).write(C, "late");
            assertThat(h.read(C))
                    .as("already expired by the restored watermark")
                    .isNull();
            h.at(60).write(D, "d");
            assertThat(h.read(D)).isEqualTo("d");
            h.commit();
            assertThat(h.storedEntries()).isEqualTo(2);

            h.at(160);
            assertThat(h.viewRead(D)).as("stamped 60, so expired at 160").isEqualTo(c.returnsExpired() ? "d" : null);
            assertThat(h.viewRead(B)).isEqualTo("b");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Changing the TTL configuration across restarts

    @ParameterizedTest
    @EnumSource(Backends.class)
    void ttlCanBeEnabledDisabledAndShortenedAcrossRestarts(Backends backend) {
        StateDescriptor<ValueState<String>> plain = StateDescriptor.value(STATE, Serializers.STRING);
        StateDescriptor<ValueState<String>> ttl100 = plain.withTtl(TtlConfig.of(Duration.ofMillis(100)));
        StateDescriptor<ValueState<String>> ttl50 = plain.withTtl(TtlConfig.of(Duration.ofMillis(50)));
        try (Harness h = new Harness(backend, TimeDriver.of(TimeCharacteristic.PROCESSING_TIME), Shape.VALUE, plain)) {
            h.at(0).write(A, "a");
            h.commit();

            // TTL switched on at 1000: A, written without a stamp, counts from there.
            h.at(1000).restoreFrom(h.snapshot(), ttl100);
            assertThat(h.read(A)).as("not expired at once").isEqualTo("a");
            h.at(1050).write(B, "b");
            h.commit();
            // A restart with the same config keeps the moment TTL was switched on.
            h.at(1060).restoreFrom(h.snapshot(), ttl100);
            h.at(1099);
            assertThat(h.read(A)).isEqualTo("a");
            h.at(1100);
            assertThat(h.read(A))
                    .as("expired one TTL after TTL was switched on, not never")
                    .isNull();
            assertThat(h.read(B)).isEqualTo("b");
            h.commit();

            // TTL switched off: everything stored is visible again, stamped values included.
            h.at(1100).restoreFrom(h.snapshot(), plain);
            h.at(5000);
            assertThat(h.read(B))
                    .as("stamped at 1050, long past its TTL, but TTL is off")
                    .isEqualTo("b");
            assertThat(h.keyed().cleanupIncrementally()).isZero();
            h.write(C, "c");
            h.commit();
            assertThat(h.storedEntries()).isEqualTo(2);

            // TTL switched on again at 6000: C (plain) counts from 6000, not from the first switch-on
            // at 1000; B kept its stamp of 1050 while TTL was off (only a write drops it), so it is expired.
            h.at(6000).restoreFrom(h.snapshot(), ttl100);
            assertThat(h.read(C)).isEqualTo("c");
            assertThat(h.read(B)).isNull();
            h.at(6020).write(D, "d");
            h.commit();

            // A shorter TTL applies to what is stored: C expires at 6050 and D at 6070, not 6100 and 6120.
            h.at(6030).restoreFrom(h.snapshot(), ttl50);
            h.at(6049);
            assertThat(h.read(C)).isEqualTo("c");
            h.at(6050);
            assertThat(h.read(C)).isNull();
            h.at(6069);
            assertThat(h.read(D)).isEqualTo("d");
            h.at(6070);
            assertThat(h.read(D)).isNull();
            h.commit();
            assertThat(h.storedEntries()).isZero();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers

    /**
     * A read of an expired entry: returned by the read that removes it if the visibility allows
     * it, never afterwards.
     */
    private static void assertExpiredRead(Case c, Harness h, String key, String expiredValue) {
        if (c.returnsExpired()) {
            assertThat(h.read(key))
                    .as("expired, not yet cleaned up: returned by the read that removes it")
                    .isEqualTo(expiredValue);
        }
        assertThat(h.read(key)).as("expired").isNull();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static <T> T onQueryThread(Supplier<T> read) {
        return CompletableFuture.supplyAsync(read, QUERY_THREAD).join();
    }

    @SuppressWarnings("unchecked")
    private static <S> StateDescriptor<S> cast(StateDescriptor<?> descriptor) {
        return (StateDescriptor<S>) descriptor;
    }

    /** Moves the time the case's TTL is measured in, so one script serves both characteristics. */
    interface TimeDriver {

        /** The time service for a (re)opened backend. */
        EventTimeClock newTimeService();

        /** Makes {@code BASE + t} the current time: the wall clock, or the timestamp of the next record. */
        void moveTo(long t);

        static TimeDriver of(TimeCharacteristic characteristic) {
            return characteristic == TimeCharacteristic.PROCESSING_TIME ? new ProcessingTime() : new EventTime();
        }
    }

    /** The manual wall clock is the time. */
    static final class ProcessingTime implements TimeDriver {
        private final ManualClock clock = new ManualClock(BASE);

        @Override
        public EventTimeClock newTimeService() {
            return new EventTimeClock(clock, Duration.ZERO, true, EventTimeClock.UNBOUNDED_SKEW);
        }

        @Override
        public void moveTo(long t) {
            clock.set(BASE + t);
        }
    }

    /**
     * Records carry the time; the wall clock stands a year in the past so the backstop never
     * expires anything. A restored service starts from the watermark stored with the state.
     */
    static final class EventTime implements TimeDriver {
        private final ManualClock wallClock =
                new ManualClock(BASE - Duration.ofDays(365).toMillis());
        private EventTimeClock current;

        @Override
        public EventTimeClock newTimeService() {
            current = new EventTimeClock(wallClock, Duration.ZERO, true, EventTimeClock.UNBOUNDED_SKEW);
            return current;
        }

        @Override
        public void moveTo(long t) {
            current.advance(BASE + t);
        }
    }

    /** Writes and reads one user value per key, whatever the state's shape. */
    interface Access {
        void write(String value);

        /** The visible user value, or null if there is none. */
        String read();
    }

    enum Shape {
        VALUE {
            @Override
            StateDescriptor<?> descriptor(TtlConfig ttl) {
                return StateDescriptor.value(STATE, Serializers.STRING).withTtl(ttl);
            }

            @Override
            Access access(KeyedStateStore store, StateDescriptor<?> descriptor) {
                ValueState<String> state = store.valueState(cast(descriptor));
                return new Access() {
                    @Override
                    public void write(String value) {
                        state.update(value);
                    }

                    @Override
                    public String read() {
                        return state.value();
                    }
                };
            }
        },
        /** Writes replace the list; reads join the visible elements, an empty list reading as null. */
        LIST {
            @Override
            StateDescriptor<?> descriptor(TtlConfig ttl) {
                return StateDescriptor.list(STATE, Serializers.STRING).withTtl(ttl);
            }

            @Override
            Access access(KeyedStateStore store, StateDescriptor<?> descriptor) {
                ListState<String> state = store.listState(cast(descriptor));
                return new Access() {
                    @Override
                    public void write(String value) {
                        state.update(List.of(value));
                    }

                    @Override
                    public String read() {
                        List<String> elements = state.get();
                        return elements.isEmpty() ? null : String.join(",", elements);
                    }
                };
            }
        },
        /** The value under one fixed map key. */
        MAP {
            @Override
            StateDescriptor<?> descriptor(TtlConfig ttl) {
                return StateDescriptor.map(STATE, Serializers.STRING, Serializers.STRING)
                        .withTtl(ttl);
            }

            @Override
            Access access(KeyedStateStore store, StateDescriptor<?> descriptor) {
                MapState<String, String> state = store.mapState(cast(descriptor));
                return new Access() {
                    @Override
                    public void write(String value) {
                        state.put(MAP_KEY, value);
                    }

                    @Override
                    public String read() {
                        return state.get(MAP_KEY);
                    }
                };
            }
        };

        abstract StateDescriptor<?> descriptor(TtlConfig ttl);

        abstract Access access(KeyedStateStore store, StateDescriptor<?> descriptor);
    }

    /** One partition's keyed state under test, with its time, across snapshots and restores. */
    private final class Harness implements AutoCloseable {
        private final Backends backendKind;
        private final TimeDriver time;
        private final Shape shape;
        private StateDescriptor<?> descriptor;
        private LayeredKeyedStateBackend keyed;
        // One array per user key, as a processor reuses the key it set for a read-modify-write.
        private final Map<String, byte[]> keys = new HashMap<>();
        private long position;
        private int snapshots;

        Harness(Case c) {
            this(c.backend(), TimeDriver.of(c.time()), c.shape(), c.shape().descriptor(c.ttl()));
        }

        Harness(Backends backendKind, TimeDriver time, Shape shape, StateDescriptor<?> descriptor) {
            this.backendKind = backendKind;
            this.time = time;
            this.shape = shape;
            this.descriptor = descriptor;
            this.keyed = open(backendKind.open(dir.resolve("db"), tables()));
        }

        private byte[] key(String userKey) {
            return keys.computeIfAbsent(userKey, TtlStateMatrixTest::bytes);
        }

        private List<String> tables() {
            return LayeredKeyedStateBackend.tableNames(List.of(descriptor));
        }

        private LayeredKeyedStateBackend open(ByteStore backend) {
            return new LayeredKeyedStateBackend(backend, List.of(descriptor), time.newTimeService(), SETTINGS);
        }

        LayeredKeyedStateBackend keyed() {
            return keyed;
        }

        StateDescriptor<?> descriptor() {
            return descriptor;
        }

        TtlMetrics statistics() {
            return keyed.ttlMetrics();
        }

        Harness at(long t) {
            time.moveTo(t);
            return this;
        }

        void write(String key, String value) {
            keyed.setCurrentKey(key(key));
            shape.access(keyed, descriptor).write(value);
        }

        String read(String key) {
            keyed.setCurrentKey(key(key));
            return shape.access(keyed, descriptor).read();
        }

        /** A read through a fresh read view, on the query thread. */
        String viewRead(String key) {
            return onQueryThread(() -> {
                KeyedStateStore view = keyed.readView();
                view.setCurrentKey(bytes(key));
                return shape.access(view, descriptor).read();
            });
        }

        void add(String key, String element) {
            keyed.setCurrentKey(key(key));
            keyed.listState(this.<ListState<String>>typed()).add(element);
        }

        MapState<String, String> map(String key) {
            keyed.setCurrentKey(key(key));
            return keyed.mapState(this.<MapState<String, String>>typed());
        }

        void put(String key, String mapKey, String value) {
            map(key).put(mapKey, value);
        }

        String get(String key, String mapKey) {
            return map(key).get(mapKey);
        }

        Map<String, String> entries(String key) {
            return map(key).entries();
        }

        Map<String, String> viewEntries(String key) {
            return onQueryThread(() -> {
                KeyedStateStore view = keyed.readView();
                view.setCurrentKey(bytes(key));
                return view.mapState(this.<MapState<String, String>>typed()).entries();
            });
        }

        private <S> StateDescriptor<S> typed() {
            return cast(descriptor);
        }

        void commit() {
            keyed.commit(++position);
        }

        /** Committed entries of the state's table (list: one per key; map: one per map entry). */
        int storedEntries() {
            return keyed.store()
                    .committedTable(descriptor.name())
                    .scan(new byte[0], null, 1000)
                    .size();
        }

        /** Commits, then snapshots into a new directory. */
        Path snapshot() {
            commit();
            Path target = dir.resolve("snap-" + ++snapshots);
            keyed.snapshot(target);
            return target;
        }

        /** Closes the backend and opens a new one, with a new time service, from the snapshot. */
        void restoreFrom(Path snapshot, StateDescriptor<?> newDescriptor) {
            long maxEventTimestamp = keyed.time().maxEventTimestamp();
            keyed.close();
            descriptor = newDescriptor;
            keyed = open(backendKind.restore(snapshot, dir.resolve("restored-" + snapshots), tables()));
            assertThat(keyed.position()).as("restored position").hasValue(position);
            assertThat(keyed.time().maxEventTimestamp())
                    .as("restored event time")
                    .isEqualTo(maxEventTimestamp);
        }

        void snapshotAndRestore() {
            restoreFrom(snapshot(), descriptor);
        }

        @Override
        public void close() {
            keyed.close();
        }
    }
}
