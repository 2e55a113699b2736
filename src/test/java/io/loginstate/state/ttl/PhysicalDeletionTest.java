package io.loginstate.state.ttl;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.state.Backends;
import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.api.CleanupStrategy;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.ListState;
import io.loginstate.state.api.MapState;
import io.loginstate.state.api.Serializers;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.TimeCharacteristic;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.api.ValueState;
import io.loginstate.state.rocksdb.RocksDBStore;
import io.loginstate.testing.ManualClock;
import io.loginstate.testing.RawFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The physical-deletion deadline on a real RocksDB: once an entry's TTL has passed and the
 * deadline after that has passed too, the raw bytes of no file in the partition's directory
 * contain its key, in plain text or hex. Data is spread over several flushed files first, so a
 * mere delete (tombstone) would leave it behind.
 */
class PhysicalDeletionTest {

    private static final Duration TTL = Duration.ofHours(1);
    private static final Duration DEADLINE = Duration.ofMinutes(10);
    private static final Duration TICK = Duration.ofSeconds(30);
    private static final long START = 1_790_000_000_000L;
    private static final String SUBJECT = "gdpr-subject-4711";

    @TempDir
    Path dir;

    /** Processing time, and event time whose watermark stalls (no input after the subject's events). */
    enum Time {
        PROCESSING_TIME,
        EVENT_TIME_STALLED_WATERMARK
    }

    @ParameterizedTest
    @EnumSource(Time.class)
    void expiredEntriesLeaveEveryLocalFileWithinTheDeadline(Time mode) {
        TimeCharacteristic characteristic =
                mode == Time.PROCESSING_TIME ? TimeCharacteristic.PROCESSING_TIME : TimeCharacteristic.EVENT_TIME;
        TtlConfig ttl = TtlConfig.of(TTL).withTimeCharacteristic(characteristic);
        StateDescriptor<ValueState<String>> profile =
                StateDescriptor.value("profile", Serializers.STRING).withTtl(ttl);
        StateDescriptor<ListState<String>> logins =
                StateDescriptor.list("logins", Serializers.STRING).withTtl(ttl);
        StateDescriptor<MapState<String, Long>> devices = StateDescriptor.map(
                        "devices", Serializers.STRING, Serializers.LONG)
                .withTtl(ttl);
        List<StateDescriptor<?>> descriptors = List.of(profile, logins, devices);
        ManualClock clock = new ManualClock(START);
        EventTimeClock time = new EventTimeClock(clock, Duration.ZERO, true, EventTimeClock.UNBOUNDED_SKEW);
        Path db = dir.resolve("db");
        RocksDBStore rocks = (RocksDBStore) Backends.ROCKSDB.open(db, LayeredKeyedStateBackend.tableNames(descriptors));
        try (LayeredKeyedStateBackend state =
                new LayeredKeyedStateBackend(rocks, descriptors, time, new TtlCleanupSettings(50, DEADLINE))) {
            long position = 0;
            // Several flushed generations: the subject's entries sit in older files than others'.
            for (int round = 0; round < 4; round++) {
                for (int user = 0; user < 500; user++) {
                    String id = user == 42 && round < 2 ? SUBJECT : "user-" + round + "-" + user;
                    time.advance(clock.millis());
                    state.setCurrentKey(id.getBytes(StandardCharsets.UTF_8));
                    state.valueState(profile).update("profile of " + id + " round " + round);
                    state.listState(logins).add("login of " + id + " at " + clock.millis());
                    state.mapState(devices).put("device-of-" + id, clock.millis());
                }
                state.commit(++position);
                rocks.flush();
                clock.advance(Duration.ofMinutes(1));
            }
            assertThat(filesContaining(db, SUBJECT))
                    .as("the subject's data is on disk before it expires")
                    .isNotEmpty();

            long expiry = START + Duration.ofMinutes(1).toMillis() + TTL.toMillis();
            // Other users stay alive: they are written again just before the subject expires.
            clock.set(expiry - Duration.ofMinutes(5).toMillis());
            for (int user = 0; user < 100; user++) {
                time.advance(clock.millis());
                state.setCurrentKey(("late-" + user).getBytes(StandardCharsets.UTF_8));
                state.valueState(profile).update("late " + user);
            }
            state.commit(++position);

            long maxAge = 0;
            while (clock.millis() < expiry + DEADLINE.toMillis()) {
                clock.advance(TICK);
                state.maintain();
                maxAge = Math.max(maxAge, state.oldestUnpurgedExpiredAgeMillis());
            }
            assertThat(filesContaining(db, SUBJECT))
                    .as("files holding the subject after the deadline")
                    .isEmpty();
            assertThat(state.ttlMetrics().purges()).isPositive();
            assertThat(maxAge).as("age of the oldest unpurged expired entry").isLessThan(DEADLINE.toMillis());
            assertThat(state.ttlMetrics().removed(CleanupStrategy.INCREMENTAL)).isPositive();
            // Live data is untouched.
            state.setCurrentKey("late-0".getBytes(StandardCharsets.UTF_8));
            assertThat(state.valueState(profile).value()).isEqualTo("late 0");
            rocks.flush();
            // The smallest live key is stored in full (keys sharing a prefix with their predecessor are not).
            assertThat(filesContaining(db, "late-0")).isNotEmpty();
        }
        assertThat(filesContaining(db, SUBJECT))
                .as("files holding the subject after close")
                .isEmpty();
    }

    private static List<String> filesContaining(Path directory, String id) {
        return RawFiles.containing(directory, id);
    }
}
