package io.loginstate.state.heap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.store.CorruptStateException;
import io.loginstate.state.store.IncompatibleStateException;
import io.loginstate.state.store.StorageUnavailableException;
import io.loginstate.state.store.StoreSnapshot;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The heap store beyond the contract every backend keeps (StateBackendTest): readers on other
 * threads and concurrent snapshots see whole commits only while the writer goes on, the budget
 * refuses growth and takes shrinking, and a damaged snapshot is reported as corrupt.
 */
class HeapStoreTest {

    private static final List<String> TABLES = List.of("a", "b");
    private static final int KEYS = 200;

    @TempDir
    Path dir;

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    private static byte[] key(int i) {
        return String.format("key-%05d", i).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] stamp(long batch) {
        return ByteBuffer.allocate(Long.BYTES).putLong(batch).array();
    }

    private static long stampOf(byte[] value) {
        return ByteBuffer.wrap(value).getLong();
    }

    /** Batch {@code batch}: every key of both tables gets the batch's number, committed at position batch + 1. */
    private static void commitBatch(ByteStore store, long batch) {
        byte[] value = stamp(batch);
        for (int i = 0; i < KEYS; i++) {
            store.table("a").put(key(i), value);
            store.table("b").put(key(i), value);
        }
        store.commit(batch + 1);
    }

    /** The one batch number every entry of the table carries; fails on a mix. */
    private static long batchOf(List<Map.Entry<byte[], byte[]>> entries) {
        assertThat(entries).hasSize(KEYS);
        long batch = stampOf(entries.get(0).getValue());
        for (Map.Entry<byte[], byte[]> entry : entries) {
            assertThat(stampOf(entry.getValue()))
                    .as("one commit, never part of one")
                    .isEqualTo(batch);
        }
        return batch;
    }

    @Test
    void readersOnOtherThreadsSeeWholeCommitsOnlyInOrderWhileTheWriterGoesOn() throws Exception {
        HeapStore store = new HeapStore("heap", TABLES);
        commitBatch(store, 0);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong reads = new AtomicLong();
        List<CompletableFuture<Void>> readers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            readers.add(CompletableFuture.runAsync(
                    () -> {
                        long last = -1;
                        ByteTable committed = store.committedTable("a");
                        while (writing.get()) {
                            long batch = batchOf(committed.scan(new byte[0], null, Integer.MAX_VALUE));
                            assertThat(batch).as("commits appear in order").isGreaterThanOrEqualTo(last);
                            byte[] single = committed.get(key(KEYS - 1));
                            assertThat(stampOf(single)).isGreaterThanOrEqualTo(batch);
                            last = batch;
                            reads.incrementAndGet();
                        }
                    },
                    threads));
        }
        for (long batch = 1; batch <= 300; batch++) {
            commitBatch(store, batch);
            // Staged writes stay invisible to the readers until their commit.
            store.table("a").put(key(0), stamp(-1));
            assertThat(stampOf(store.committedTable("a").get(key(0)))).isEqualTo(batch);
            store.abort();
        }
        writing.set(false);
        CompletableFuture.allOf(readers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertThat(reads.get()).isPositive();
        assertThat(batchOf(store.committedTable("a").scan(new byte[0], null, Integer.MAX_VALUE)))
                .isEqualTo(300);
        store.close();
    }

    /**
     * Snapshots taken on another thread while commits go on each hold one batch in every table,
     * with that batch's position and meta entries, and commits complete while a snapshot is being
     * written: it holds no lock they wait for. The figures are printed.
     */
    @Test
    void concurrentSnapshotsHoldOneBatchBoundaryWhileCommitsGoOnUnblocked() throws Exception {
        HeapStore store = new HeapStore("heap", List.of("a", "b", "big"));
        // A larger table, so that writing a snapshot takes long enough to overlap commits.
        byte[] filler = new byte[64];
        for (int i = 0; i < 200_000; i++) {
            store.table("big").put(key(i), filler);
        }
        commitBatch(store, 0);
        AtomicLong commits = new AtomicLong();
        AtomicLong longestCommitNanos = new AtomicLong();
        AtomicBoolean writing = new AtomicBoolean(true);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(
                () -> {
                    for (long batch = 1; writing.get(); batch++) {
                        long started = System.nanoTime();
                        store.table(ByteStore.META_TABLE).put("batch".getBytes(StandardCharsets.UTF_8), stamp(batch));
                        commitBatch(store, batch);
                        longestCommitNanos.accumulateAndGet(System.nanoTime() - started, Math::max);
                        commits.incrementAndGet();
                    }
                },
                threads);
        long overlapped = 0;
        long snapshotNanos = 0;
        int snapshots = 5;
        for (int s = 0; s < snapshots; s++) {
            Path target = dir.resolve("snapshot-" + s);
            long before = commits.get();
            long started = System.nanoTime();
            StoreSnapshot taken = store.snapshotConcurrently(target);
            snapshotNanos += System.nanoTime() - started;
            overlapped += commits.get() - before;
            try (HeapStore restored = HeapStore.restore("restored", target, List.of("a", "b", "big"))) {
                long batch = batchOf(restored.table("a").scan(new byte[0], null, Integer.MAX_VALUE));
                assertThat(batchOf(restored.table("b").scan(new byte[0], null, Integer.MAX_VALUE)))
                        .as("both tables at the same batch")
                        .isEqualTo(batch);
                assertThat(taken.position()).isEqualTo(batch + 1);
                assertThat(restored.position()).hasValue(batch + 1);
                if (batch > 0) {
                    assertThat(stampOf(taken.meta("batch".getBytes(StandardCharsets.UTF_8))))
                            .isEqualTo(batch);
                }
            }
        }
        writing.set(false);
        writer.get(30, TimeUnit.SECONDS);
        System.out.printf(
                "HeapStore snapshotConcurrently: %d snapshots of %d entries, %.1f ms each on average; %d commits"
                        + " completed during them, longest commit %.2f ms%n",
                snapshots,
                200_000 + 2 * KEYS,
                snapshotNanos / 1e6 / snapshots,
                overlapped,
                longestCommitNanos.get() / 1e6);
        assertThat(overlapped).as("commits go on while snapshots are written").isPositive();
        store.close();
    }

    @Test
    void theBudgetRefusesGrowthAppliesNothingOfItTakesShrinkingAndIsSharedAcrossStores() {
        HeapBudget budget = new HeapBudget(10 * (HeapStore.ENTRY_OVERHEAD + 20));
        HeapStore first = HeapStore.open("first", TABLES, budget);
        HeapStore second = HeapStore.open("second", TABLES, budget);
        byte[] value = new byte[10];
        for (int i = 0; i < 6; i++) {
            first.table("a").put(key(i), value);
        }
        first.commit(1);
        assertThat(first.bytes()).isEqualTo(6L * (HeapStore.ENTRY_OVERHEAD + 19));
        assertThat(budget.usedBytes()).isEqualTo(first.bytes());

        for (int i = 0; i < 6; i++) {
            second.table("a").put(key(i), value);
        }
        assertThatThrownBy(() -> second.commit(1))
                .isInstanceOf(HeapBudgetExceededException.class)
                .isInstanceOf(StorageUnavailableException.class)
                .hasMessageContaining("'second'")
                .hasMessageContaining("heap state budget is spent")
                .satisfies(e -> assertThat(((StorageUnavailableException) e).full())
                        .as("waited out like a full volume")
                        .isTrue());
        assertThat(second.position())
                .as("nothing of the refused commit applied")
                .isEmpty();
        assertThat(second.table("a").get(key(0)))
                .as("its staged writes dropped")
                .isNull();
        assertThat(second.committedTable("a").get(key(0))).isNull();
        assertThat(budget.usedBytes()).isEqualTo(first.bytes());

        // Shrinking is never refused, even with the budget spent.
        first.table("a").delete(key(0));
        first.commit(2);
        assertThat(budget.usedBytes()).isEqualTo(5L * (HeapStore.ENTRY_OVERHEAD + 19));

        // A partition closing gives its bytes back: the retry goes through.
        first.close();
        first.close();
        assertThat(budget.usedBytes()).isZero();
        for (int i = 0; i < 6; i++) {
            second.table("a").put(key(i), value);
        }
        second.commit(1);
        assertThat(second.committedTable("a").get(key(5))).isEqualTo(value);
        assertThat(budget.usedBytes()).isEqualTo(second.bytes());
        second.close();
        assertThat(budget.usedBytes()).isZero();
    }

    @Test
    void aRestoreTakesTheSnapshotsBytesFromTheBudgetOrIsRefused() {
        HeapStore store = new HeapStore("heap", TABLES);
        commitBatch(store, 3);
        store.snapshot(dir.resolve("s"));
        HeapBudget tight = new HeapBudget(store.bytes() - 1);
        assertThatThrownBy(() -> HeapStore.restore("r", dir.resolve("s"), TABLES, tight))
                .isInstanceOf(HeapBudgetExceededException.class);
        assertThat(tight.usedBytes()).isZero();
        HeapBudget enough = new HeapBudget(store.bytes());
        try (HeapStore restored = HeapStore.restore("r", dir.resolve("s"), TABLES, enough)) {
            assertThat(restored.bytes()).isEqualTo(store.bytes());
            assertThat(enough.usedBytes()).isEqualTo(store.bytes());
        }
        assertThat(enough.usedBytes()).isZero();
    }

    @Test
    void aDamagedSnapshotIsCorruptAndAnotherBackendsDirectoryIsIncompatible() throws Exception {
        HeapStore store = new HeapStore("heap", TABLES);
        commitBatch(store, 1);
        Path snapshot = dir.resolve("s");
        store.snapshot(snapshot);
        Path file = snapshot.resolve(HeapSnapshotFile.NAME);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(file, bytes);
        assertThatThrownBy(() -> HeapStore.restore("r", snapshot, TABLES))
                .isInstanceOf(CorruptStateException.class)
                .hasMessageContaining("CRC-32C");
        Files.write(file, Arrays.copyOf(bytes, bytes.length / 3));
        assertThatThrownBy(() -> HeapStore.restore("r", snapshot, TABLES)).isInstanceOf(CorruptStateException.class);

        Path rocks = dir.resolve("rocks");
        Files.createDirectories(rocks);
        Files.writeString(rocks.resolve("CURRENT"), "MANIFEST-000005\n");
        assertThatThrownBy(() -> HeapStore.restore("r", rocks, TABLES)).isInstanceOf(IncompatibleStateException.class);
    }

    /** Random puts, deletes, commits and aborts against a TreeMap model, scans with random bounds. */
    @Test
    void agreesWithASortedMapUnderRandomTransactions() {
        Random random = new Random(42);
        HeapStore store = new HeapStore("heap", List.of("a"));
        TreeMap<byte[], byte[]> committed = new TreeMap<>(Arrays::compareUnsigned);
        TreeMap<byte[], byte[]> staged = new TreeMap<>(Arrays::compareUnsigned);
        ByteTable table = store.table("a");
        for (int step = 0; step < 20_000; step++) {
            byte[] key = {(byte) random.nextInt(256), (byte) random.nextInt(4)};
            switch (random.nextInt(10)) {
                case 0, 1, 2, 3 -> {
                    byte[] value = {(byte) step};
                    table.put(key, value);
                    staged.put(key, value);
                }
                case 4, 5 -> {
                    table.delete(key);
                    staged.remove(key);
                }
                case 6 -> {
                    store.commit(step);
                    committed = new TreeMap<>(staged);
                    store.checkTrees();
                }
                case 7 -> {
                    store.abort();
                    staged = new TreeMap<>(committed);
                }
                default -> {
                    byte[] from = {(byte) random.nextInt(256)};
                    byte[] to = random.nextBoolean() ? null : new byte[] {(byte) random.nextInt(256)};
                    int limit = 1 + random.nextInt(50);
                    assertThat(keys(table.scan(from, to, limit))).isEqualTo(keys(staged, from, to, limit));
                    assertThat(keys(store.committedTable("a").scan(from, to, limit)))
                            .isEqualTo(keys(committed, from, to, limit));
                }
            }
            assertThat(table.get(key)).isEqualTo(staged.get(key));
        }
        store.checkTrees();
    }

    private static List<String> keys(List<Map.Entry<byte[], byte[]>> entries) {
        return entries.stream().map(entry -> Arrays.toString(entry.getKey())).toList();
    }

    private static List<String> keys(TreeMap<byte[], byte[]> model, byte[] from, byte[] to, int limit) {
        var range = to == null
                ? model.tailMap(from, true)
                : Arrays.compareUnsigned(from, to) >= 0 ? new TreeMap<byte[], byte[]>() : model.subMap(from, to);
        return range.keySet().stream().limit(limit).map(Arrays::toString).toList();
    }
}
