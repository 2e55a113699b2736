package io.loginstate.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loginstate.checkpoint.CheckpointMetrics;
import io.loginstate.checkpoint.CheckpointService;
import io.loginstate.checkpoint.OffsetCommitter;
import io.loginstate.checkpoint.TestCheckpointers;
import io.loginstate.config.LoginStateConfig;
import io.loginstate.config.StateBackendSettings;
import io.loginstate.login.LoginApplication;
import io.loginstate.objectstore.DirectoryObjectStore;
import io.loginstate.objectstore.ObjectInfo;
import io.loginstate.processing.PartitionOpener;
import io.loginstate.state.KeyedStateBackendBuilder;
import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.api.KeyedStateBackend;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.heap.HeapBudget;
import io.loginstate.state.rocksdb.RocksDBSharedResources;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition over the heap backend, as the composition root assembles it, against a directory
 * object store: it opens empty, or from its latest checkpoint; it keeps nothing on the volume, so
 * every open restores from the checkpoint; its bytes count in the instance's budget and gauges.
 */
class HeapPartitionAssemblyTest {

    private static final TopicPartition PARTITION = new TopicPartition("logins", 2);

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(System.currentTimeMillis());
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final LoginApplication application = new LoginApplication(TtlConfig.of(Duration.ofDays(30)), 1 << 20);
    private final HeapBudget budget = new HeapBudget(64 << 20);
    private final HeapPartitionStores stores = new HeapPartitionStores(budget, meters);
    private DirectoryObjectStore store;
    private CheckpointService checkpoints;

    @AfterEach
    void close() {
        if (checkpoints != null) {
            checkpoints.shutdown(Duration.ofSeconds(10));
        }
        if (store != null) {
            store.close();
        }
    }

    private PartitionAssembly assembly(Path stateDir) {
        KeyedStateBackendBuilder states = KeyedStateBackendBuilder.of(application.stateDescriptors())
                .clock(clock)
                .eventTime(Duration.ofMinutes(5), true, Duration.ofMinutes(5))
                .cleanup(new TtlCleanupSettings(1000, Duration.ofHours(1)))
                .cacheBytes(stores.cacheBytes(1 << 20));
        return new PartitionAssembly(stateDir, states, stores, application, checkpoints);
    }

    private void startCheckpoints() {
        store = new DirectoryObjectStore(dir.resolve("store"));
        checkpoints = new CheckpointService(
                store,
                TestCheckpointers.settings(3, Duration.ofMinutes(15)),
                dir.resolve("snapshots"),
                Map.of("test", "true"),
                OffsetCommitter.NONE,
                clock,
                new CheckpointMetrics(meters));
    }

    @Test
    void opensEmptyThenFromItsLatestCheckpointAndNeverFromWhatAnEarlierRunLeft() throws Exception {
        startCheckpoints();
        Path here = dir.resolve("here");
        String table = LayeredKeyedStateBackend.tableNames(application.stateDescriptors())
                .get(2);
        PartitionOpener.Opened first = assembly(here).open(PARTITION, 1);
        try {
            assertThat(first.state().position())
                    .as("nothing checkpointed yet: empty")
                    .isEmpty();
            assertThat(((LayeredKeyedStateBackend) first.state()).store().committedTable(table))
                    .isNotNull();
            writeRaw(first.state(), table, 0, 2_000, "a");
            first.state().commit(40);
            assertThat(heapGauge()).isEqualTo(budget.usedBytes()).isPositive();
            // The way the service checkpoints: a snapshot taken off the partition's thread.
            assertThat(first.checkpointer()
                            .start(first.state()::snapshotConcurrently)
                            .get(30, TimeUnit.SECONDS))
                    .isTrue();
        } finally {
            first.checkpointer().close();
            first.state().close();
        }
        assertThat(budget.usedBytes())
                .as("a closed partition gives its bytes back")
                .isZero();
        assertThat(here.resolve("logins-2")).as("no local state").doesNotExist();
        List<String> files = store.list(TestCheckpointers.layout(PARTITION).partitionPrefix() + "/").stream()
                .map(ObjectInfo::key)
                .toList();
        assertThat(files).anySatisfy(key -> assertThat(key).endsWith("/heap-state.bin"));
        assertThat(files).noneSatisfy(key -> assertThat(key).endsWith(".sst"));

        // Restored from the checkpoint; then it goes on to offset 60 without a checkpoint, and is killed.
        PartitionOpener.Opened second = assembly(here).open(PARTITION, 2);
        try {
            assertThat(second.state().position()).hasValue(40);
            assertThat(second.checkpointer().durableOffset()).isEqualTo(40);
            assertUsers(second.state(), table, 2_000, "a");
            assertThat(here.resolve("logins-2"))
                    .as("the downloaded snapshot is read, then deleted")
                    .doesNotExist();
            writeRaw(second.state(), table, 0, 3_000, "b");
            second.state().commit(60);
        } finally {
            second.checkpointer().close();
            second.state().close();
        }
        // What a crash in the middle of a restore may leave behind.
        Files.createDirectories(here.resolve("logins-2"));
        Files.writeString(here.resolve("logins-2").resolve("CURRENT"), "MANIFEST-000001\n");

        PartitionOpener.Opened third = assembly(here).open(PARTITION, 3);
        try {
            assertThat(third.state().position())
                    .as("the heap keeps nothing across a restart: the checkpoint is restored")
                    .hasValue(40);
            assertUsers(third.state(), table, 2_000, "a");
            assertThat(heapGauge()).isEqualTo(budget.usedBytes()).isPositive();
            assertThat(meters.get("login_state.heap.state.budget").gauge().value())
                    .isEqualTo(64 << 20);
        } finally {
            third.checkpointer().close();
            third.state().close();
        }
    }

    /** A backend switched under published checkpoints: the other one's files are not taken for state. */
    @Test
    void aCheckpointOfTheOtherBackendIsNotReadButTheTopicReplayed() throws Exception {
        startCheckpoints();
        try (RocksDBSharedResources rocks = new RocksDBSharedResources(8 << 20, 4 << 20)) {
            KeyedStateBackendBuilder states =
                    KeyedStateBackendBuilder.of(application.stateDescriptors()).clock(clock);
            PartitionAssembly onRocks =
                    new PartitionAssembly(dir.resolve("rocks"), states, rocks, application, checkpoints);
            PartitionAssembly onHeap = assembly(dir.resolve("heap"));

            checkpointAt(onHeap, 1, 40);
            PartitionOpener.Opened rocksAfterHeap = onRocks.open(PARTITION, 2);
            try {
                assertThat(rocksAfterHeap.state().position())
                        .as("rebuilt from the topic")
                        .isEmpty();
                // Left there, the stale snapshot would go into every later checkpoint, and a switch
                // back to the heap would restore it.
                assertThat(dir.resolve("rocks").resolve("logins-2").resolve("heap-state.bin"))
                        .as("RocksDB does not open an empty database beside a heap snapshot")
                        .doesNotExist();
            } finally {
                rocksAfterHeap.checkpointer().close();
                rocksAfterHeap.state().close();
            }

            checkpointAt(onRocks, 3, 60);
            PartitionOpener.Opened heapAfterRocks = onHeap.open(PARTITION, 4);
            try {
                assertThat(heapAfterRocks.state().position()).isEmpty();
                assertThat(dir.resolve("heap").resolve("logins-2")).doesNotExist();
            } finally {
                heapAfterRocks.checkpointer().close();
                heapAfterRocks.state().close();
            }
        }
    }

    private static void checkpointAt(PartitionAssembly assembly, long epoch, long offset) throws Exception {
        PartitionOpener.Opened opened = assembly.open(PARTITION, epoch);
        try {
            opened.state().commit(offset);
            assertThat(opened.checkpointer().checkpointNow(opened.state()).get(30, TimeUnit.SECONDS))
                    .isTrue();
        } finally {
            opened.checkpointer().close();
            opened.state().close();
        }
    }

    @Test
    void withoutCheckpointsAHeapPartitionAlwaysOpensEmpty() {
        PartitionOpener.Opened opened = assembly(dir.resolve("plain")).open(PARTITION, 1);
        opened.state().commit(7);
        opened.state().close();
        PartitionOpener.Opened again = assembly(dir.resolve("plain")).open(PARTITION, 2);
        try {
            assertThat(again.state().position()).isEmpty();
        } finally {
            again.state().close();
        }
    }

    @Test
    void theBackendIsChosenByNameAndTheHeapBudgetLeavesHeadroom() {
        long maxHeap = 1_000_000_000L;
        PartitionStores heap = StateBackends.create(settings("HEAP", Optional.empty()), null, meters, maxHeap);
        assertThat(heap).isInstanceOf(HeapPartitionStores.class);
        assertThat(((HeapPartitionStores) heap).budget().maxBytes())
                .as("40% of the maximum heap")
                .isEqualTo(400_000_000L);
        assertThat(heap.keepsLocalState()).isFalse();
        assertThat(heap.cacheBytes(1 << 20))
                .as("no read cache in front of the heap")
                .isZero();
        assertThat(StateBackends.heapBudget(
                        settings("heap", Optional.of(750_000_000L)).heap(), maxHeap))
                .isEqualTo(750_000_000L);
        assertThatThrownBy(() -> StateBackends.heapBudget(
                        settings("heap", Optional.of(750_000_001L)).heap(), maxHeap))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("login-state.state.heap.max-bytes")
                .hasMessageContaining("75%");
        assertThatThrownBy(() -> StateBackends.create(
                        settings("leveldb", Optional.empty()), (LoginStateConfig.RocksDb) null, meters, maxHeap))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("login-state.state.backend is 'leveldb'")
                .hasMessageContaining("[heap, rocksdb]");
    }

    private static StateBackendSettings settings(String backend, Optional<Long> maxBytes) {
        StateBackendSettings.Heap heap = (StateBackendSettings.Heap) Proxy.newProxyInstance(
                StateBackendSettings.class.getClassLoader(),
                new Class<?>[] {StateBackendSettings.Heap.class},
                (proxy, method, args) -> maxBytes);
        return (StateBackendSettings) Proxy.newProxyInstance(
                StateBackendSettings.class.getClassLoader(),
                new Class<?>[] {StateBackendSettings.class},
                (proxy, method, args) -> method.getName().equals("backend") ? backend : heap);
    }

    private double heapGauge() {
        return meters.get("login_state.heap.state").gauge().value();
    }

    private static void writeRaw(KeyedStateBackend state, String table, int from, int to, String suffix) {
        ByteTable raw = ((LayeredKeyedStateBackend) state).store().table(table);
        for (int user = from; user < to; user++) {
            raw.put(key(user), value(user, suffix));
        }
    }

    private static void assertUsers(KeyedStateBackend state, String table, int users, String suffix) {
        ByteTable committed = ((LayeredKeyedStateBackend) state).store().committedTable(table);
        for (int user = 0; user < users + 100; user++) {
            assertThat(committed.get(key(user)))
                    .as("user %d", user)
                    .isEqualTo(user < users ? value(user, suffix) : null);
        }
    }

    private static byte[] key(int user) {
        return ("user-" + user).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(int user, String suffix) {
        return ("profile of user " + user + " written " + suffix).getBytes(StandardCharsets.UTF_8);
    }
}
