package io.loginstate.state.ttl;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.state.Backends;
import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.ListState;
import io.loginstate.state.api.MapState;
import io.loginstate.state.api.Serializers;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.TimeCharacteristic;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.api.ValueState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An operation on a TTL'd state takes the time once and judges every element against it: the
 * wall clock (read for the event-time backstop) is read as often for a list or map of twenty
 * elements as for one of a single element.
 */
class TtlClockReadsTest {

    private static final TtlConfig EVENT_TIME_TTL =
            TtlConfig.of(Duration.ofHours(1)).withTimeCharacteristic(TimeCharacteristic.EVENT_TIME);
    private static final StateDescriptor<ListState<String>> LIST =
            StateDescriptor.list("list", Serializers.STRING).withTtl(EVENT_TIME_TTL);
    private static final StateDescriptor<MapState<String, Long>> MAP =
            StateDescriptor.map("map", Serializers.STRING, Serializers.LONG).withTtl(EVENT_TIME_TTL);
    private static final StateDescriptor<ValueState<Long>> VALUE =
            StateDescriptor.value("value", Serializers.LONG).withTtl(EVENT_TIME_TTL);
    private static final long START = 1_000_000_000_000L;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Backends.class)
    void aListAddReadsTheClockAsOftenForTwentyElementsAsForOne(Backends kind) {
        assertThat(readsOfSecondOperation(
                        kind, 20, state -> state.listState(LIST).add("next", 100)))
                .isEqualTo(readsOfSecondOperation(
                        kind, 1, state -> state.listState(LIST).add("next", 100)))
                .isLessThanOrEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void aListReadReadsTheClockOnce(Backends kind) {
        assertThat(readsOfSecondOperation(
                        kind,
                        20,
                        state -> assertThat(state.listState(LIST).get()).hasSize(20)))
                .isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void aMapScanReadsTheClockOnce(Backends kind) {
        assertThat(readsOfSecondOperation(
                        kind,
                        20,
                        state -> assertThat(state.mapState(MAP).entries()).hasSize(20)))
                .isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void aMapPutAndAValueUpdateEachReadTheClockOnce(Backends kind) {
        assertThat(readsOfSecondOperation(kind, 1, state -> state.mapState(MAP).put("k0", 7L)))
                .isEqualTo(1);
        assertThat(readsOfSecondOperation(
                        kind, 1, state -> state.valueState(VALUE).update(7L)))
                .isEqualTo(1);
    }

    /**
     * Fills a list, a map and a value with {@code elements} elements (each stamped a second
     * apart), commits, then counts the wall clock's reads during {@code operation}.
     */
    private long readsOfSecondOperation(Backends kind, int elements, Consumer<LayeredKeyedStateBackend> operation) {
        CountingClock wall = new CountingClock(START);
        EventTimeClock time = new EventTimeClock(wall, Duration.ZERO, true, EventTimeClock.UNBOUNDED_SKEW);
        List<StateDescriptor<?>> states = List.of(LIST, MAP, VALUE);
        Path directory = dir.resolve(kind.name() + "-" + elements + "-" + System.nanoTime());
        try (LayeredKeyedStateBackend state = new LayeredKeyedStateBackend(
                kind.open(directory, LayeredKeyedStateBackend.tableNames(states)),
                states,
                time,
                new TtlCleanupSettings(100, Duration.ofHours(1)))) {
            state.setCurrentKey("u".getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < elements; i++) {
                time.advance(START + i * 1000L);
                state.listState(LIST).add("e" + i, 100);
                state.mapState(MAP).put("k" + i, (long) i);
                state.valueState(VALUE).update((long) i);
            }
            state.commit(1);
            time.advance(START + elements * 1000L);
            long before = wall.reads;
            operation.accept(state);
            return wall.reads - before;
        }
    }

    /** A fixed wall clock that counts how often it is read. */
    private static final class CountingClock implements InstantSource {
        private final long millis;
        long reads;

        CountingClock(long millis) {
            this.millis = millis;
        }

        @Override
        public long millis() {
            reads++;
            return millis;
        }

        @Override
        public Instant instant() {
            reads++;
            return Instant.ofEpochMilli(millis);
        }
    }
}
