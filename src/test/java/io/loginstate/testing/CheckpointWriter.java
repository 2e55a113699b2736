package io.loginstate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.checkpoint.CheckpointSettings;
import io.loginstate.checkpoint.Checkpointer;
import io.loginstate.checkpoint.TestCheckpointers;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.state.Backends;
import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.Serializers;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.api.ValueState;
import io.loginstate.state.rocksdb.RocksDBStore;
import io.loginstate.state.ttl.TtlCleanupSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;

/**
 * Real checkpoints in a store, as the service makes them: RocksDB state of 500 users per offset,
 * each offset checkpointed and published by the production checkpointer of the test deployment
 * ({@link TestCheckpointers}, 3 retained).
 */
public final class CheckpointWriter implements AutoCloseable {

    public static final String DEPLOYMENT = "test-deployment";

    private static final StateDescriptor<ValueState<String>> PROFILE =
            StateDescriptor.value("profile", Serializers.STRING).withTtl(TtlConfig.of(Duration.ofHours(1)));
    private static final List<StateDescriptor<?>> DESCRIPTORS = List.of(PROFILE);

    private final Path dir;
    private final InstantSource clock;
    private final ExecutorService uploads = Executors.newFixedThreadPool(2);
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();
    private final List<Checkpointer> checkpointers = new ArrayList<>();

    /** @param dir where the local state and snapshots go */
    public CheckpointWriter(Path dir, InstantSource clock) {
        this.dir = dir;
        this.clock = clock;
    }

    /** Checkpoints partition {@code partition} of {@code logins} at each offset, as owner {@code epoch}. */
    public void write(ObjectStore store, int partition, long epoch, long... offsets) throws Exception {
        write(store, partition, epoch, false, offsets);
    }

    /** Like {@link #write}, in the layout before deployment ids, as an earlier version wrote it. */
    public void writeLegacy(ObjectStore store, int partition, long epoch, long... offsets) throws Exception {
        write(store, partition, epoch, true, offsets);
    }

    private void write(ObjectStore store, int partition, long epoch, boolean legacy, long... offsets) throws Exception {
        TopicPartition topicPartition = new TopicPartition("logins", partition);
        String name = store.name().hashCode() + "-" + partition + "-" + epoch + (legacy ? "-legacy" : "");
        Path local = dir.resolve("local-" + name);
        CheckpointSettings settings = TestCheckpointers.settings(3, Duration.ofMinutes(15));
        Checkpointer checkpointer = legacy
                ? TestCheckpointers.legacyCheckpointer(
                        topicPartition, store, epoch, local, settings, uploads, retries, clock)
                : TestCheckpointers.checkpointer(
                        topicPartition, store, epoch, local, settings, uploads, retries, clock);
        checkpointers.add(checkpointer);
        try (LayeredKeyedStateBackend state = new LayeredKeyedStateBackend(
                Backends.ROCKSDB.open(dir.resolve("db-" + name), LayeredKeyedStateBackend.tableNames(DESCRIPTORS)),
                DESCRIPTORS,
                new EventTimeClock(clock, Duration.ZERO, true, Duration.ofMinutes(5)),
                new TtlCleanupSettings(1000, Duration.ofMinutes(10)))) {
            int user = 0;
            for (long offset : offsets) {
                for (int i = 0; i < 500; i++, user++) {
                    state.time().advance(state.time().wallClockMillis());
                    state.setCurrentKey(("user-" + user).getBytes(StandardCharsets.UTF_8));
                    state.valueState(PROFILE).update("profile of user " + user);
                }
                state.commit(offset);
                ((RocksDBStore) state.store()).flush();
                assertThat(checkpointer.checkpointNow(state).get(30, TimeUnit.SECONDS))
                        .as("checkpoint of partition %d at offset %d published", partition, offset)
                        .isTrue();
            }
        }
    }

    @Override
    public void close() {
        checkpointers.forEach(Checkpointer::close);
        uploads.shutdownNow();
        retries.shutdownNow();
    }
}
