package io.loginstate.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loginstate.checkpoint.CheckpointMetrics;
import io.loginstate.checkpoint.CheckpointService;
import io.loginstate.checkpoint.FlakyObjectStore;
import io.loginstate.checkpoint.OffsetCommitter;
import io.loginstate.checkpoint.TestCheckpointers;
import io.loginstate.login.LoginApplication;
import io.loginstate.objectstore.DirectoryObjectStore;
import io.loginstate.objectstore.ObjectStoreException;
import io.loginstate.processing.PartitionOpener;
import io.loginstate.state.KeyedStateBackendBuilder;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.rocksdb.RocksDBSharedResources;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening a partition against a real RocksDB and a directory store that fails at chosen calls. */
class PartitionAssemblyTest {

    private static final TopicPartition PARTITION = new TopicPartition("logins", 2);

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(System.currentTimeMillis());
    private final RocksDBSharedResources rocks = new RocksDBSharedResources(8 << 20, 4 << 20);
    private FlakyObjectStore store;
    private CheckpointService checkpoints;

    @AfterEach
    void close() {
        if (checkpoints != null) {
            checkpoints.shutdown(Duration.ofSeconds(10));
        }
        if (store != null) {
            store.close();
        }
        rocks.close();
    }

    private PartitionAssembly assembly(Path stateDir) {
        LoginApplication application = new LoginApplication(TtlConfig.of(Duration.ofDays(30)), 1 << 20);
        KeyedStateBackendBuilder states = KeyedStateBackendBuilder.of(application.stateDescriptors())
                .clock(clock)
                .eventTime(Duration.ofMinutes(5), true, Duration.ofMinutes(5))
                .cleanup(new TtlCleanupSettings(1000, Duration.ofHours(1)));
        return new PartitionAssembly(stateDir, states, rocks, application, checkpoints);
    }

    @Test
    void aRestoreThatFailsReleasesTheLocalStateSoTheRetrySucceeds() throws Exception {
        store = new FlakyObjectStore(new DirectoryObjectStore(dir.resolve("store")));
        checkpoints = new CheckpointService(
                store,
                TestCheckpointers.settings(3, Duration.ofMinutes(15)),
                dir.resolve("snapshots"),
                Map.of("test", "true"),
                OffsetCommitter.NONE,
                clock,
                new CheckpointMetrics(new SimpleMeterRegistry()));

        // This instance held the partition up to offset 10, without a checkpoint.
        PartitionAssembly here = assembly(dir.resolve("here"));
        PartitionOpener.Opened older = here.open(PARTITION, 1);
        older.state().commit(10);
        older.checkpointer().close();
        older.state().close();

        // Then another owner checkpointed it at offset 40.
        PartitionOpener.Opened other = assembly(dir.resolve("other")).open(PARTITION, 2);
        other.state().commit(40);
        assertThat(other.checkpointer().checkpointNow(other.state()).get(30, TimeUnit.SECONDS))
                .isTrue();
        other.checkpointer().close();
        other.state().close();

        // Back here, reading the checkpoint's manifest fails once.
        store.failNext(key -> key.endsWith("manifest.json"), 1);
        assertThatThrownBy(() -> here.open(PARTITION, 3)).isInstanceOf(ObjectStoreException.class);

        PartitionOpener.Opened retried = here.open(PARTITION, 3);
        try {
            assertThat(retried.state().position())
                    .as("the retry restored the checkpoint")
                    .hasValue(40);
        } finally {
            retried.checkpointer().close();
            retried.state().close();
        }
    }
}
