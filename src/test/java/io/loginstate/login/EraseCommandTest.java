package io.loginstate.login;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.processing.BatchOutcome;
import io.loginstate.processing.PartitionStateHandler;
import io.loginstate.state.Backends;
import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An erase command on the input topic removes everything stored for its user, in offset order
 * with the user's events: events before it are gone, events after it start from nothing, other
 * users are untouched, and an aborted batch that held it erases again when retried.
 */
class EraseCommandTest {

    private static final long T0 = 1_790_000_000_000L;
    private static final TtlConfig TTL = TtlConfig.of(Duration.ofDays(30));

    @TempDir
    Path dir;

    private final LoginApplication application = new LoginApplication(TTL, 1 << 20);

    private LayeredKeyedStateBackend state(Backends backend, Path directory) {
        return new LayeredKeyedStateBackend(
                backend.open(directory, LayeredKeyedStateBackend.tableNames(application.stateDescriptors())),
                application.stateDescriptors(),
                new EventTimeClock(new ManualClock(T0), Duration.ofMinutes(5), true, Duration.ofMinutes(5)),
                new TtlCleanupSettings(100, Duration.ofHours(1)));
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, String user, String json) {
        return new ConsumerRecord<>(
                "logins", 0, offset, user.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8));
    }

    private static ConsumerRecord<byte[], byte[]> login(long offset, String user, long timestamp, boolean success) {
        return record(
                offset,
                user,
                "{\"userId\":\"" + user + "\",\"timestamp\":" + timestamp + ",\"userAgent\":\"agent-" + offset
                        + "\",\"outcome\":\"" + (success ? "SUCCESS" : "FAILURE") + "\"}");
    }

    private static ConsumerRecord<byte[], byte[]> erase(long offset, String user) {
        return record(offset, user, "{\"type\":\"erase\",\"erasureId\":\"erasure-" + offset + "\"}");
    }

    private UserLoginState user(LayeredKeyedStateBackend state, String user) {
        state.setCurrentKey(user.getBytes(StandardCharsets.UTF_8));
        return state.valueState(application.states().user).value();
    }

    private List<RecentLogin> recent(LayeredKeyedStateBackend state, String user) {
        state.setCurrentKey(user.getBytes(StandardCharsets.UTF_8));
        return state.listState(application.states().recentLogins).get();
    }

    private int devices(LayeredKeyedStateBackend state, String user) {
        state.setCurrentKey(user.getBytes(StandardCharsets.UTF_8));
        return state.mapState(application.states().devices).entries().size();
    }

    private List<ConsumerRecord<byte[], byte[]>> input() {
        long hour = Duration.ofHours(1).toMillis();
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        records.add(login(0, "alice", T0 - 5 * hour, true));
        records.add(login(1, "bob", T0 - 5 * hour, true));
        records.add(login(2, "alice", T0 - 4 * hour, false));
        records.add(erase(3, "alice"));
        records.add(login(4, "bob", T0 - 3 * hour, false));
        records.add(login(5, "alice", T0 - 2 * hour, true));
        records.add(erase(6, "nobody"));
        return records;
    }

    private void assertErasedAndRebuilt(LayeredKeyedStateBackend state) {
        UserLoginState alice = user(state, "alice");
        assertThat(alice.loginCount())
                .as("only the login after the erasure counts")
                .isEqualTo(1);
        assertThat(alice.failedLoginCount()).isZero();
        assertThat(alice.firstSeen()).isEqualTo(T0 - Duration.ofHours(2).toMillis());
        assertThat(recent(state, "alice")).hasSize(1);
        assertThat(devices(state, "alice")).isEqualTo(1);
        UserLoginState bob = user(state, "bob");
        assertThat(bob.loginCount()).isEqualTo(1);
        assertThat(bob.failedLoginCount()).isEqualTo(1);
        assertThat(recent(state, "bob")).hasSize(2);
        assertThat(devices(state, "bob")).isEqualTo(2);
        assertThat(user(state, "nobody")).isNull();
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void anEraseCommandRemovesTheUserInOrderWithItsEvents(Backends backend) {
        try (LayeredKeyedStateBackend state = state(backend, dir.resolve("a"))) {
            PartitionStateHandler handler = application.create(new TopicPartition("logins", 0), state);
            BatchOutcome outcome = new BatchOutcome();
            handler.applyBatch(input(), outcome);
            state.commit(7);
            assertThat(outcome.rejections()).isEmpty();
            assertErasedAndRebuilt(state);
        }
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void anAbortedErasureIsAppliedAgainWhenTheBatchIsRetried(Backends backend) {
        try (LayeredKeyedStateBackend state = state(backend, dir.resolve("b"))) {
            PartitionStateHandler handler = application.create(new TopicPartition("logins", 0), state);
            List<ConsumerRecord<byte[], byte[]>> records = input();
            handler.applyBatch(records.subList(0, 3), new BatchOutcome());
            state.commit(3);
            assertThat(user(state, "alice").failedLoginCount()).isEqualTo(1);
            handler.applyBatch(records.subList(3, records.size()), new BatchOutcome());
            state.abort();
            assertThat(user(state, "alice").failedLoginCount())
                    .as("an aborted batch keeps the user")
                    .isEqualTo(1);
            handler.applyBatch(records.subList(3, records.size()), new BatchOutcome());
            state.commit(7);
            assertErasedAndRebuilt(state);
        }
    }
}
