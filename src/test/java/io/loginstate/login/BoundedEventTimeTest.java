package io.loginstate.login;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.processing.BatchOutcome;
import io.loginstate.processing.Rejection;
import io.loginstate.state.Backends;
import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.KeyedStateStore;
import io.loginstate.state.api.StateVisibility;
import io.loginstate.state.api.TimeCharacteristic;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.api.UpdateType;
import io.loginstate.state.plain.PlainListState;
import io.loginstate.state.plain.ValueFormat;
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Event time is bounded by the wall clock: a far-future event is rejected and never moves the
 * watermark; an event already past its TTL is dropped and counted; a partition whose stored
 * event time was pushed into the future by an earlier build heals when it is opened.
 */
class BoundedEventTimeTest {

    private static final Duration TTL = Duration.ofDays(30);
    private static final Duration LATENESS = Duration.ofMinutes(5);
    private static final Duration SKEW = Duration.ofMinutes(5);
    private static final long T0 = 1_790_000_000_000L;
    private static final long YEAR_2200 = 7_258_118_400_000L;
    private static final LoginStates STATES = new LoginStates(new TtlConfig(
            TTL, UpdateType.ON_CREATE_AND_WRITE, StateVisibility.NEVER_RETURN_EXPIRED, TimeCharacteristic.EVENT_TIME));

    @TempDir
    Path dir;

    @Test
    void theClockBoundsEventTimeByTheWallClockAndTheRecordsOwnTime() {
        ManualClock clock = new ManualClock(T0);
        EventTimeClock time = new EventTimeClock(clock, LATENESS, true, SKEW);
        assertThat(time.futureLimit(-1)).isEqualTo(T0 + SKEW.toMillis());
        assertThat(time.futureLimit(T0 - 60_000)).as("an earlier record time").isEqualTo(T0 - 60_000 + SKEW.toMillis());
        assertThat(time.futureLimit(T0 + 60_000)).as("a later record time").isEqualTo(T0 + SKEW.toMillis());

        time.advance(YEAR_2200);
        assertThat(time.maxEventTimestamp()).isEqualTo(T0 + SKEW.toMillis());
        assertThat(time.restore(YEAR_2200)).isTrue();
        assertThat(time.watermark()).isEqualTo(T0 + SKEW.toMillis() - LATENESS.toMillis());
        assertThat(time.restore(T0)).isFalse();
        assertThat(time.maxEventTimestamp()).isEqualTo(T0);

        EventTimeClock unbounded = new EventTimeClock(clock, LATENESS, true, EventTimeClock.UNBOUNDED_SKEW);
        assertThat(unbounded.futureLimit(-1)).isEqualTo(Long.MAX_VALUE);
    }

    @ParameterizedTest
    @EnumSource(
            value = Backends.class,
            names = {"HEAP", "ROCKSDB"})
    void aFarFutureEventIsRejectedAndNeverMovesTheWatermark(Backends kind) {
        ManualClock clock = new ManualClock(T0);
        Partition partition =
                new Partition(kind.open(dir, LayeredKeyedStateBackend.tableNames(STATES.all())), clock, SKEW);
        BatchOutcome first = partition.apply(record(0, "alice", T0 - 1000, T0), record(1, "bob", T0 - 500, T0));
        assertThat(first.notApplied()).isZero();
        long watermark = partition.state.time().watermark();

        BatchOutcome hostile = partition.apply(
                record(2, "mallory", YEAR_2200, T0),
                record(3, "mallory", T0 + SKEW.toMillis() + 1, -1),
                // One hour ahead of its own Kafka timestamp: a replay would decide the same way.
                record(4, "mallory", T0 - 1000, T0 - Duration.ofHours(1).toMillis()),
                record(5, "carol", T0 + SKEW.toMillis(), -1));
        assertThat(hostile.rejections())
                .extracting(Rejection::reason)
                .containsExactly("TIMESTAMP_IN_FUTURE", "TIMESTAMP_IN_FUTURE", "TIMESTAMP_IN_FUTURE");
        assertThat(hostile.rejections())
                .extracting(rejection -> rejection.record().offset())
                .containsExactly(2L, 3L, 4L);
        assertThat(partition.state.time().watermark())
                .as("only carol, within the skew, moved it")
                .isEqualTo(T0 + SKEW.toMillis() - LATENESS.toMillis())
                .isGreaterThan(watermark);
        assertThat(partition.visible("alice")).isNotNull();
        assertThat(partition.visible("bob")).isNotNull();
        assertThat(partition.visible("carol")).isNotNull();
        assertThat(partition.visible("mallory")).isNull();
        partition.close();
    }

    @ParameterizedTest
    @EnumSource(
            value = Backends.class,
            names = {"HEAP", "ROCKSDB"})
    void anEventAlreadyPastItsTtlIsDroppedAndCountedNotApplied(Backends kind) {
        ManualClock clock = new ManualClock(T0);
        Partition partition =
                new Partition(kind.open(dir, LayeredKeyedStateBackend.tableNames(STATES.all())), clock, SKEW);
        partition.apply(record(0, "alice", T0 - 1000, T0));
        UserLoginState before = partition.visible("alice");

        BatchOutcome outcome = partition.apply(
                record(1, "alice", T0 - TTL.toMillis() - 1, T0),
                record(2, "dave", T0 - Duration.ofDays(40).toMillis(), T0),
                record(3, "alice", T0 - TTL.toMillis() + 60_000, T0));
        assertThat(outcome.rejections()).isEmpty();
        assertThat(outcome.dropped()).isEqualTo(Map.of(LoginPartitionHandler.EXPIRED_ON_ARRIVAL, 2));
        UserLoginState after = partition.visible("alice");
        assertThat(after.loginCount())
                .as("only the event inside the TTL counted")
                .isEqualTo(before.loginCount() + 1);
        assertThat(after.firstSeen()).isEqualTo(T0 - TTL.toMillis() + 60_000);
        assertThat(partition.visible("dave")).isNull();
        partition.close();
    }

    /**
     * State built by the old, unbounded rule: one far-future event moved the watermark to 2200
     * and stamped a user's entries there. Opened with the bound, the watermark is held at wall
     * clock + skew, every stamp beyond it is re-stamped there (so it expires one TTL later, not in
     * 2200), and later events apply again. From local files and from a snapshot alike.
     */
    @ParameterizedTest
    @EnumSource(value = Reopen.class)
    void aPartitionPoisonedByTheOldRuleHealsWhenOpened(Reopen reopen) {
        ManualClock clock = new ManualClock(T0);
        Path files = dir.resolve("db");
        Partition old = new Partition(
                reopen.backend.open(files, LayeredKeyedStateBackend.tableNames(STATES.all())),
                clock,
                EventTimeClock.UNBOUNDED_SKEW);
        old.apply(record(0, "alice", T0 - 2000, T0), record(1, "bob", T0 - 1000, T0));
        old.apply(record(2, "mallory", YEAR_2200, T0), record(3, "mallory", YEAR_2200 + 1, T0));
        assertThat(old.state.time().watermark()).isGreaterThan(YEAR_2200 - LATENESS.toMillis() - 1);
        // The old rule's damage: everyone else expired, and new events are dropped.
        assertThat(old.visible("alice")).isNull();
        old.apply(record(4, "bob", T0, T0));
        assertThat(old.visible("bob")).isNull();
        assertThat(maxStoredStamp(old.state.store())).isGreaterThan(YEAR_2200 - 1);
        ByteStore reopened = reopen.reopen(old, files, dir.resolve("snapshot"));

        clock.advance(Duration.ofMinutes(1));
        long bound = T0 + Duration.ofMinutes(1).toMillis() + SKEW.toMillis();
        Partition healed = new Partition(reopened, clock, SKEW);
        assertThat(healed.state.storedFutureEventTime()).isEqualTo(YEAR_2200 + 1);
        assertThat(healed.state.futureStampsRepaired())
                .as("mallory's value, recent login and device")
                .isEqualTo(4);
        assertThat(healed.state.time().maxEventTimestamp()).isEqualTo(bound);
        assertThat(maxStoredStamp(healed.state.store())).isEqualTo(bound);

        BatchOutcome later =
                healed.apply(record(5, "alice", T0 + 30_000, T0 + 30_000), record(6, "bob", T0 + 40_000, T0 + 40_000));
        assertThat(later.notApplied()).isZero();
        assertThat(healed.visible("alice").loginCount()).isEqualTo(1);
        assertThat(healed.visible("bob").loginCount()).isEqualTo(1);
        assertThat(healed.visible("mallory"))
                .as("kept, but only one TTL past the bound")
                .isNotNull();

        // Opened again: nothing left to heal.
        Partition again = new Partition(reopen.reopen(healed, files, dir.resolve("snapshot-2")), clock, SKEW);
        assertThat(again.state.storedFutureEventTime()).isEqualTo(EventTimeClock.NO_TIME);
        assertThat(again.state.futureStampsRepaired()).isZero();

        // The re-stamped entries expire one TTL after the bound, and cleanup finds them.
        clock.set(bound + TTL.toMillis() + TTL.toMillis() / 64 + 1);
        assertThat(again.visible("mallory")).isNull();
        again.state.maintain();
        assertThat(maxStoredStamp(again.state.store()))
                .as("nothing left stored")
                .isEqualTo(Long.MIN_VALUE);
        again.close();
    }

    /** How the poisoned state is opened again. */
    enum Reopen {
        /** The same RocksDB files, as after a restart with the volume kept. */
        LOCAL_FILES(Backends.ROCKSDB),
        /** A snapshot restored into a heap backend, as from a checkpoint. */
        SNAPSHOT(Backends.HEAP);

        final Backends backend;

        Reopen(Backends backend) {
            this.backend = backend;
        }

        ByteStore reopen(Partition old, Path files, Path snapshot) {
            if (this == LOCAL_FILES) {
                old.close();
                return Backends.ROCKSDB.open(files, LayeredKeyedStateBackend.tableNames(STATES.all()));
            }
            return snapshotAndRestore(old, snapshot);
        }
    }

    private static ByteStore snapshotAndRestore(Partition partition, Path snapshot) {
        partition.state.store().snapshot(snapshot);
        partition.close();
        return Backends.HEAP.restore(snapshot, snapshot, LayeredKeyedStateBackend.tableNames(STATES.all()));
    }

    /** The highest stamp of any entry or list element of the three states. */
    private static long maxStoredStamp(ByteStore backend) {
        long max = Long.MIN_VALUE;
        for (String table : List.of(STATES.user.name(), STATES.recentLogins.name(), STATES.devices.name())) {
            for (Map.Entry<byte[], byte[]> entry :
                    backend.committedTable(table).scan(new byte[0], null, Integer.MAX_VALUE)) {
                byte[] stored = entry.getValue();
                if (table.equals(STATES.recentLogins.name())) {
                    for (int offset = 0;
                            offset < stored.length;
                            offset += 4 + PlainListState.lengthAt(stored, offset)) {
                        max = Math.max(max, ValueFormat.stamp(stored, offset + 4, Long.MIN_VALUE));
                    }
                } else {
                    max = Math.max(max, ValueFormat.stamp(stored, 0, Long.MIN_VALUE));
                }
            }
        }
        return max;
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, String user, long eventTime, long recordTime) {
        String json =
                "{\"userId\":\"" + user + "\",\"timestamp\":" + eventTime + ",\"userAgent\":\"agent-" + user + "\"}";
        return new ConsumerRecord<>(
                "logins",
                0,
                offset,
                recordTime,
                recordTime < 0 ? TimestampType.NO_TIMESTAMP_TYPE : TimestampType.CREATE_TIME,
                -1,
                -1,
                user.getBytes(StandardCharsets.UTF_8),
                json.getBytes(StandardCharsets.UTF_8),
                new RecordHeaders(),
                Optional.empty());
    }

    /** One partition's state and handler, driven as the processor drives them. */
    private static final class Partition {
        final LayeredKeyedStateBackend state;
        final LoginPartitionHandler handler;

        Partition(ByteStore backend, ManualClock clock, Duration skew) {
            this.state = new LayeredKeyedStateBackend(
                    backend,
                    STATES.all(),
                    new EventTimeClock(clock, LATENESS, true, skew),
                    new TtlCleanupSettings(1000, Duration.ofHours(1)));
            this.handler = new LoginPartitionHandler(state, STATES, new LoginEventParser(1 << 20));
        }

        @SafeVarargs
        final BatchOutcome apply(ConsumerRecord<byte[], byte[]>... records) {
            BatchOutcome outcome = new BatchOutcome();
            handler.applyBatch(List.of(records), outcome);
            state.cleanupIncrementally();
            state.commit(records[records.length - 1].offset() + 1);
            return outcome;
        }

        UserLoginState visible(String user) {
            KeyedStateStore view = state.readView();
            view.setCurrentKey(user.getBytes(StandardCharsets.UTF_8));
            return view.valueState(STATES.user).value();
        }

        void close() {
            state.close();
        }
    }
}
