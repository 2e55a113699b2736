package io.loginstate.login;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.processing.BatchOutcome;
import io.loginstate.state.Backends;
import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.api.CleanupStrategy;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.KeyedStateStore;
import io.loginstate.state.api.StateVisibility;
import io.loginstate.state.api.TimeCharacteristic;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.api.UpdateType;
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Event-time TTL of the login application: with the wall-clock backstop off, the visible state
 * after every offset is a function of the input alone; with it on, an idle partition and a replay
 * of old events never show (or bring back) data whose TTL has passed by the wall clock.
 */
class EventTimeTtlTest {

    private static final Duration TTL = Duration.ofHours(2);
    private static final Duration LATENESS = Duration.ofMinutes(10);
    private static final long T0 = 1_790_000_000_000L;
    private static final int USERS = 15;

    @TempDir
    Path dir;

    private static final LoginStates STATES = new LoginStates(new TtlConfig(
            TTL, UpdateType.ON_CREATE_AND_WRITE, StateVisibility.NEVER_RETURN_EXPIRED, TimeCharacteristic.EVENT_TIME));

    @Test
    void replayingTheSameInputGivesTheSameVisibleStateAtEveryOffsetWhateverTheWallClockAndBatching() {
        List<ConsumerRecord<byte[], byte[]>> input = input(600, 11);

        // Reference: in memory, one record per batch, the wall clock frozen (after the input: event
        // time never runs ahead of the wall clock by more than the skew).
        List<Map<String, String>> expected = new ArrayList<>();
        ManualClock frozen = new ManualClock(T0 + Duration.ofDays(100).toMillis());
        Partition reference = new Partition(Backends.HEAP, dir.resolve("reference"), frozen, false);
        expected.add(reference.visible());
        for (ConsumerRecord<byte[], byte[]> record : input) {
            reference.apply(List.of(record));
            expected.add(reference.visible());
        }
        reference.close();
        // Users did expire along the way, or the comparison proves little.
        assertThat(expected.get(expected.size() - 1).values()).contains("absent");
        assertThat(reference.state.ttlMetrics().removed(CleanupStrategy.ON_ACCESS)
                        + reference.state.ttlMetrics().removed(CleanupStrategy.INCREMENTAL))
                .isPositive();

        // Replay: RocksDB, random batch sizes, a wall clock running wild, maintenance between
        // batches, and restarts that must bring the watermark back from storage.
        SplittableRandom random = new SplittableRandom(5);
        ManualClock wild = new ManualClock(T0 + Duration.ofDays(400).toMillis());
        // Cleanup lags behind (one index entry per batch), so expired entries are still stored
        // when the visible state is compared.
        Partition replay = new Partition(Backends.ROCKSDB, dir.resolve("replay"), wild, false, 1);
        int offset = 0;
        int batches = 0;
        while (offset < input.size()) {
            int size = Math.min(input.size() - offset, 1 + random.nextInt(40));
            replay.apply(input.subList(offset, offset + size));
            offset += size;
            assertThat(replay.visible())
                    .as("visible state after offset %d", offset)
                    .isEqualTo(expected.get(offset));
            wild.advance(Duration.ofMinutes(random.nextInt(-600, 600)));
            replay.state.maintain();
            assertThat(replay.visible())
                    .as("visible state after maintenance at offset %d", offset)
                    .isEqualTo(expected.get(offset));
            if (++batches % 7 == 0) {
                replay = replay.restart();
                assertThat(replay.visible())
                        .as("visible state after a restart at offset %d", offset)
                        .isEqualTo(expected.get(offset));
            }
        }
        replay.close();
    }

    @Test
    void anIdlePartitionStillExpiresByTheWallClock() {
        ManualClock clock = new ManualClock(T0);
        Partition partition = new Partition(Backends.ROCKSDB, dir.resolve("idle"), clock, true);
        partition.apply(List.of(record(0, "alice", T0, "curl/8"), record(1, "bob", T0 + 60_000, "curl/8")));
        assertThat(partition.visibleUser("alice")).isNotEqualTo("absent");

        // No more input: the watermark stalls at T0 + 1 min - lateness; only the wall clock moves.
        clock.set(T0 + TTL.toMillis() - 1);
        assertThat(partition.visibleUser("alice")).isNotEqualTo("absent");
        clock.set(T0 + TTL.toMillis());
        assertThat(partition.visibleUser("alice")).isEqualTo("absent");
        assertThat(partition.visibleUser("bob")).isNotEqualTo("absent");
        clock.set(T0 + 60_000 + TTL.toMillis());
        assertThat(partition.visibleUser("bob")).isEqualTo("absent");

        // Cleanup works on index buckets (TTL / 64 here) and finds an entry at most one bucket late.
        clock.advance(TTL.dividedBy(64));
        partition.state.maintain();
        assertThat(partition.state.ttlMetrics().removed(CleanupStrategy.INCREMENTAL))
                .isEqualTo(6);
        assertThat(partition.storedEntries()).isZero();
        partition.close();
    }

    @Test
    void replayingOldEventsNeverResurrectsExpiredData() {
        ManualClock clock = new ManualClock(T0);
        Partition partition = new Partition(Backends.ROCKSDB, dir.resolve("replay-old"), clock, true);
        long old = T0 - Duration.ofDays(40).toMillis();
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            records.add(record(i, "user-" + (i % 5), old + i * 60_000L, "agent-" + (i % 3)));
        }
        partition.apply(records);
        assertThat(partition.visible().values()).containsOnly("absent");
        assertThat(partition.storedEntries())
                .as("entries stored by a replay of expired events")
                .isZero();

        // A fresh login starts the user afresh: none of the replayed history comes back.
        partition.apply(List.of(record(51, "user-1", T0 - 1000, "agent-9")));
        String user1 = partition.visibleUser("user-1");
        assertThat(user1)
                .contains("logins=1 failed=0")
                .contains("recent=[" + (T0 - 1000) + "/true]")
                .contains("devices={" + UserAgents.hash("agent-9") + "=" + (T0 - 1000) + "}");
        partition.close();
    }

    /** Events with event times moving forward by ~7 minutes, out of order by up to 20 minutes. */
    private static List<ConsumerRecord<byte[], byte[]>> input(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        long time = T0;
        for (int i = 0; i < count; i++) {
            time += Duration.ofMinutes(7).toMillis();
            // Users come and go, so some fall silent for longer than the TTL.
            int user = (int) ((i / 40 + random.nextInt(4)) % USERS);
            long eventTime = time - random.nextLong(Duration.ofMinutes(20).toMillis());
            records.add(record(i, "user-" + user, eventTime, "agent-" + random.nextInt(4)));
        }
        return records;
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, String user, long timestamp, String agent) {
        String outcome = offset % 5 == 0 ? "FAILURE" : "SUCCESS";
        String json = "{\"userId\":\"" + user + "\",\"timestamp\":" + timestamp + ",\"outcome\":\"" + outcome
                + "\",\"userAgent\":\"" + agent + "\"}";
        return new ConsumerRecord<>(
                "logins", 0, offset, user.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8));
    }

    /** One partition's state and handler, as the processor drives them. */
    private static final class Partition {
        final Backends kind;
        final Path directory;
        final ManualClock clock;
        final boolean backstop;
        final int cleanupBatchSize;
        final LayeredKeyedStateBackend state;
        final LoginPartitionHandler handler;

        Partition(Backends kind, Path directory, ManualClock clock, boolean backstop) {
            this(kind, directory, clock, backstop, 7);
        }

        Partition(Backends kind, Path directory, ManualClock clock, boolean backstop, int cleanupBatchSize) {
            this.cleanupBatchSize = cleanupBatchSize;
            this.kind = kind;
            this.directory = directory;
            this.clock = clock;
            this.backstop = backstop;
            ByteStore backend = kind.open(directory, LayeredKeyedStateBackend.tableNames(STATES.all()));
            this.state = new LayeredKeyedStateBackend(
                    backend,
                    STATES.all(),
                    new EventTimeClock(clock, LATENESS, backstop, Duration.ofMinutes(5)),
                    new TtlCleanupSettings(cleanupBatchSize, Duration.ofMinutes(30)));
            this.handler = new LoginPartitionHandler(state, STATES, new LoginEventParser(1 << 20));
        }

        void apply(List<ConsumerRecord<byte[], byte[]>> batch) {
            BatchOutcome outcome = new BatchOutcome();
            handler.applyBatch(batch, outcome);
            assertThat(outcome.rejections()).isEmpty();
            state.cleanupIncrementally();
            state.commit(batch.get(batch.size() - 1).offset() + 1);
        }

        Partition restart() {
            state.close();
            return new Partition(kind, directory, clock, backstop, cleanupBatchSize);
        }

        Map<String, String> visible() {
            Map<String, String> users = new LinkedHashMap<>();
            for (int user = 0; user < USERS; user++) {
                users.put("user-" + user, visibleUser("user-" + user));
            }
            users.put("alice", visibleUser("alice"));
            users.put("bob", visibleUser("bob"));
            return users;
        }

        String visibleUser(String user) {
            return render(user);
        }

        String render(String user) {
            KeyedStateStore view = state.readView();
            view.setCurrentKey(user.getBytes(StandardCharsets.UTF_8));
            UserLoginState aggregate = view.valueState(STATES.user).value();
            if (aggregate == null) {
                return "absent";
            }
            StringBuilder text = new StringBuilder()
                    .append("last=")
                    .append(aggregate.lastLogin())
                    .append(" first=")
                    .append(aggregate.firstSeen())
                    .append(" logins=")
                    .append(aggregate.loginCount())
                    .append(" failed=")
                    .append(aggregate.failedLoginCount())
                    .append(" recent=[");
            List<RecentLogin> recent = view.listState(STATES.recentLogins).get();
            for (int i = 0; i < recent.size(); i++) {
                text.append(i == 0 ? "" : ",")
                        .append(recent.get(i).timestamp())
                        .append('/')
                        .append(recent.get(i).success());
            }
            return text.append("] devices=")
                    .append(view.mapState(STATES.devices).entries())
                    .toString();
        }

        /** Entries in the three state tables, expired or not. */
        long storedEntries() {
            long entries = 0;
            for (String table : List.of(STATES.user.name(), STATES.recentLogins.name(), STATES.devices.name())) {
                entries += state.store()
                        .committedTable(table)
                        .scan(new byte[0], null, Integer.MAX_VALUE)
                        .size();
            }
            return entries;
        }

        void close() {
            state.close();
        }
    }
}
