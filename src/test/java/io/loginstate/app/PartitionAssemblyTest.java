package io.loginstate.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.loginstate.checkpoint.CheckpointMetrics;
import io.loginstate.checkpoint.CheckpointService;
import io.loginstate.checkpoint.FlakyObjectStore;
import io.loginstate.checkpoint.OffsetCommitter;
import io.loginstate.checkpoint.TestCheckpointers;
import io.loginstate.checkpoint.UnreadableLatestException;
import io.loginstate.login.LoginApplication;
import io.loginstate.objectstore.DirectoryObjectStore;
import io.loginstate.objectstore.ObjectInfo;
import io.loginstate.objectstore.ObjectStoreException;
import io.loginstate.processing.PartitionOpener;
import io.loginstate.processing.PartitionProcessor;
import io.loginstate.processing.ProcessingMetrics;
import io.loginstate.processing.ProcessingObserver;
import io.loginstate.processing.ProcessorRegistry;
import io.loginstate.state.KeyedStateBackendBuilder;
import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.api.KeyedStateBackend;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.rocksdb.RocksDBSharedResources;
import io.loginstate.state.rocksdb.RocksDBStore;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.store.CorruptStateException;
import io.loginstate.state.store.StateStoreException;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.testing.ManualClock;
import io.loginstate.testing.RegistrySettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Opening a partition against a real RocksDB and a directory store that fails at chosen calls. */
class PartitionAssemblyTest {

    private static final TopicPartition PARTITION = new TopicPartition("logins", 2);

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(System.currentTimeMillis());
    private final RocksDBSharedResources rocks = new RocksDBSharedResources(8 << 20, 4 << 20);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
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

    private final LoginApplication application = new LoginApplication(TtlConfig.of(Duration.ofDays(30)), 1 << 20);

    private PartitionAssembly assembly(Path stateDir) {
        KeyedStateBackendBuilder states = KeyedStateBackendBuilder.of(application.stateDescriptors())
                .clock(clock)
                .eventTime(Duration.ofMinutes(5), true, Duration.ofMinutes(5))
                .cleanup(new TtlCleanupSettings(1000, Duration.ofHours(1)));
        return new PartitionAssembly(stateDir, states, rocks, application, checkpoints);
    }

    /** Opens the partition in {@code stateDir} for {@code epoch} and commits {@code offset}, without a checkpoint. */
    private void commitLocally(Path stateDir, long epoch, long offset) {
        PartitionOpener.Opened opened = assembly(stateDir).open(PARTITION, epoch);
        opened.state().commit(offset);
        opened.checkpointer().close();
        opened.state().close();
    }

    @Test
    void aLocalStateLockedByAnotherProcessIsKeptAndItsOpenRetriedUntilTheLockIsReleased() throws Exception {
        startCheckpoints();
        checkpointAt(dir.resolve("here"), 1, 40);
        // The local state went on to offset 60 after that checkpoint: only this directory has it.
        commitLocally(dir.resolve("here"), 2, 60);
        Path local = dir.resolve("here").resolve("logins-2");
        PartitionAssembly here = assembly(dir.resolve("here"));
        ProcessorRegistry registry = registry(here);
        CompletableFuture<PartitionProcessor> opening;
        // Another process (an old instance still shutting down, say) holds the database's LOCK.
        try (RocksDBStore holder = RocksDBStore.open(
                "another process", local, LayeredKeyedStateBackend.tableNames(application.stateDescriptors()), rocks)) {
            assertThatThrownBy(() -> here.open(PARTITION, 3))
                    .as("a lock is no corruption: the open fails instead of replacing the database")
                    .isInstanceOf(StateStoreException.class)
                    .isNotInstanceOf(CorruptStateException.class)
                    .hasMessageContaining("lock");
            assertThat(local.resolve("CURRENT")).as("the local files stay").exists();

            String latestKey = TestCheckpointers.layout(PARTITION).partitionPrefix() + "/LATEST";
            int claims = store.reads(latestKey);
            opening = registry.openAsync(List.of(PARTITION), 4, 8).get(PARTITION);
            // Every attempt claims the partition first: wait for two attempts.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> store.reads(TestCheckpointers.layout(PARTITION).partitionPrefix() + "/LATEST")
                            >= claims + 2);
            assertThat(opening).as("the open is retried while the lock is held").isNotDone();

            // The database under the lock is still live: what it writes now is what the retry finds.
            holder.commit(61);
            holder.flush();
        }
        try {
            PartitionProcessor processor = opening.get(60, TimeUnit.SECONDS);
            assertThat(registry.activate(processor, 61)).isTrue();
            assertThat(processor.nextOffset())
                    .as("the local state, newer than the checkpoint, is the one opened")
                    .hasValue(61);
        } finally {
            registry.stop();
        }
    }

    /** Damage RocksDB itself reports as corruption when it opens the directory. */
    enum LocalDamage {
        CURRENT_EMPTY,
        CURRENT_GARBLED,
        MANIFEST_GARBLED,
        MANIFEST_TRUNCATED
    }

    @ParameterizedTest
    @EnumSource(LocalDamage.class)
    void aCorruptLocalStateIsDroppedAndRestoredFromTheCheckpoint(LocalDamage damage) throws Exception {
        startCheckpoints();
        checkpointAt(dir.resolve("here"), 1, 40);
        commitLocally(dir.resolve("here"), 2, 60);
        Path local = dir.resolve("here").resolve("logins-2");
        Path manifest;
        try (Stream<Path> files = Files.list(local)) {
            manifest = files.filter(file -> file.getFileName().toString().startsWith("MANIFEST-"))
                    .findFirst()
                    .orElseThrow();
        }
        switch (damage) {
            case CURRENT_EMPTY -> Files.write(local.resolve("CURRENT"), new byte[0]);
            case CURRENT_GARBLED -> Files.writeString(local.resolve("CURRENT"), "\u0001\u0002garbled\n");
            case MANIFEST_GARBLED -> {
                byte[] bytes = Files.readAllBytes(manifest);
                for (int i = 0; i < bytes.length; i += 7) {
                    bytes[i] ^= 0x5a;
                }
                Files.write(manifest, bytes);
            }
            case MANIFEST_TRUNCATED -> {
                byte[] bytes = Files.readAllBytes(manifest);
                Files.write(manifest, Arrays.copyOf(bytes, bytes.length / 2));
            }
        }

        PartitionOpener.Opened opened = assembly(dir.resolve("here")).open(PARTITION, 3);
        try {
            assertThat(opened.state().position())
                    .as("%s: dropped and restored from the checkpoint", damage)
                    .hasValue(40);
        } finally {
            opened.checkpointer().close();
            opened.state().close();
        }
    }

    /** Damage to a table file of a kept local state, left after the service was killed. */
    enum TableDamage {
        /** Bytes in the middle changed: only reading the blocks finds it. */
        FLIPPED,
        TRUNCATED,
        DELETED
    }

    @ParameterizedTest
    @EnumSource(TableDamage.class)
    void aDamagedTableFileOfAKeptLocalStateIsFoundOnOpenAndTheStateRestoredExactlyFromTheCheckpoint(TableDamage damage)
            throws Exception {
        startCheckpoints();
        Path here = dir.resolve("here");
        String table = LayeredKeyedStateBackend.tableNames(application.stateDescriptors())
                .get(0);
        PartitionOpener.Opened first = assembly(here).open(PARTITION, 1);
        try {
            writeRaw(first.state(), table, 0, 2_000, "a");
            first.state().commit(40);
            assertThat(first.checkpointer().checkpointNow(first.state()).get(30, TimeUnit.SECONDS))
                    .isTrue();
        } finally {
            first.checkpointer().close();
            first.state().close();
        }
        // The local state goes on to offset 60, newer than the checkpoint, then the service is killed.
        PartitionOpener.Opened second = assembly(here).open(PARTITION, 2);
        writeRaw(second.state(), table, 0, 3_000, "b");
        second.state().commit(60);
        second.checkpointer().close();
        second.state().close();

        Path local = here.resolve("logins-2");
        Path sst;
        try (Stream<Path> files = Files.list(local)) {
            sst = files.filter(file -> file.getFileName().toString().endsWith(".sst"))
                    .max(Comparator.comparingLong(file -> file.toFile().length()))
                    .orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(sst);
        switch (damage) {
            case FLIPPED -> {
                for (int i = bytes.length / 2; i < bytes.length / 2 + 16; i++) {
                    bytes[i] ^= 0x5a;
                }
                Files.write(sst, bytes);
            }
            case TRUNCATED -> Files.write(sst, Arrays.copyOf(bytes, bytes.length / 2));
            case DELETED -> Files.delete(sst);
        }

        PartitionOpener.Opened opened = assembly(here).open(PARTITION, 3);
        try {
            assertThat(opened.state().position())
                    .as("%s: the damaged local state is dropped and the checkpoint restored", damage)
                    .hasValue(40);
            ByteTable restored =
                    ((LayeredKeyedStateBackend) opened.state()).store().table(table);
            for (int user = 0; user < 3_000; user++) {
                byte[] value = restored.get(key(user));
                if (user < 2_000) {
                    assertThat(value).as("user %d", user).isEqualTo(value(user, "a"));
                } else {
                    assertThat(value).as("user %d", user).isNull();
                }
            }
        } finally {
            opened.checkpointer().close();
            opened.state().close();
        }
    }

    @Test
    void withEveryCheckpointDamagedAnEmptyDiskIsRebuiltFromTheTopicsBeginningAndCounted() throws Exception {
        startCheckpoints();
        checkpointAt(dir.resolve("first"), 1, 40);
        checkpointAt(dir.resolve("first"), 2, 60);
        List<String> manifests = manifestKeys();
        assertThat(manifests).hasSize(2);

        // Only the newest damaged: the previous one is restored, and the skip counted.
        damage(manifests.get(1));
        PartitionOpener.Opened older = assembly(dir.resolve("second")).open(PARTITION, 3);
        try {
            assertThat(older.state().position()).hasValue(40);
        } finally {
            older.checkpointer().close();
            older.state().close();
        }
        assertThat(count("login_state.restore.checkpoints_skipped")).isEqualTo(1);
        assertThat(count("login_state.restore.fallbacks", "outcome", "previous"))
                .isEqualTo(1);

        // Every one damaged, and an empty disk: nothing at all, so the whole topic is replayed.
        damage(manifests.get(0));
        PartitionOpener.Opened rebuilt = assembly(dir.resolve("third")).open(PARTITION, 4);
        try {
            assertThat(rebuilt.state().position())
                    .as("rebuilt from offset 0, never from the group's offset: a log start above 0 is an offset gap")
                    .hasValue(0);
            assertThat(rebuilt.checkpointer().durableOffset()).isEqualTo(-1);
        } finally {
            rebuilt.checkpointer().close();
            rebuilt.state().close();
        }
        assertThat(count("login_state.restore.checkpoints_skipped")).isEqualTo(3);
        assertThat(count("login_state.restore.fallbacks", "outcome", "replay")).isEqualTo(1);
    }

    private List<String> manifestKeys() {
        return store.list(TestCheckpointers.layout(PARTITION).partitionPrefix() + "/checkpoints/").stream()
                .map(ObjectInfo::key)
                .filter(key -> key.endsWith("/manifest.json"))
                .sorted()
                .toList();
    }

    private void damage(String key) {
        byte[] bytes = store.get(key).orElseThrow();
        bytes[bytes.length / 2] ^= 0x01;
        store.put(key, bytes);
    }

    private double count(String name, String... tags) {
        return meters.find(name).tag("partition", "2").tags(tags).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    /** Writes raw entries straight into one table of the store, staged for the next commit. */
    private static void writeRaw(KeyedStateBackend state, String table, int from, int to, String suffix) {
        ByteTable raw = ((LayeredKeyedStateBackend) state).store().table(table);
        for (int user = from; user < to; user++) {
            raw.put(key(user), value(user, suffix));
        }
    }

    private static byte[] key(int user) {
        return ("user-" + user).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(int user, String suffix) {
        return ("profile of user " + user + " written " + suffix + " " + Integer.toHexString(user * 7919))
                .getBytes(StandardCharsets.UTF_8);
    }

    private void startCheckpoints() {
        store = new FlakyObjectStore(new DirectoryObjectStore(dir.resolve("store")));
        checkpoints = new CheckpointService(
                store,
                TestCheckpointers.settings(3, Duration.ofMinutes(15)),
                dir.resolve("snapshots"),
                Map.of("test", "true"),
                OffsetCommitter.NONE,
                clock,
                new CheckpointMetrics(meters));
    }

    /** Opens the partition in {@code stateDir} for {@code epoch}, commits {@code offset} and publishes a checkpoint of it. */
    private void checkpointAt(Path stateDir, long epoch, long offset) throws Exception {
        PartitionOpener.Opened opened = assembly(stateDir).open(PARTITION, epoch);
        try {
            opened.state().commit(offset);
            assertThat(opened.checkpointer().checkpointNow(opened.state()).get(30, TimeUnit.SECONDS))
                    .isTrue();
        } finally {
            opened.checkpointer().close();
            opened.state().close();
        }
    }

    /** After partitions were added, state built for the old count is refused, from a checkpoint or a kept disk. */
    @Test
    void stateBuiltForAnotherPartitionCountIsRefusedWithTheProcedure() throws Exception {
        startCheckpoints();
        Path first = dir.resolve("first");
        PartitionOpener.Opened opened = assembly(first).open(PARTITION, 1, 8);
        opened.state().commit(40);
        assertThat(opened.checkpointer().checkpointNow(opened.state()).get(30, TimeUnit.SECONDS))
                .isTrue();
        opened.checkpointer().close();
        opened.state().close();

        for (Path stateDir : List.of(first, dir.resolve("empty"))) {
            assertThatThrownBy(() -> assembly(stateDir).open(PARTITION, 2, 12))
                    .as("opened from %s", stateDir.getFileName())
                    .isInstanceOf(PartitionCountChangedException.class)
                    .hasMessageContaining("built for a topic of 8 partitions, the topic now has 12")
                    .hasMessageContaining("login-state-cli savepoints resplit --id ID --partitions 12")
                    .hasMessageContaining("login-state.restore.savepoint");
        }
        // Refusing closed the state: the same count opens it again, where it was.
        PartitionOpener.Opened again = assembly(first).open(PARTITION, 3, 8);
        assertThat(again.state().position()).hasValue(40);
        again.checkpointer().close();
        again.state().close();
    }

    @Test
    void stateFromBeforeCountsWereRecordedRecordsTheCurrentCount() throws Exception {
        Path stateDir = dir.resolve("state");
        PartitionOpener.Opened unknown = assembly(stateDir).open(PARTITION, 1, 0);
        unknown.state().commit(5);
        unknown.state().close();
        PartitionOpener.Opened counted = assembly(stateDir).open(PARTITION, 2, 6);
        counted.state().close();
        assertThatThrownBy(() -> assembly(stateDir).open(PARTITION, 3, 7))
                .isInstanceOf(PartitionCountChangedException.class);
    }

    @Test
    void aRestoreThatFailsReleasesTheLocalStateSoTheRetrySucceeds() throws Exception {
        startCheckpoints();

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

    /** Contents a damaged {@code LATEST} may have: a torn or foreign write, or a hand edit. */
    enum Damage {
        GARBAGE("\u0000\u00ffnot json at all"),
        EMPTY(""),
        TRUNCATED("{\"epoch\":1,\"claim\":1,\"checkp"),
        EMPTY_OBJECT("{}"),
        JSON_NULL("null"),
        WRONG_TYPES("{\"epoch\":\"one\",\"claim\":1,\"checkpoint\":[]}");

        final byte[] bytes;

        Damage(String text) {
            this.bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        }
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void anUnreadableLatestIsReportedAndRetriedAndNeverOpensEmptyState(Damage damage) throws Exception {
        startCheckpoints();
        checkpointAt(dir.resolve("first"), 1, 40);
        String latestKey = TestCheckpointers.layout(PARTITION).partitionPrefix() + "/LATEST";
        byte[] good = store.get(latestKey).orElseThrow();
        store.put(latestKey, damage.bytes);

        // Another instance is assigned the partition while LATEST is damaged.
        PartitionAssembly elsewhere = assembly(dir.resolve("elsewhere"));
        assertThatThrownBy(() -> elsewhere.open(PARTITION, 2))
                .as("%s: the partition is not opened, neither empty nor from a guess", damage)
                .isInstanceOf(UnreadableLatestException.class)
                .hasMessageContaining(latestKey)
                .hasMessageContaining(store.name());
        assertThat(dir.resolve("elsewhere"))
                .as("no local state is made while the pointer is unreadable")
                .doesNotExist();
        assertThat(unreadableLatestCount()).isEqualTo(1);

        ProcessorRegistry registry = registry(elsewhere);
        try {
            CompletableFuture<PartitionProcessor> opening =
                    registry.openAsync(List.of(PARTITION), 2, 8).get(PARTITION);
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(unreadableLatestCount()).isGreaterThanOrEqualTo(3));
            assertThat(opening).as("the open is retried").isNotDone();
            assertThat(registry.restoring(PARTITION)).isTrue();

            // The operator puts a valid record back: the retried open restores the checkpoint.
            store.put(latestKey, good);
            PartitionProcessor processor = opening.get(60, TimeUnit.SECONDS);
            assertThat(registry.activate(processor, 40)).isTrue();
            assertThat(processor.nextOffset()).hasValue(40);
        } finally {
            registry.stop();
        }
    }

    @Test
    void aDeletedLatestWhileCheckpointsExistIsNeverTakenForNothingPublished() throws Exception {
        startCheckpoints();
        checkpointAt(dir.resolve("first"), 1, 40);
        String latestKey = TestCheckpointers.layout(PARTITION).partitionPrefix() + "/LATEST";
        byte[] good = store.get(latestKey).orElseThrow();
        store.delete(latestKey);

        // Taken for "nothing published", a fresh record would open empty state, and retention
        // would then delete the checkpoints it does not list.
        PartitionAssembly elsewhere = assembly(dir.resolve("elsewhere"));
        assertThatThrownBy(() -> elsewhere.open(PARTITION, 2))
                .as("the partition is not opened while its checkpoints have no LATEST")
                .isInstanceOf(UnreadableLatestException.class)
                .hasMessageContaining(latestKey)
                .hasMessageContaining("missing");
        assertThat(store.exists(latestKey)).as("no record is made up").isFalse();
        assertThat(unreadableLatestCount()).isEqualTo(1);

        store.put(latestKey, good);
        PartitionOpener.Opened opened = elsewhere.open(PARTITION, 2);
        try {
            assertThat(opened.state().position()).hasValue(40);
        } finally {
            opened.checkpointer().close();
            opened.state().close();
        }
    }

    private double unreadableLatestCount() {
        return meters.find("login_state.checkpoint.latest_unreadable").tag("partition", "2").counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    private ProcessorRegistry registry(PartitionAssembly assembly) {
        return new ProcessorRegistry(
                assembly,
                RegistrySettings.forTests(),
                rejection -> CompletableFuture.completedFuture(null),
                new ProcessingObserver() {},
                new ProcessingMetrics(new SimpleMeterRegistry()));
    }
}
