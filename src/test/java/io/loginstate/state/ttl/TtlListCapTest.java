package io.loginstate.state.ttl;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.state.Backends;
import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.api.CleanupStrategy;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.ListState;
import io.loginstate.state.api.Serializers;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.TimeCharacteristic;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.plain.PlainListState;
import io.loginstate.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A bounded list ({@code add(element, max)}): newest elements kept, stamps kept, expired ones dropped, late ones filed. */
class TtlListCapTest {

    private static final StateDescriptor<ListState<String>> RECENT = StateDescriptor.list("recent", Serializers.STRING)
            .withTtl(TtlConfig.of(Duration.ofMillis(1000)).withTimeCharacteristic(TimeCharacteristic.EVENT_TIME));

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Backends.class)
    void keepsTheNewestElementsWithTheirOwnExpiry(Backends kind) {
        ManualClock wall = new ManualClock(0);
        EventTimeClock time = new EventTimeClock(wall, Duration.ZERO, false, EventTimeClock.UNBOUNDED_SKEW);
        try (LayeredKeyedStateBackend state = new LayeredKeyedStateBackend(
                kind.open(dir, LayeredKeyedStateBackend.tableNames(List.of(RECENT))),
                List.of(RECENT),
                time,
                new TtlCleanupSettings(100, Duration.ofHours(1)))) {
            state.setCurrentKey("u".getBytes(StandardCharsets.UTF_8));
            ListState<String> recent = state.listState(RECENT);
            for (int i = 0; i < 15; i++) {
                time.advance(i * 10L);
                recent.add("e" + i, 10);
            }
            assertThat(recent.get()).containsExactly("e5", "e6", "e7", "e8", "e9", "e10", "e11", "e12", "e13", "e14");
            state.commit(1);

            // e5 (stamped 50) expires at 1050: adding then drops it although the list is not full.
            time.advance(1050);
            recent.add("e15", 10);
            assertThat(recent.get()).containsExactly("e6", "e7", "e8", "e9", "e10", "e11", "e12", "e13", "e14", "e15");
            assertThat(state.ttlMetrics().removed(CleanupStrategy.ON_ACCESS)).isEqualTo(1);
            // Cleanup reaches the list's first filing (stamp 0), finds nothing expired, files it again at 60.
            state.cleanupIncrementally();
            assertThat(state.ttlMetrics().removed(CleanupStrategy.INCREMENTAL)).isZero();
            state.commit(2);

            // A late element, older than every other one: the list must be filed again, lower.
            time.advance(55);
            recent.add("late", 20);
            state.commit(3);
            // Watermark 1059: "late" (55) has expired, e6 (60) has not; the bucket of 55 is entirely past.
            time.advance(1059);
            state.cleanupIncrementally();
            state.commit(4);
            assertThat(state.ttlMetrics().removed(CleanupStrategy.INCREMENTAL)).isEqualTo(1);
            assertThat(state.readView()).satisfies(view -> {
                view.setCurrentKey("u".getBytes(StandardCharsets.UTF_8));
                assertThat(view.listState(RECENT).get())
                        .containsExactly("e6", "e7", "e8", "e9", "e10", "e11", "e12", "e13", "e14", "e15");
            });
            assertThat(state.store().committedTable("recent").get("u".getBytes(StandardCharsets.UTF_8)))
                    .as("the late element is gone from storage, not only hidden")
                    .satisfies(
                            stored -> assertThat(PlainListState.count(stored)).isEqualTo(10));
        }
    }
}
