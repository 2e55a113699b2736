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
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's devices are capped: a new device beyond the cap evicts the one seen longest ago, so
 * neither the state nor a query of one user grows with the number of user agents it sends.
 */
class DeviceCapTest {

    private static final long T0 = 1_790_000_000_000L;
    private static final TtlConfig TTL = TtlConfig.of(Duration.ofDays(30));

    @TempDir
    Path dir;

    private LayeredKeyedStateBackend state(LoginApplication application) {
        return new LayeredKeyedStateBackend(
                Backends.ROCKSDB.open(dir, LayeredKeyedStateBackend.tableNames(application.stateDescriptors())),
                application.stateDescriptors(),
                new EventTimeClock(new ManualClock(T0), Duration.ofMinutes(5), true, Duration.ofMinutes(5)),
                new TtlCleanupSettings(100, Duration.ofHours(1)));
    }

    private static ConsumerRecord<byte[], byte[]> login(long offset, String agent, long timestamp) {
        String json = "{\"userId\":\"alice\",\"timestamp\":" + timestamp + ",\"userAgent\":\"" + agent
                + "\",\"outcome\":\"SUCCESS\"}";
        return new ConsumerRecord<>(
                "logins", 0, offset, "alice".getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8));
    }

    private static Map<Long, Long> devices(LayeredKeyedStateBackend state, LoginApplication application) {
        state.setCurrentKey("alice".getBytes(StandardCharsets.UTF_8));
        return state.mapState(application.states().devices).entries();
    }

    @Test
    void byDefaultAUserKeepsItsHundredNewestDevices() {
        LoginApplication application = new LoginApplication(TTL, 1 << 20);
        try (LayeredKeyedStateBackend state = state(application)) {
            PartitionStateHandler handler = application.create(new TopicPartition("logins", 0), state);
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                records.add(login(i, "agent-" + i, T0 - Duration.ofHours(2).toMillis() + i * 1000L));
            }
            BatchOutcome outcome = new BatchOutcome();
            handler.applyBatch(records, outcome);
            state.commit(150);
            Map<Long, Long> devices = devices(state, application);
            assertThat(devices).hasSize(100);
            assertThat(Collections.min(devices.values()))
                    .as("the 50 seen longest ago were evicted")
                    .isEqualTo(T0 - Duration.ofHours(2).toMillis() + 50 * 1000L);
        }
    }

    @Test
    void aDeviceSeenAgainIsNotTheOneEvicted() {
        LoginApplication application = new LoginApplication(TTL, 1 << 20, 3);
        try (LayeredKeyedStateBackend state = state(application)) {
            PartitionStateHandler handler = application.create(new TopicPartition("logins", 0), state);
            long t = T0 - Duration.ofHours(1).toMillis();
            handler.applyBatch(
                    List.of(
                            login(0, "phone", t),
                            login(1, "laptop", t + 1000),
                            login(2, "tablet", t + 2000),
                            login(3, "phone", t + 3000), // seen again: laptop is now the oldest
                            login(4, "watch", t + 4000)),
                    new BatchOutcome());
            state.commit(5);
            assertThat(devices(state, application).values()).containsExactlyInAnyOrder(t + 2000, t + 3000, t + 4000);
        }
    }
}
