package io.loginstate.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loginstate.checkpoint.CheckpointMetrics;
import io.loginstate.checkpoint.CheckpointService;
import io.loginstate.checkpoint.Checkpointer;
import io.loginstate.checkpoint.ForeignCheckpointException;
import io.loginstate.checkpoint.OffsetCommitter;
import io.loginstate.checkpoint.TestCheckpointers;
import io.loginstate.login.LoginApplication;
import io.loginstate.objectstore.ObjectInfo;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.processing.PartitionOpener;
import io.loginstate.state.KeyedStateBackendBuilder;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.rocksdb.RocksDBSharedResources;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.testing.ManualClock;
import io.loginstate.testing.ObjectStores;
import io.loginstate.testing.ObjectStores.Kind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two deployments (consumer groups) checkpointing into one bucket and prefix, each with its own
 * checkpoint stack over real RocksDB, against a directory and a real S3Proxy.
 */
class DeploymentIsolationTest {

    @RegisterExtension
    static final ObjectStores STORES = new ObjectStores("deployments");

    private static final TopicPartition PARTITION = new TopicPartition("logins", 2);

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(System.currentTimeMillis());
    private final RocksDBSharedResources rocks = new RocksDBSharedResources(8 << 20, 4 << 20);
    private final LoginApplication application = new LoginApplication(TtlConfig.of(Duration.ofDays(30)), 1 << 20);
    private final List<CheckpointService> services = new ArrayList<>();
    private final AtomicInteger stateDirs = new AtomicInteger();
    private ObjectStore store;

    @AfterEach
    void close() {
        services.forEach(service -> service.shutdown(Duration.ofSeconds(10)));
        if (store != null) {
            store.close();
        }
        rocks.close();
    }

    /** A deployment's stack: its checkpoint service over the shared store; a fresh state directory per open. */
    private final class Deployment {
        private final CheckpointService checkpoints;

        Deployment(String id, boolean readLegacyLayout) {
            checkpoints = new CheckpointService(
                    store,
                    TestCheckpointers.settings(3, Duration.ofMinutes(15), id, readLegacyLayout),
                    dir.resolve("snapshots-" + id),
                    Map.of("test", "true"),
                    OffsetCommitter.NONE,
                    clock,
                    new CheckpointMetrics(new SimpleMeterRegistry()));
            services.add(checkpoints);
        }

        /** Opens the partition on a new volume (so it restores), returns the restored position or -1. */
        long openAndCommit(long epoch, long offset) throws Exception {
            PartitionOpener.Opened opened = assembly(checkpoints).open(PARTITION, epoch);
            try {
                long restored = opened.state().position().orElse(-1);
                if (offset >= 0) {
                    opened.state().commit(offset);
                    assertThat(opened.checkpointer()
                                    .checkpointNow(opened.state())
                                    .get(30, TimeUnit.SECONDS))
                            .as("published at %d", offset)
                            .isTrue();
                }
                return restored;
            } finally {
                opened.checkpointer().close();
                opened.state().close();
            }
        }
    }

    private PartitionAssembly assembly(CheckpointService checkpoints) {
        KeyedStateBackendBuilder states = KeyedStateBackendBuilder.of(application.stateDescriptors())
                .clock(clock)
                .eventTime(Duration.ofMinutes(5), true, Duration.ofMinutes(5))
                .cleanup(new TtlCleanupSettings(1000, Duration.ofHours(1)));
        return new PartitionAssembly(
                dir.resolve("state-" + stateDirs.incrementAndGet()), states, rocks, application, checkpoints);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void twoDeploymentsSharingAStoreNeitherFenceNorRestoreEachOther(Kind kind) throws Exception {
        store = STORES.open(kind, dir);
        Deployment a = new Deployment("group-a", true);
        Deployment b = new Deployment("group-b", true);

        assertThat(a.openAndCommit(5, 40)).isEqualTo(-1);
        // group-b is young: its generation lies below group-a's.
        assertThat(b.openAndCommit(1, 7))
                .as("group-b starts without group-a's state")
                .isEqualTo(-1);
        assertThat(a.openAndCommit(6, 41)).as("group-a restores its own").isEqualTo(40);
        assertThat(b.openAndCommit(2, 8)).as("group-b restores its own").isEqualTo(7);
        assertThat(a.openAndCommit(7, -1)).isEqualTo(41);
        assertThat(b.openAndCommit(3, -1)).isEqualTo(8);

        assertThat(store.exists("group-a/logins/2/LATEST")).isTrue();
        assertThat(store.exists("group-b/logins/2/LATEST")).isTrue();
        assertThat(store.list("group-a/").stream().map(ObjectInfo::key).filter(key -> key.endsWith("/manifest.json")))
                .isNotEmpty()
                .allSatisfy(key -> assertThat(new String(store.get(key).orElseThrow()))
                        .contains("\"deploymentId\" : \"group-a\""));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void checkpointsOfTheLayoutBeforeDeploymentIdsAreRestoredOnceAndNewOnesWrittenUnderTheDeployment(Kind kind)
            throws Exception {
        store = STORES.open(kind, dir);
        // What an earlier version wrote: <topic>/<partition>/..., manifests without a deployment.
        PartitionOpener.Opened old = new PartitionAssembly(
                        dir.resolve("old-state"),
                        KeyedStateBackendBuilder.of(application.stateDescriptors())
                                .clock(clock),
                        rocks,
                        application,
                        null)
                .open(PARTITION, 4);
        ExecutorService uploads = Executors.newFixedThreadPool(2);
        ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();
        try (Checkpointer legacy = TestCheckpointers.legacyCheckpointer(
                PARTITION,
                store,
                4,
                dir.resolve("old-local"),
                TestCheckpointers.settings(3, Duration.ofMinutes(15)),
                uploads,
                retries,
                clock)) {
            old.state().commit(40);
            assertThat(legacy.checkpointNow(old.state()).get(30, TimeUnit.SECONDS))
                    .isTrue();
        } finally {
            old.state().close();
            uploads.shutdownNow();
            retries.shutdownNow();
        }
        byte[] oldLatest = store.get("logins/2/LATEST").orElseThrow();

        Deployment a = new Deployment("group-a", true);
        assertThat(a.openAndCommit(5, 50))
                .as("the old layout's checkpoint is found while the deployment has none")
                .isEqualTo(40);
        assertThat(a.openAndCommit(6, -1))
                .as("then the deployment's own checkpoints win")
                .isEqualTo(50);
        assertThat(store.get("logins/2/LATEST").orElseThrow())
                .as("the old layout is read, never written")
                .isEqualTo(oldLatest);

        Deployment other = new Deployment("group-b", false);
        assertThat(other.openAndCommit(1, -1))
                .as("a deployment told not to read the old layout starts without it")
                .isEqualTo(-1);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aCheckpointWhoseManifestNamesAnotherDeploymentIsRefused(Kind kind) throws Exception {
        store = STORES.open(kind, dir);
        Deployment a = new Deployment("group-a", true);
        a.openAndCommit(5, 40);
        // Someone copies group-a's prefix to group-b's.
        for (ObjectInfo object : store.list("group-a/")) {
            store.put(
                    "group-b/" + object.key().substring("group-a/".length()),
                    store.get(object.key()).orElseThrow());
        }
        Deployment b = new Deployment("group-b", true);
        assertThatThrownBy(() -> b.openAndCommit(9, -1))
                .isInstanceOf(ForeignCheckpointException.class)
                .hasMessageContaining("group-a")
                .hasMessageContaining("group-b")
                .hasMessageContaining("login-state.checkpoint.deployment-id");
    }
}
