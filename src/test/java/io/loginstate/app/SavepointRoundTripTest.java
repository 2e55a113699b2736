package io.loginstate.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.loginstate.checkpoint.CheckpointMetrics;
import io.loginstate.checkpoint.CheckpointService;
import io.loginstate.checkpoint.OffsetCommitter;
import io.loginstate.checkpoint.TestCheckpointers;
import io.loginstate.login.LoginApplication;
import io.loginstate.login.UserLoginState;
import io.loginstate.login.UserStateReader;
import io.loginstate.objectstore.DirectoryObjectStore;
import io.loginstate.objectstore.ObjectInfo;
import io.loginstate.processing.KeyPartitioner;
import io.loginstate.processing.PartitionProcessor;
import io.loginstate.processing.ProcessingMetrics;
import io.loginstate.processing.ProcessingObserver;
import io.loginstate.processing.ProcessorRegistry;
import io.loginstate.savepoint.SavepointCatalog;
import io.loginstate.savepoint.SavepointCoordinator;
import io.loginstate.savepoint.SavepointManifest;
import io.loginstate.savepoint.SavepointNotFoundException;
import io.loginstate.savepoint.SavepointRefusedException;
import io.loginstate.savepoint.SavepointResplit;
import io.loginstate.savepoint.SavepointSource;
import io.loginstate.savepoint.SavepointStatus;
import io.loginstate.state.KeyedStateBackendBuilder;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.heap.HeapBudget;
import io.loginstate.state.rocksdb.RocksDBSharedResources;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.testing.ExpectedLogins;
import io.loginstate.testing.ManualClock;
import io.loginstate.testing.RegistrySettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A savepoint taken of one deployment's partitions (real RocksDB, directory store, the service's
 * assembly and processors) restored into a new deployment with a fresh state directory: every
 * user's state as it was, each partition at the savepoint's offset, later events applied on top;
 * damaged parts and a changed partition count refused; checkpoint retention never touching it.
 */
class SavepointRoundTripTest {

    private static final String TOPIC = "logins";
    private static final int PARTITIONS = 4;
    private static final int USERS = 120;
    private static final long START = Instant.now().minus(Duration.ofDays(2)).toEpochMilli();

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(System.currentTimeMillis());
    private final RocksDBSharedResources rocks = new RocksDBSharedResources(8 << 20, 4 << 20);
    private final LoginApplication application = new LoginApplication(TtlConfig.of(Duration.ofDays(30)), 1 << 20);
    private final ExecutorService snapshots = Executors.newSingleThreadExecutor();
    private final List<Deployment> deployments = new ArrayList<>();
    private final Map<Integer, List<ConsumerRecord<byte[], byte[]>>> log = new HashMap<>();
    private DirectoryObjectStore store;
    private long produced;
    /** The topic's partitions now; producers place users on them with Kafka's default partitioner. */
    private int partitions = PARTITIONS;

    private int partitionOf(String user) {
        return KeyPartitioner.MURMUR2.partition(user.getBytes(StandardCharsets.UTF_8), partitions);
    }

    @AfterEach
    void close() {
        deployments.forEach(Deployment::stop);
        snapshots.shutdownNow();
        if (store != null) {
            store.close();
        }
        rocks.close();
    }

    private KeyedStateBackendBuilder states() {
        return KeyedStateBackendBuilder.of(application.stateDescriptors())
                .clock(clock)
                .eventTime(Duration.ofMinutes(5), true, Duration.ofMinutes(5))
                .cleanup(new TtlCleanupSettings(1000, Duration.ofHours(1)));
    }

    /** The state backends a deployment can run on. */
    enum Backend {
        ROCKSDB,
        HEAP
    }

    private PartitionStores stores(Backend backend) {
        return switch (backend) {
            case ROCKSDB -> new RocksDBPartitionStores(rocks, true);
            case HEAP -> new HeapPartitionStores(new HeapBudget(256L << 20), new SimpleMeterRegistry());
        };
    }

    private SavepointParts parts(PartitionStores stores) {
        return new SavepointParts(stores, states().tableNames(), states().exporter());
    }

    /** One deployment: its checkpoints (one retained), a state directory, processors of every partition. */
    private final class Deployment {
        final String id;
        final CheckpointService checkpoints;
        final PartitionStores stores;
        final PartitionAssembly assembly;
        ProcessorRegistry registry;

        Deployment(String id, String savepoint, Supplier<OptionalInt> partitionCount) {
            this(id, id, savepoint, partitionCount, Backend.ROCKSDB);
        }

        Deployment(String id, String savepoint, Supplier<OptionalInt> partitionCount, Backend backend) {
            this(id, id, savepoint, partitionCount, backend);
        }

        Deployment(
                String id, String stateName, String savepoint, Supplier<OptionalInt> partitionCount, Backend backend) {
            this.id = id;
            this.stores = stores(backend);
            checkpoints = new CheckpointService(
                    store,
                    TestCheckpointers.settings(1, Duration.ofMinutes(15), id, false),
                    dir.resolve("snapshots-" + stateName),
                    Map.of("test", "true"),
                    OffsetCommitter.NONE,
                    clock,
                    new CheckpointMetrics(new SimpleMeterRegistry()));
            SavepointRestore restore = savepoint == null
                    ? null
                    : new SavepointRestore(
                            new SavepointSource(new SavepointCatalog(store), savepoint, Duration.ofDays(30), clock),
                            "murmur2",
                            partitionCount,
                            states().importer(),
                            dir.resolve("savepoint-downloads-" + stateName));
            assembly = new PartitionAssembly(
                    dir.resolve("state-" + stateName), states(), stores, application, checkpoints, restore);
            deployments.add(this);
        }

        Deployment open(long epoch) {
            registry = new ProcessorRegistry(
                    assembly,
                    RegistrySettings.forTests(),
                    rejection -> CompletableFuture.completedFuture(null),
                    new ProcessingObserver() {},
                    new ProcessingMetrics(new SimpleMeterRegistry()));
            registry.open(
                    IntStream.range(0, partitions)
                            .mapToObj(p -> new TopicPartition(TOPIC, p))
                            .toList(),
                    epoch);
            return this;
        }

        PartitionProcessor processor(int partition) {
            return registry.processor(new TopicPartition(TOPIC, partition)).orElseThrow();
        }

        /** Submits the log's records from each partition's position on, and waits until they are committed. */
        void catchUp() {
            for (int p = 0; p < partitions; p++) {
                PartitionProcessor processor = processor(p);
                long from = processor.nextOffset().orElse(0);
                List<ConsumerRecord<byte[], byte[]>> records = log.getOrDefault(p, List.of());
                for (int i = (int) from; i < records.size(); i += 50) {
                    processor.submit(records.subList(i, Math.min(records.size(), i + 50)));
                }
            }
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> IntStream.range(0, partitions)
                            .forEach(p -> assertThat(processor(p).nextOffset().orElse(0))
                                    .isEqualTo(log.getOrDefault(p, List.of()).size())));
        }

        void checkpoint() {
            for (int p = 0; p < partitions; p++) {
                PartitionProcessor processor = processor(p);
                long offset = processor.nextOffset().orElse(0);
                processor.requestCheckpoint();
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> processor.checkpointer().orElseThrow().durableOffset() == offset);
            }
        }

        Map<String, String> users() {
            Map<String, String> users = new HashMap<>();
            for (int u = 0; u < USERS; u++) {
                String user = user(u);
                users.put(
                        user,
                        application
                                .reader()
                                .read(processor(partitionOf(user)), user)
                                .map(SavepointRoundTripTest::describe)
                                .orElse("absent"));
            }
            return users;
        }

        void stop() {
            if (registry != null) {
                registry.stop();
                registry = null;
            }
            checkpoints.shutdown(Duration.ofSeconds(10));
        }
    }

    private static String describe(UserStateReader.UserSnapshot user) {
        return Arrays.toString(user.aggregate().encode()) + " " + user.recentLogins() + " " + user.devices();
    }

    private static String user(int u) {
        return "user-" + u;
    }

    /** Appends {@code events} events to the log, users spread over the partitions by number. */
    private void produce(int events, ExpectedLogins expected) {
        for (int i = 0; i < events; i++) {
            int u = (int) ((produced++ * 37) % USERS);
            int partition = partitionOf(user(u));
            List<ConsumerRecord<byte[], byte[]>> records = log.computeIfAbsent(partition, p -> new ArrayList<>());
            long timestamp = START + records.size() * 1_000L + u;
            boolean success = i % 5 != 0;
            expected.record(user(u), timestamp, success);
            records.add(new ConsumerRecord<>(
                    TOPIC,
                    partition,
                    records.size(),
                    user(u).getBytes(StandardCharsets.UTF_8),
                    ExpectedLogins.eventJson(user(u), Long.toString(timestamp), success ? "SUCCESS" : "FAILURE")
                            .getBytes(StandardCharsets.UTF_8)));
        }
    }

    private SavepointCoordinator coordinator(Deployment deployment) {
        return new SavepointCoordinator(
                new SavepointCatalog(store),
                parts(deployment.stores),
                new RegistryPartitions(deployment.registry, TOPIC, () -> OptionalInt.of(partitions), snapshots),
                new SavepointCoordinator.Settings(
                        TOPIC,
                        "murmur2",
                        deployment.id,
                        "instance-" + deployment.id,
                        Map.of("ttl.duration", "P30D"),
                        Duration.ofDays(30),
                        Duration.ofSeconds(2),
                        Duration.ofMinutes(10),
                        Duration.ofSeconds(30),
                        dir.resolve("savepoint-work")),
                clock,
                new SimpleMeterRegistry());
    }

    private List<ObjectInfo> savepointObjects() {
        return store.list("savepoints/");
    }

    /** Taken on one backend, restored on the other (or the same): the part is the same logical state. */
    @ParameterizedTest(name = "{0} to {1}")
    @CsvSource({"ROCKSDB, HEAP", "HEAP, ROCKSDB", "ROCKSDB, ROCKSDB"})
    void aNewDeploymentRestoresEveryUserExactlyAndAppliesLaterEventsOnTop(Backend from, Backend to) {
        store = new DirectoryObjectStore(dir.resolve("store"));
        ExpectedLogins expected = new ExpectedLogins();
        produce(2_000, expected);
        Deployment a = new Deployment("deployment-a", null, null, from).open(1);
        a.catchUp();
        a.checkpoint();

        SavepointCoordinator savepoints = coordinator(a);
        String id = savepoints.request();
        savepoints.poll();
        SavepointStatus status = savepoints.status(id);
        assertThat(status.state()).isEqualTo(SavepointStatus.COMPLETE);
        SavepointManifest manifest = status.manifest();
        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(manifest.part(p).nextOffset()).isEqualTo(log.get(p).size());
        }
        Map<String, String> atSavepoint = a.users();
        for (int u = 0; u < USERS; u++) {
            assertThat(atSavepoint.get(user(u))).as("user %d was seen", u).isNotEqualTo("absent");
        }

        // Later events, checkpointed twice with one checkpoint retained: retention deletes, never savepoints/.
        List<ObjectInfo> savepointBefore = savepointObjects();
        produce(600, expected);
        a.catchUp();
        a.checkpoint();
        produce(300, expected);
        a.catchUp();
        a.checkpoint();
        assertThat(savepointObjects()).as("retention leaves savepoints alone").isEqualTo(savepointBefore);
        assertThat(store.list("deployment-a/logins/0/checkpoints/"))
                .as("retention did delete older checkpoints")
                .filteredOn(object -> object.key().endsWith("manifest.json"))
                .hasSize(1);
        Map<String, String> atEnd = a.users();
        a.stop();

        Deployment b = new Deployment("deployment-b", id, () -> OptionalInt.of(PARTITIONS), to).open(1);
        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(b.processor(p).nextOffset()).hasValue(manifest.part(p).nextOffset());
        }
        assertThat(b.users()).as("every user as at the savepoint").isEqualTo(atSavepoint);
        b.catchUp();
        assertThat(b.users()).as("later events applied on top, once each").isEqualTo(atEnd);
        for (int u = 0; u < USERS; u += 17) {
            String user = user(u);
            UserStateReader.UserSnapshot state = application
                    .reader()
                    .read(b.processor(partitionOf(user)), user)
                    .orElseThrow();
            assertThat(state.aggregate().loginCount()).isEqualTo(expected.loginCount(user));
            assertThat(state.aggregate().failedLoginCount()).isEqualTo(expected.failedLoginCount(user));
            long lastLogin = state.aggregate().lastLogin();
            assertThat(
                            lastLogin == UserLoginState.NONE
                                    ? null
                                    : Instant.ofEpochMilli(lastLogin).toString())
                    .isEqualTo(expected.lastLogin(user));
        }
        b.checkpoint();
        b.stop();

        // Once the deployment has checkpoints, the savepoint is not read any more.
        savepointObjects().forEach(object -> store.delete(object.key()));
        Deployment fromCheckpoint =
                new Deployment("deployment-b", "b-again", id, () -> OptionalInt.of(PARTITIONS), to).open(2);
        assertThat(fromCheckpoint.users()).isEqualTo(atEnd);
    }

    /** Deployment a's savepoint of the log's first 800 events; a is stopped. */
    private SavepointManifest takeSavepoint() {
        store = new DirectoryObjectStore(dir.resolve("store"));
        produce(800, new ExpectedLogins());
        Deployment a = new Deployment("deployment-a", null, null).open(1);
        a.catchUp();
        SavepointCoordinator savepoints = coordinator(a);
        String id = savepoints.request();
        savepoints.poll();
        SavepointManifest manifest = savepoints.status(id).manifest();
        a.stop();
        return manifest;
    }

    @Test
    void aChangedPartitionCountIsRefusedNamingTheProcedure() {
        SavepointManifest manifest = takeSavepoint();
        Deployment c = new Deployment("deployment-c", manifest.id(), () -> OptionalInt.of(PARTITIONS + 2));
        assertThatThrownBy(() -> c.assembly.open(new TopicPartition(TOPIC, 1), 1))
                .isInstanceOf(SavepointRefusedException.class)
                .hasMessageContaining("has 4 partitions; logins has 6 now")
                .hasMessageContaining("login-state-cli savepoints resplit --id ID --partitions N");
    }

    @Test
    void aDamagedPartFailsTheOpenNamingItAndARetryAfterTheRepairRestoresIt() {
        SavepointManifest manifest = takeSavepoint();
        String key = manifest.part(2).key();
        byte[] original = store.get(key).orElseThrow();
        byte[] damaged = original.clone();
        damaged[damaged.length - 20] ^= 0x04;
        store.put(key, damaged);
        Deployment d = new Deployment("deployment-d", manifest.id(), () -> OptionalInt.of(PARTITIONS));
        TopicPartition partition = new TopicPartition(TOPIC, 2);

        assertThatThrownBy(() -> d.assembly.open(partition, 1))
                .isInstanceOf(SavepointRefusedException.class)
                .hasMessageContaining(key)
                .hasMessageContaining("damaged");
        assertThatThrownBy(() -> d.assembly.open(partition, 1))
                .as("retried, never started empty")
                .isInstanceOf(SavepointRefusedException.class);

        store.put(key, original);
        var opened = d.assembly.open(partition, 1);
        try {
            assertThat(opened.state().position()).hasValue(manifest.part(2).nextOffset());
        } finally {
            opened.checkpointer().close();
            opened.state().close();
        }
    }

    @Test
    void aStoppingDeploymentWritesACompleteShutdownSavepointThatRestores() {
        store = new DirectoryObjectStore(dir.resolve("store"));
        produce(400, new ExpectedLogins());
        Deployment a = new Deployment("deployment-a", null, null).open(1);
        a.catchUp();
        String id = coordinator(a).writeOnShutdown(Duration.ofSeconds(30)).orElseThrow();
        Map<String, String> users = a.users();
        a.stop();

        assertThat(id).startsWith("shutdown-");
        Deployment b = new Deployment("deployment-b", id, () -> OptionalInt.of(PARTITIONS)).open(1);
        assertThat(b.users()).isEqualTo(users);
    }
    /**
     * The topic grows from 8 to 12 partitions: the savepoint rewritten for 12 restores every user on
     * the partition the producers now send it to, old partitions at their offsets and new ones at 0,
     * and the events produced after the growth apply on top, every user exact.
     */
    @Test
    void aSavepointResplitForMorePartitionsRestoresEveryUserWhereItsEventsNowGo() {
        partitions = 8;
        store = new DirectoryObjectStore(dir.resolve("store"));
        ExpectedLogins expected = new ExpectedLogins();
        produce(2_000, expected);
        Deployment a = new Deployment("deployment-a", null, null).open(1);
        a.catchUp();
        SavepointCoordinator savepoints = coordinator(a);
        String id = savepoints.request();
        savepoints.poll();
        SavepointManifest manifest = savepoints.status(id).manifest();
        Map<String, String> atSavepoint = a.users();
        a.stop();

        partitions = 12;
        SavepointResplit.Result resplit = new SavepointResplit(
                        new SavepointCatalog(store), clock, dir.resolve("resplit"))
                .resplit(id, id + "-12", partitions, KeyPartitioner.MURMUR2::partition);
        assertThat(resplit.records().stream().mapToLong(Long::longValue).sum())
                .as("every record moved, none lost or doubled")
                .isEqualTo(manifest.parts().stream()
                        .mapToLong(SavepointManifest.PartEntry::records)
                        .sum());
        assertThat(resplit.records()).as("the new partitions got users").allMatch(records -> records > 0);

        Deployment b = new Deployment("deployment-b", resplit.id(), () -> OptionalInt.of(partitions)).open(1);
        for (int p = 0; p < partitions; p++) {
            assertThat(b.processor(p).nextOffset())
                    .as("partition %d", p)
                    .hasValue(p < 8 ? manifest.part(p).nextOffset() : 0);
        }
        assertThat(b.users())
                .as("every user as at the savepoint, where it is now placed")
                .isEqualTo(atSavepoint);

        produce(1_500, expected);
        b.catchUp();
        for (int u = 0; u < USERS; u++) {
            String user = user(u);
            UserStateReader.UserSnapshot state = application
                    .reader()
                    .read(b.processor(partitionOf(user)), user)
                    .orElseThrow();
            assertThat(state.aggregate().loginCount()).as(user).isEqualTo(expected.loginCount(user));
            assertThat(state.aggregate().failedLoginCount()).as(user).isEqualTo(expected.failedLoginCount(user));
        }
    }

    @Test
    void resplitRefusesAsManyOrFewerPartitionsAnIncompleteSavepointAndATakenId() {
        SavepointManifest manifest = takeSavepoint();
        SavepointResplit resplit = new SavepointResplit(new SavepointCatalog(store), clock, dir.resolve("resplit"));
        assertThatThrownBy(() -> resplit.resplit(manifest.id(), "same", PARTITIONS, KeyPartitioner.MURMUR2::partition))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only grow");
        assertThatThrownBy(() -> resplit.resplit(manifest.id(), manifest.id(), 8, KeyPartitioner.MURMUR2::partition))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exists");
        assertThatThrownBy(() -> resplit.resplit("no-such", "other", 8, KeyPartitioner.MURMUR2::partition))
                .isInstanceOf(SavepointNotFoundException.class);
        store.delete("savepoints/" + manifest.id() + "/_manifest.json");
        assertThatThrownBy(() -> resplit.resplit(manifest.id(), "other", 8, KeyPartitioner.MURMUR2::partition))
                .isInstanceOf(SavepointRefusedException.class)
                .hasMessageContaining("not complete");
    }
}
