package io.loginstate.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.loginstate.objectstore.ObjectInfo;
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
import io.loginstate.testing.ManualClock;
import io.loginstate.testing.ObjectStores;
import io.loginstate.testing.ObjectStores.Kind;
import io.loginstate.testing.RawFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Checkpoints of real RocksDB state to a local directory and to a real S3-compatible server:
 * incremental upload, restore into an empty directory, fallback past a corrupt or missing file,
 * retention with orphans, fencing, retries while the store is down, and expired data leaving the
 * store.
 */
class CheckpointerTest {

    @RegisterExtension
    static final ObjectStores STORES = new ObjectStores("checkpoints");

    private static final TopicPartition PARTITION = new TopicPartition("logins", 3);
    private static final Duration TTL = Duration.ofHours(1);
    private static final Duration DEADLINE = Duration.ofMinutes(10);
    private static final StateDescriptor<ValueState<String>> PROFILE =
            StateDescriptor.value("profile", Serializers.STRING).withTtl(TtlConfig.of(TTL));
    private static final List<StateDescriptor<?>> DESCRIPTORS = List.of(PROFILE);

    @TempDir
    Path dir;

    private final ExecutorService uploads = Executors.newFixedThreadPool(2);
    private final ExecutorService downloads = Executors.newFixedThreadPool(4);
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();
    private final ManualClock clock = new ManualClock(System.currentTimeMillis());
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void release() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        uploads.shutdownNow();
        downloads.shutdownNow();
        retries.shutdownNow();
    }

    private ObjectStore open(Kind kind) {
        ObjectStore store = STORES.open(kind, dir);
        toClose.add(store);
        return store;
    }

    private LayeredKeyedStateBackend state(Path directory) {
        return new LayeredKeyedStateBackend(
                Backends.ROCKSDB.open(directory, LayeredKeyedStateBackend.tableNames(DESCRIPTORS)),
                DESCRIPTORS,
                new EventTimeClock(clock, Duration.ZERO, true, Duration.ofMinutes(5)),
                new TtlCleanupSettings(1000, DEADLINE));
    }

    private Checkpointer checkpointer(ObjectStore store, long epoch, int retained) {
        Checkpointer checkpointer = TestCheckpointers.checkpointer(
                PARTITION,
                store,
                epoch,
                dir.resolve("local-" + epoch),
                TestCheckpointers.settings(retained, Duration.ofMinutes(15)),
                uploads,
                retries,
                clock);
        toClose.add(checkpointer);
        return checkpointer;
    }

    /** Writes users {@code from..to-1} with the given value suffix, commits at {@code position}, flushes. */
    private static void write(LayeredKeyedStateBackend state, int from, int to, String suffix, long position) {
        for (int user = from; user < to; user++) {
            state.time().advance(state.time().wallClockMillis());
            state.setCurrentKey(("user-" + user).getBytes(StandardCharsets.UTF_8));
            state.valueState(PROFILE).update("profile " + user + " " + suffix);
        }
        state.commit(position);
        ((RocksDBStore) state.store()).flush();
    }

    private static boolean publish(Checkpointer checkpointer, LayeredKeyedStateBackend state) throws Exception {
        var upload = checkpointer.checkpointNow(state);
        assertThat(upload).as("a checkpoint was taken").isNotNull();
        return upload.get(30, TimeUnit.SECONDS);
    }

    private static CheckpointManifest manifest(ObjectStore store, long id) {
        return CheckpointManifest.fromJson(
                store.get(TestCheckpointers.layout(PARTITION).manifest(id)).orElseThrow());
    }

    private static OwnershipFence.Latest latest(ObjectStore store) {
        return new OwnershipFence(store, TestCheckpointers.layout(PARTITION).partitionPrefix())
                .read()
                .orElseThrow();
    }

    private static long latestId(ObjectStore store) {
        return latest(store).checkpoint();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void restoresStateAndOffsetIntoAnEmptyDirectoryAndUploadsUnchangedFilesOnce(Kind kind) throws Exception {
        ObjectStore store = open(kind);
        Checkpointer checkpointer = checkpointer(store, 5, 3);
        try (LayeredKeyedStateBackend state = state(dir.resolve("db"))) {
            write(state, 0, 2_000, "a", 100);
            assertThat(publish(checkpointer, state)).isTrue();
            CheckpointManifest first = manifest(store, latestId(store));
            assertThat(first.offset()).isEqualTo(100);
            assertThat(first.ownerEpoch()).isEqualTo(5);
            assertThat(first.topic()).isEqualTo("logins");
            assertThat(first.partition()).isEqualTo(3);
            assertThat(checkpointer.durableOffset()).isEqualTo(100);

            write(state, 2_000, 2_100, "b", 150);
            assertThat(publish(checkpointer, state)).isTrue();
            CheckpointManifest second = manifest(store, latestId(store));
            assertThat(second.offset()).isEqualTo(150);
            Set<String> firstSsts = ssts(first);
            Set<String> secondSsts = ssts(second);
            assertThat(secondSsts)
                    .as("the first checkpoint's SST files are referenced again")
                    .containsAll(firstSsts);
            assertThat(secondSsts.size()).isGreaterThan(firstSsts.size());
            long sharedObjects = store.list(TestCheckpointers.layout(PARTITION).filesPrefix())
                    .size();
            assertThat(sharedObjects).as("each SST stored once").isEqualTo(secondSsts.size());
        }

        Path restored = dir.resolve("restored");
        AtomicBoolean released = new AtomicBoolean();
        CheckpointRestorer.Outcome outcome = TestCheckpointers.restorer(store, downloads)
                .restore(
                        PARTITION,
                        TestCheckpointers.layout(PARTITION),
                        latestId(store),
                        latest(store).published(),
                        -1,
                        restored,
                        () -> released.set(true));
        assertThat(outcome.source()).isEqualTo(CheckpointRestorer.Source.REMOTE);
        assertThat(outcome.offset()).isEqualTo(150);
        assertThat(outcome.bytes()).isPositive();
        assertThat(released).isTrue();
        try (LayeredKeyedStateBackend state = state(restored)) {
            assertThat(state.position()).hasValue(150);
            state.setCurrentKey("user-7".getBytes(StandardCharsets.UTF_8));
            assertThat(state.valueState(PROFILE).value()).isEqualTo("profile 7 a");
            state.setCurrentKey("user-2099".getBytes(StandardCharsets.UTF_8));
            assertThat(state.valueState(PROFILE).value()).isEqualTo("profile 2099 b");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aSnapshotTakenWhileBatchesCommitEndsAtABatchBoundaryAndNamesIt(Kind kind) throws Exception {
        ObjectStore store = STORES.open(kind, dir);
        Checkpointer checkpointer = checkpointer(store, 8, 10);
        List<Long> published = new ArrayList<>();
        try (LayeredKeyedStateBackend state = state(dir.resolve("db"))) {
            AtomicBoolean writing = new AtomicBoolean(true);
            Thread writer = new Thread(() -> {
                // Batch n writes "n" under every one of 50 keys and commits at position n.
                for (long position = 1; writing.get() && position < 1_000_000; position++) {
                    for (int key = 0; key < 50; key++) {
                        state.setCurrentKey(("key-" + key).getBytes(StandardCharsets.UTF_8));
                        state.valueState(PROFILE).update(Long.toString(position));
                    }
                    state.commit(position);
                }
            });
            writer.start();
            try {
                for (int round = 0; round < 5; round++) {
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> state.position().orElse(0) > 0);
                    var upload = checkpointer.start(directory -> state.snapshotConcurrently(directory));
                    assertThat(upload).isNotNull();
                    assertThat(upload.get(30, TimeUnit.SECONDS)).isTrue();
                    published.add(latestId(store));
                }
            } finally {
                writing.set(false);
                writer.join();
            }
        }
        for (long id : published) {
            CheckpointManifest manifest = manifest(store, id);
            Path restored = dir.resolve("restored-" + id);
            TestCheckpointers.restorer(store, downloads)
                    .restore(PARTITION, TestCheckpointers.layout(PARTITION), id, List.of(id), -1, restored, () -> {});
            try (LayeredKeyedStateBackend state = state(restored)) {
                assertThat(state.position()).hasValue(manifest.offset());
                for (int key = 0; key < 50; key++) {
                    state.setCurrentKey(("key-" + key).getBytes(StandardCharsets.UTF_8));
                    assertThat(state.valueState(PROFILE).value())
                            .as("key-%d in checkpoint %d", key, id)
                            .isEqualTo(Long.toString(manifest.offset()));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void localStateAsNewAsTheCheckpointIsKept(Kind kind) throws Exception {
        ObjectStore store = open(kind);
        Checkpointer checkpointer = checkpointer(store, 1, 3);
        try (LayeredKeyedStateBackend state = state(dir.resolve("db"))) {
            write(state, 0, 100, "a", 10);
            assertThat(publish(checkpointer, state)).isTrue();
        }
        AtomicBoolean released = new AtomicBoolean();
        CheckpointRestorer.Outcome outcome = TestCheckpointers.restorer(store, downloads)
                .restore(
                        PARTITION,
                        TestCheckpointers.layout(PARTITION),
                        latestId(store),
                        latest(store).published(),
                        12,
                        dir.resolve("db"),
                        () -> released.set(true));
        assertThat(outcome.source()).isEqualTo(CheckpointRestorer.Source.LOCAL);
        assertThat(outcome.offset()).isEqualTo(10);
        assertThat(released).as("the local state is not touched").isFalse();
    }

    enum Damage {
        CORRUPT_SST,
        MISSING_SST,
        MISSING_MANIFEST_FILE
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void anOlderLocalStateDownloadsOnlyTheFilesItLacks(Kind kind) throws Exception {
        ObjectStore store = open(kind);
        Checkpointer checkpointer = checkpointer(store, 3, 3);
        Path local = dir.resolve("local-state");
        try (LayeredKeyedStateBackend state = state(dir.resolve("db"))) {
            write(state, 0, 2_000, "a", 100);
            assertThat(publish(checkpointer, state)).isTrue();
            // This instance's local state is the first checkpoint, as if it had been away since.
            CheckpointRestorer.Outcome first = TestCheckpointers.restorer(store, downloads)
                    .restore(
                            PARTITION,
                            TestCheckpointers.layout(PARTITION),
                            latestId(store),
                            latest(store).published(),
                            -1,
                            local,
                            () -> {});
            assertThat(first.reusedBytes()).isZero();
            write(state, 2_000, 2_100, "b", 150);
            assertThat(publish(checkpointer, state)).isTrue();
        }
        CheckpointManifest second = manifest(store, latestId(store));
        AtomicBoolean released = new AtomicBoolean();
        CheckpointRestorer.Outcome outcome = TestCheckpointers.restorer(store, downloads)
                .restore(
                        PARTITION,
                        TestCheckpointers.layout(PARTITION),
                        latestId(store),
                        latest(store).published(),
                        100,
                        local,
                        () -> released.set(true));
        assertThat(outcome.source()).isEqualTo(CheckpointRestorer.Source.REMOTE);
        assertThat(released).isTrue();
        long sharedSstBytes = second.files().stream()
                .filter(f -> f.name().endsWith(".sst"))
                .filter(f -> manifestOfFirst(store).files().contains(f))
                .mapToLong(CheckpointManifest.FileEntry::size)
                .sum();
        assertThat(sharedSstBytes).as("the checkpoints share table files").isPositive();
        assertThat(outcome.reusedBytes())
                .as("table files the local state holds are linked, not downloaded")
                .isEqualTo(sharedSstBytes);
        assertThat(outcome.bytes()).isEqualTo(second.totalBytes() - sharedSstBytes);
        try (LayeredKeyedStateBackend state = state(local)) {
            assertThat(state.position()).hasValue(150);
            for (int user : new int[] {0, 1_999, 2_000, 2_099}) {
                state.setCurrentKey(("user-" + user).getBytes(StandardCharsets.UTF_8));
                assertThat(state.valueState(PROFILE).value())
                        .isEqualTo("profile " + user + " " + (user < 2_000 ? "a" : "b"));
            }
        }
    }

    private static CheckpointManifest manifestOfFirst(ObjectStore store) {
        return manifest(store, latest(store).previous().get(0));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aCorruptOrMissingFileFallsBackToThePreviousCheckpoint(Kind kind) throws Exception {
        for (Damage damage : Damage.values()) {
            ObjectStore store = open(kind);
            TopicPartition partition = PARTITION;
            Checkpointer checkpointer = checkpointer(store, 2 + damage.ordinal(), 3);
            Path db = dir.resolve("db-" + damage);
            try (LayeredKeyedStateBackend state = state(db)) {
                write(state, 0, 500, "a", 40);
                assertThat(publish(checkpointer, state)).isTrue();
                CheckpointManifest first = manifest(store, latestId(store));
                write(state, 500, 600, "b", 60);
                assertThat(publish(checkpointer, state)).isTrue();
                CheckpointManifest second = manifest(store, latestId(store));
                CheckpointManifest.FileEntry victim = switch (damage) {
                    case CORRUPT_SST, MISSING_SST ->
                        second.files().stream()
                                .filter(f -> f.name().endsWith(".sst")
                                        && !ssts(first).contains(f.key()))
                                .findFirst()
                                .orElseThrow();
                    case MISSING_MANIFEST_FILE ->
                        second.files().stream()
                                .filter(f -> f.name().startsWith("MANIFEST"))
                                .findFirst()
                                .orElseThrow();
                };
                if (damage == Damage.CORRUPT_SST) {
                    byte[] bytes = store.get(victim.key()).orElseThrow();
                    bytes[bytes.length / 2] ^= 0x5a;
                    store.put(victim.key(), bytes);
                } else {
                    store.delete(victim.key());
                }
            }
            Path restored = dir.resolve("restored-" + damage);
            // An older local state is in the way: it is swapped out by renames, never half deleted.
            Files.createDirectories(restored);
            Files.writeString(restored.resolve("OLD-STATE"), "older local state");
            CheckpointRestorer.Outcome outcome = TestCheckpointers.restorer(store, downloads)
                    .restore(
                            partition,
                            TestCheckpointers.layout(partition),
                            latestId(store),
                            latest(store).published(),
                            -1,
                            restored,
                            () -> {});
            assertThat(outcome.source()).as(damage.name()).isEqualTo(CheckpointRestorer.Source.REMOTE);
            assertThat(outcome.offset())
                    .as(damage + ": the previous checkpoint")
                    .isEqualTo(40);
            try (LayeredKeyedStateBackend state = state(restored)) {
                assertThat(state.position()).hasValue(40);
                state.setCurrentKey("user-499".getBytes(StandardCharsets.UTF_8));
                assertThat(state.valueState(PROFILE).value()).isEqualTo("profile 499 a");
            }
            assertThat(Files.exists(restored.resolveSibling(restored.getFileName() + ".restoring")))
                    .isFalse();
            assertThat(Files.exists(restored.resolveSibling(restored.getFileName() + ".discarded")))
                    .isFalse();
            assertThat(restored.resolve("OLD-STATE")).doesNotExist();
        }
    }

    /**
     * A table file shared by consecutive checkpoints (incremental checkpoints store it once) is
     * damaged in the store: the checkpoints that list it cannot be restored. The next owner's checkpoint must not refer to the
     * damaged object again: a cut object is seen by its size when that owner lists the store, a
     * flipped one when a restore finds it, which then removes it.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void aDamagedSharedTableFileIsStoredAgainByTheNextCheckpoint(Kind kind) throws Exception {
        for (boolean cut : List.of(false, true)) {
            ObjectStore store = open(kind);
            Path db = dir.resolve("db-shared-" + cut);
            long epoch = cut ? 20 : 10;
            long expectedOffset;
            try (LayeredKeyedStateBackend state = state(db)) {
                // Two checkpoints in a row that share a table file: RocksDB's background
                // compactions can replace every file between two checkpoints, so write on until
                // two do (almost always the first two).
                write(state, 0, 500, "a", 40);
                assertThat(publish(checkpointer(store, epoch, 3), state)).isTrue();
                Optional<String> found = Optional.empty();
                int batch = 0;
                long position = 40;
                while (found.isEmpty()) {
                    assertThat(batch).as("two checkpoints sharing a table file").isLessThan(10);
                    CheckpointManifest before = manifest(store, latestId(store));
                    position += 20;
                    write(state, 500 + batch * 10, 510 + batch * 10, "b", position);
                    assertThat(publish(checkpointer(store, epoch + 1 + batch, 3), state))
                            .isTrue();
                    Set<String> after = ssts(manifest(store, latestId(store)));
                    found = ssts(before).stream().filter(after::contains).findFirst();
                    batch++;
                }
                String shared = found.get();
                long damagedAt = position;
                byte[] bytes = store.get(shared).orElseThrow();
                store.put(shared, cut ? Arrays.copyOf(bytes, bytes.length / 2) : flipped(bytes));

                if (!cut) {
                    // Only a restore can tell a flipped object; a cut one is left to the next listing.
                    CheckpointRestorer.Outcome broken = restore(store, dir.resolve("restored-broken"));
                    assertThat(broken.offset())
                            .as("the checkpoints that list the damaged file are passed over")
                            .isLessThan(damagedAt);
                }

                write(state, 600, 700, "c", damagedAt + 20);
                assertThat(publish(checkpointer(store, epoch + 1 + batch, 3), state))
                        .isTrue();
                expectedOffset = damagedAt + 20;
            }
            Path restored = dir.resolve("restored-" + cut);
            CheckpointRestorer.Outcome outcome = restore(store, restored);
            assertThat(outcome.source())
                    .as((cut ? "cut" : "flipped") + ": the checkpoint after the damage")
                    .isEqualTo(CheckpointRestorer.Source.REMOTE);
            assertThat(outcome.offset()).isEqualTo(expectedOffset);
            try (LayeredKeyedStateBackend state = state(restored)) {
                state.setCurrentKey("user-7".getBytes(StandardCharsets.UTF_8));
                assertThat(state.valueState(PROFILE).value()).isEqualTo("profile 7 a");
                state.setCurrentKey("user-699".getBytes(StandardCharsets.UTF_8));
                assertThat(state.valueState(PROFILE).value()).isEqualTo("profile 699 c");
            }
        }
    }

    private CheckpointRestorer.Outcome restore(ObjectStore store, Path target) {
        return TestCheckpointers.restorer(store, downloads)
                .restore(
                        PARTITION,
                        TestCheckpointers.layout(PARTITION),
                        latestId(store),
                        latest(store).published(),
                        -1,
                        target,
                        () -> {});
    }

    private static byte[] flipped(byte[] bytes) {
        byte[] copy = bytes.clone();
        copy[copy.length / 2] ^= 0x5a;
        return copy;
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aManifestWithAnyBitFlippedOrCutShortIsRefusedAndTheRestoreFallsBackToThePreviousCheckpoint(Kind kind)
            throws Exception {
        ObjectStore store = open(kind);
        Checkpointer checkpointer = checkpointer(store, 4, 3);
        try (LayeredKeyedStateBackend state = state(dir.resolve("db"))) {
            write(state, 0, 500, "a", 40);
            assertThat(publish(checkpointer, state)).isTrue();
            write(state, 500, 600, "b", 60);
            assertThat(publish(checkpointer, state)).isTrue();
        }
        String key = TestCheckpointers.layout(PARTITION).manifest(latestId(store));
        byte[] good = store.get(key).orElseThrow();
        CheckpointManifest original = CheckpointManifest.fromJson(good);
        assertThat(new String(good, StandardCharsets.UTF_8))
                .as("still JSON a person can read")
                .contains("\"offset\" : 60");

        List<String> trusted = new ArrayList<>();
        for (int i = 0; i < good.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] damaged = good.clone();
                damaged[i] ^= (byte) (1 << bit);
                if (parsesToSomethingElse(damaged, original)) {
                    trusted.add("bit " + bit + " of byte " + i + " ('" + (char) good[i] + "')");
                }
            }
        }
        for (int length = 0; length < good.length; length++) {
            if (parsesToSomethingElse(Arrays.copyOf(good, length), original)) {
                trusted.add("cut to " + length + " bytes");
            }
        }
        assertThat(trusted)
                .as(
                        "%d of %d damaged manifests read as a different checkpoint instead of being refused",
                        trusted.size(), good.length * 9)
                .isEmpty();

        CheckpointManifest unsummed = new CheckpointManifest(
                1,
                original.topic(),
                original.partition(),
                original.checkpointId(),
                original.ownerEpoch(),
                original.offset(),
                original.watermark(),
                original.stateConfig(),
                original.createdAt(),
                original.files(),
                original.deploymentId(),
                null);
        assertThat(CheckpointManifest.fromJson(unsummed.toJson()))
                .as("a manifest of format 1, written before manifests had a checksum, is still read")
                .isEqualTo(unsummed);
        byte[] withoutChecksum = new String(unsummed.toJson(), StandardCharsets.UTF_8)
                .replace("\"formatVersion\" : 1", "\"formatVersion\" : 2")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> CheckpointManifest.fromJson(withoutChecksum))
                .as("format 2 requires the checksum")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no checksum");

        // The offset 60 becomes 70 by one bit: trusted, the state of 60 would resume at 70.
        String text = new String(good, StandardCharsets.UTF_8);
        int digit = text.indexOf("\"offset\" : 60") + "\"offset\" : ".length();
        byte[] damaged = good.clone();
        damaged[digit] ^= 0x01;
        store.put(key, damaged);
        CheckpointRestorer.Outcome outcome = TestCheckpointers.restorer(store, downloads)
                .restore(
                        PARTITION,
                        TestCheckpointers.layout(PARTITION),
                        latestId(store),
                        latest(store).published(),
                        -1,
                        dir.resolve("restored"),
                        () -> {});
        assertThat(outcome.source()).isEqualTo(CheckpointRestorer.Source.REMOTE);
        assertThat(outcome.offset())
                .as("the previous checkpoint, not a wrong offset")
                .isEqualTo(40);
        try (LayeredKeyedStateBackend state = state(dir.resolve("restored"))) {
            assertThat(state.position()).hasValue(40);
        }
    }

    /** True if {@code bytes} is accepted as a manifest other than {@code original}. */
    private static boolean parsesToSomethingElse(byte[] bytes, CheckpointManifest original) {
        try {
            return !CheckpointManifest.fromJson(bytes).equals(original);
        } catch (IllegalArgumentException refused) {
            return false;
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void retentionKeepsTheLastCheckpointsAndDeletesWhatNoneReferencesIncludingAgedOrphans(Kind kind) throws Exception {
        ObjectStore store = open(kind);
        CheckpointLayout layout = TestCheckpointers.layout(PARTITION);
        Checkpointer checkpointer = checkpointer(store, 3, 2);
        store.put(layout.filesPrefix() + "000999.sst.10.0badc0de", new byte[10]);
        store.put(layout.checkpointsPrefix() + String.format("%019d", 42L) + "/MANIFEST-000001", new byte[3]);
        try (LayeredKeyedStateBackend state = state(dir.resolve("db"))) {
            for (int round = 0; round < 6; round++) {
                // Rewriting the same users makes compactions replace files between checkpoints.
                write(state, 0, 1_000, "round " + round, 10L * (round + 1));
                assertThat(publish(checkpointer, state)).isTrue();
            }
            assertThat(manifestIds(store, layout))
                    .as("two retained checkpoints")
                    .hasSize(2);
            assertThat(store.exists(layout.filesPrefix() + "000999.sst.10.0badc0de"))
                    .as("a young orphan is left alone")
                    .isTrue();

            clock.advance(Duration.ofMinutes(16));
            write(state, 0, 10, "late", 100);
            assertThat(publish(checkpointer, state)).isTrue();
        }
        List<Long> kept = manifestIds(store, layout);
        assertThat(kept).hasSize(2);
        Set<String> referenced = kept.stream()
                .flatMap(id -> manifest(store, id).files().stream())
                .map(CheckpointManifest.FileEntry::key)
                .collect(Collectors.toSet());
        for (ObjectInfo object : store.list(layout.partitionPrefix() + "/")) {
            String key = object.key();
            boolean isKeptManifest = layout.isManifest(key)
                    && kept.contains(layout.checkpointIdOf(key).getAsLong());
            assertThat(referenced.contains(key) || isKeptManifest || key.endsWith("/LATEST"))
                    .as("object %s is referenced by a retained checkpoint", key)
                    .isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aStaleProcessWithTheSameGenerationPublishesNothingOnceItsReplacementHasClaimed(Kind kind) throws Exception {
        // Static membership: the replacement of a process that was not dead (a long GC pause, a
        // partitioned network) joins with the same instance id and keeps the same group generation.
        ObjectStore store = open(kind);
        Checkpointer stale = checkpointer(store, 4, 3);
        try (LayeredKeyedStateBackend state = state(dir.resolve("db"))) {
            write(state, 0, 100, "a", 10);
            assertThat(publish(stale, state)).isTrue();
            long published = latestId(store);

            OwnershipFence replacement = new OwnershipFence(
                    store, TestCheckpointers.layout(PARTITION).partitionPrefix());
            OwnershipFence.Claim claim = replacement.claim(4);
            assertThat(claim.checkpointId()).isEqualTo(published);

            write(state, 100, 200, "b", 20);
            assertThat(publish(stale, state))
                    .as("the stale process's checkpoint is not published")
                    .isFalse();
            assertThat(stale.fenced()).isTrue();
            assertThat(latestId(store)).isEqualTo(published);
            assertThat(store.list(TestCheckpointers.layout(PARTITION).checkpointsPrefix()).stream()
                            .filter(o -> TestCheckpointers.layout(PARTITION).isManifest(o.key())))
                    .as("the stale process wrote no manifest a restore could fall back to")
                    .hasSize(1);

            Path restored = dir.resolve("restored");
            CheckpointRestorer.Outcome outcome = TestCheckpointers.restorer(store, downloads)
                    .restore(
                            PARTITION,
                            TestCheckpointers.layout(PARTITION),
                            claim.checkpointId(),
                            claim.restoreCandidates(),
                            -1,
                            restored,
                            () -> {});
            assertThat(outcome.checkpointId()).isEqualTo(published);
            assertThat(outcome.offset()).isEqualTo(10);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aManifestAFencedProcessWritesAfterItsReplacementClaimedIsNeverRestoredNorRetained(Kind kind) throws Exception {
        FlakyObjectStore store = new FlakyObjectStore(open(kind));
        CheckpointLayout layout = TestCheckpointers.layout(PARTITION);
        CheckpointSettings settings = TestCheckpointers.settings(3, Duration.ofMinutes(15));
        Checkpointer zombie = checkpointer(store, 4, 3);
        Checkpointer[] replacement = {null};
        long zombieId;
        try (LayeredKeyedStateBackend state = state(dir.resolve("zombie-db"))) {
            write(state, 0, 100, "a", 10);
            assertThat(publish(zombie, state)).isTrue();
            write(state, 100, 200, "b", 20);
            assertThat(publish(zombie, state)).isTrue();

            // The process stalls between its ownership check and its manifest write; meanwhile its
            // replacement (same instance id, so the same generation) claims the partition.
            store.beforeNextCreate(layout::isManifest, () -> {
                replacement[0] = TestCheckpointers.checkpointer(
                        PARTITION, store, 4, dir.resolve("replacement-local"), settings, uploads, retries, clock);
                toClose.add(replacement[0]);
            });
            write(state, 0, 200, "zombie", 30);
            assertThat(publish(zombie, state)).as("the zombie is fenced").isFalse();
            assertThat(replacement[0]).isNotNull();
            zombieId = manifestIds(store, layout).stream()
                    .filter(id -> manifest(store, id).offset() == 30)
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("the zombie's manifest was written after the claim"));
        }
        List<Long> publishedByZombie = latest(store).published();
        assertThat(publishedByZombie).doesNotContain(zombieId).hasSize(2);
        Map<String, byte[]> zombieObjects = new HashMap<>();
        zombieObjects.put(
                layout.manifest(zombieId), store.get(layout.manifest(zombieId)).orElseThrow());
        manifest(store, zombieId)
                .files()
                .forEach(f -> zombieObjects.put(f.key(), store.get(f.key()).orElseThrow()));

        // The replacement restores what LATEST names (offset 20), goes on, and publishes.
        Path replacementDb = dir.resolve("replacement-db");
        CheckpointRestorer.Outcome restored = TestCheckpointers.restorer(store, downloads)
                .restore(PARTITION, layout, latestId(store), latest(store).published(), -1, replacementDb, () -> {});
        assertThat(restored.offset()).isEqualTo(20);
        try (LayeredKeyedStateBackend state = state(replacementDb)) {
            write(state, 200, 250, "c", 25);
            assertThat(publish(replacement[0], state)).isTrue();
        }
        long newest = latestId(store);
        assertThat(latest(store).published())
                .containsExactly(newest, publishedByZombie.get(0), publishedByZombie.get(1));
        assertThat(manifestIds(store, layout))
                .as("retention keeps the three published checkpoints and deletes the unpublished manifest")
                .containsExactlyInAnyOrder(newest, publishedByZombie.get(0), publishedByZombie.get(1));

        // A zombie stalled longer writes its checkpoint only now, after that retention.
        zombieObjects.forEach(store::put);

        // The newest checkpoint becomes unreadable: the fallback is the previous published one.
        CheckpointManifest damaged = manifest(store, newest);
        damaged.files().stream().filter(f -> f.name().startsWith("MANIFEST")).forEach(f -> store.delete(f.key()));
        OwnershipFence.Claim next = new OwnershipFence(store, layout.partitionPrefix()).claim(5);
        CheckpointRestorer.Outcome fallback = TestCheckpointers.restorer(store, downloads)
                .restore(
                        PARTITION,
                        layout,
                        next.checkpointId(),
                        next.restoreCandidates(),
                        -1,
                        dir.resolve("next-db"),
                        () -> {});
        assertThat(fallback.checkpointId()).isNotEqualTo(zombieId).isEqualTo(publishedByZombie.get(0));
        assertThat(fallback.offset()).isEqualTo(20);

        // A record written before LATEST listed its published checkpoints cannot tell the zombie's
        // manifest from a published one: it falls back to none of them.
        store.put(
                layout.partitionPrefix() + "/LATEST",
                ("{\"epoch\":5,\"checkpoint\":" + newest + "}").getBytes(StandardCharsets.UTF_8));
        OwnershipFence.Claim legacy = new OwnershipFence(store, layout.partitionPrefix()).claim(6);
        assertThat(legacy.restoreCandidates()).isNull();
        CheckpointRestorer.Outcome unlisted = TestCheckpointers.restorer(store, downloads)
                .restore(
                        PARTITION,
                        layout,
                        legacy.checkpointId(),
                        legacy.restoreCandidates(),
                        -1,
                        dir.resolve("legacy-db"),
                        () -> {});
        assertThat(unlisted.checkpointId()).as("never the zombie's checkpoint").isNotEqualTo(zombieId);
        assertThat(unlisted.offset()).isNotEqualTo(30);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aStaleOwnerPublishesNothingOnceANewOwnerHasClaimed(Kind kind) throws Exception {
        ObjectStore store = open(kind);
        Checkpointer stale = checkpointer(store, 4, 3);
        try (LayeredKeyedStateBackend state = state(dir.resolve("db"))) {
            write(state, 0, 100, "a", 10);
            assertThat(publish(stale, state)).isTrue();
            long published = latestId(store);

            OwnershipFence newOwner = new OwnershipFence(
                    store, TestCheckpointers.layout(PARTITION).partitionPrefix());
            assertThat(newOwner.claim(6).checkpointId()).isEqualTo(published);

            write(state, 100, 200, "b", 20);
            assertThat(publish(stale, state))
                    .as("the stale owner's checkpoint is not published")
                    .isFalse();
            assertThat(stale.fenced()).isTrue();
            assertThat(newOwner.read().orElseThrow())
                    .extracting(OwnershipFence.Latest::epoch, OwnershipFence.Latest::checkpoint)
                    .containsExactly(6L, published);
            assertThat(stale.checkpointNow(state))
                    .as("a fenced checkpointer takes no more checkpoints")
                    .isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aDamagedLatestIsNeverOverwrittenNorTakenForAFenceAndThePublicationRetriesUntilRepaired(Kind kind)
            throws Exception {
        FlakyObjectStore store = new FlakyObjectStore(open(kind));
        Checkpointer checkpointer = checkpointer(store, 5, 3);
        String latestKey = TestCheckpointers.layout(PARTITION).partitionPrefix() + "/LATEST";
        try (LayeredKeyedStateBackend state = state(dir.resolve("db"))) {
            write(state, 0, 100, "a", 10);
            assertThat(publish(checkpointer, state)).isTrue();
            byte[] good = store.get(latestKey).orElseThrow();
            // Parses as JSON, but holds no epoch, claim or checkpoint.
            byte[] damaged = "{}".getBytes(StandardCharsets.UTF_8);
            store.put(latestKey, damaged);

            write(state, 100, 200, "b", 20);
            int readsBefore = store.reads(latestKey);
            var upload = checkpointer.checkpointNow(state);
            // Every publication attempt reads the record first: wait for several of them.
            await().atMost(Duration.ofSeconds(10)).until(() -> store.reads(latestKey) >= readsBefore + 3);
            assertThat(checkpointer.fenced())
                    .as("an unreadable record is no proof of another owner")
                    .isFalse();
            assertThat(upload).as("not published over a damaged LATEST").isNotDone();
            assertThat(store.get(latestKey)).as("never overwritten").hasValue(damaged);

            store.put(latestKey, good);
            assertThat(upload.get(30, TimeUnit.SECONDS)).isTrue();
            assertThat(manifest(store, latestId(store)).offset()).isEqualTo(20);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void uploadsRetryWhileTheStoreIsDownAndSucceedWhenItReturns(Kind kind) throws Exception {
        FlakyObjectStore store = new FlakyObjectStore(open(kind));
        Checkpointer checkpointer = checkpointer(store, 1, 3);
        try (LayeredKeyedStateBackend state = state(dir.resolve("db"))) {
            write(state, 0, 300, "a", 30);
            store.down(true);
            var upload = checkpointer.checkpointNow(state);
            await().atMost(Duration.ofSeconds(10)).until(() -> store.failedCalls() >= 3);
            assertThat(upload).isNotDone();
            assertThat(checkpointer.busy()).isTrue();
            assertThat(checkpointer.durableOffset()).isEqualTo(-1);
            assertThat(checkpointer.checkpointNow(state))
                    .as("one checkpoint in flight at a time")
                    .isNull();

            store.down(false);
            assertThat(upload.get(30, TimeUnit.SECONDS)).isTrue();
            assertThat(checkpointer.durableOffset()).isEqualTo(30);
            assertThat(manifest(store, latestId(store)).offset()).isEqualTo(30);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void expiredDataLeavesEveryObjectOfTheStoreWithinDeadlinePlusRetainedCheckpoints(Kind kind) throws Exception {
        ObjectStore store = open(kind);
        String subject = "subject-" + HexFormat.of().formatHex(new byte[] {7, 42});
        int retained = 2;
        Checkpointer checkpointer = checkpointer(store, 1, retained);
        long position = 0;
        try (LayeredKeyedStateBackend state = state(dir.resolve("db"))) {
            state.setCurrentKey(subject.getBytes(StandardCharsets.UTF_8));
            state.valueState(PROFILE).update("profile of " + subject);
            write(state, 0, 300, "a", ++position);
            assertThat(publish(checkpointer, state)).isTrue();
            assertThat(objectsContaining(store, subject))
                    .as("the subject is in the store before expiry")
                    .isNotEmpty();

            long expiry = clock.millis() + TTL.toMillis();
            // Other users stay alive; the subject is never written again.
            clock.set(expiry - Duration.ofMinutes(1).toMillis());
            write(state, 0, 300, "b", ++position);
            Duration interval = Duration.ofMinutes(1);
            while (clock.millis() < expiry + DEADLINE.toMillis() + interval.toMillis() * retained) {
                clock.advance(interval);
                state.maintain();
                publish(checkpointer, state);
            }
            assertThat(state.ttlMetrics().purges()).isPositive();
        }
        assertThat(objectsContaining(store, subject))
                .as("objects holding the expired subject")
                .isEmpty();
        Path restored = dir.resolve("restored");
        TestCheckpointers.restorer(store, downloads)
                .restore(
                        PARTITION,
                        TestCheckpointers.layout(PARTITION),
                        latestId(store),
                        latest(store).published(),
                        -1,
                        restored,
                        () -> {});
        try (LayeredKeyedStateBackend state = state(restored)) {
            state.setCurrentKey("user-299".getBytes(StandardCharsets.UTF_8));
            assertThat(state.valueState(PROFILE).value())
                    .as("live data is still checkpointed")
                    .isEqualTo("profile 299 b");
        }
    }

    private static List<String> objectsContaining(ObjectStore store, String text) {
        return store.list("").stream()
                .map(ObjectInfo::key)
                .filter(key -> RawFiles.holds(store.get(key).orElse(new byte[0]), text))
                .toList();
    }

    private static List<Long> manifestIds(ObjectStore store, CheckpointLayout layout) {
        return store.list(layout.checkpointsPrefix()).stream()
                .map(ObjectInfo::key)
                .filter(layout::isManifest)
                .map(key -> layout.checkpointIdOf(key).getAsLong())
                .toList();
    }

    private static Set<String> ssts(CheckpointManifest manifest) {
        return manifest.files().stream()
                .filter(f -> f.name().endsWith(".sst"))
                .map(CheckpointManifest.FileEntry::key)
                .collect(Collectors.toSet());
    }
}
