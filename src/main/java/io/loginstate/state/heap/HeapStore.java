package io.loginstate.state.heap;

import io.loginstate.state.heap.SortedTree.Node;
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.store.CorruptStateException;
import io.loginstate.state.store.IncompatibleStateException;
import io.loginstate.state.store.StateStoreException;
import io.loginstate.state.store.StoreSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One partition's state on the heap: a persistent sorted tree per table ({@link SortedTree}, keys
 * in unsigned order). The writer stages writes in its own roots, which share every untouched node
 * with the committed ones; {@link #commit} publishes all tables' roots and the position in one
 * volatile write, so readers on other threads ({@link #committedTable}) and concurrent snapshots see
 * exactly one commit, never part of one, and never wait for the writer, nor it for them. A snapshot
 * takes the committed roots (a reference read: commits do not pause) and writes them out while
 * commits go on.
 *
 * <p>The bytes held (keys, values and {@link #ENTRY_OVERHEAD} per entry of the committed state)
 * are taken from the instance's {@link HeapBudget} at each commit, and given back by deletes and
 * {@link #close}; a commit over the budget applies nothing and throws
 * {@link HeapBudgetExceededException}.
 *
 * <p>Physical deletion: a deleted or overwritten entry is unreachable from the committed state at
 * the commit, and from the heap once the snapshots still writing older roots end (the garbage
 * collector then reclaims it); the store keeps no files, so {@link #purgeDeleted} has nothing to do.
 */
public final class HeapStore implements ByteStore {

    /**
     * Heap bytes of one entry besides its key and value bytes, with compressed references (heaps
     * under 32 GB): the tree node (12-byte header, four references, the height: 32 bytes), the two
     * array headers (16 bytes each) and their padding to 8 bytes (up to 7 each). Measured by
     * {@code HeapStoreFootprintTest}.
     */
    public static final int ENTRY_OVERHEAD = 78;

    /** All tables' committed roots, in table order, with the position and the bytes they hold. */
    private record Version(long position, Node[] roots, long bytes) {}

    private final String name;
    private final HeapBudget budget;
    private final Map<String, Integer> indexes = new LinkedHashMap<>();
    private final List<String> names;
    private final HeapTable[] tables;
    private final ByteTable[] committedTables;
    private volatile Version committed;
    /** The writer's roots: the committed ones plus the staged writes. */
    private final Node[] staged;

    private long stagedBytes;
    private boolean closed;

    private HeapStore(String name, Collection<String> tableNames, HeapBudget budget, Version initial) {
        this.name = name;
        this.budget = budget;
        LinkedHashSet<String> all = new LinkedHashSet<>();
        all.add(META_TABLE);
        all.addAll(tableNames);
        this.names = List.copyOf(all);
        this.tables = new HeapTable[names.size()];
        this.committedTables = new ByteTable[names.size()];
        for (int i = 0; i < names.size(); i++) {
            indexes.put(names.get(i), i);
            tables[i] = new HeapTable(names.get(i), i);
            committedTables[i] = new CommittedTable(names.get(i), i);
        }
        this.committed = initial == null ? new Version(-1, new Node[names.size()], 0) : initial;
        this.staged = committed.roots.clone();
    }

    /** An empty store with the given tables, within {@code budget}. */
    public static HeapStore open(String name, Collection<String> tableNames, HeapBudget budget) {
        return new HeapStore(name, tableNames, budget, null);
    }

    /** An empty store without a budget (tests). */
    public HeapStore(String name, Collection<String> tableNames) {
        this(name, tableNames, HeapBudget.unlimited(), null);
    }

    /**
     * A store holding what {@link #snapshot} wrote to {@code directory}, with at least the given
     * tables (tables of the snapshot not named are kept too), its bytes taken from {@code budget}.
     *
     * @throws CorruptStateException if the snapshot file is damaged
     * @throws IncompatibleStateException if the directory holds no heap snapshot but other files (another backend's)
     * @throws HeapBudgetExceededException if the budget has no room for it
     */
    public static HeapStore restore(String name, Path directory, Collection<String> tableNames, HeapBudget budget) {
        HeapSnapshotFile.Contents contents = readSnapshot(name, directory);
        List<String> all = new ArrayList<>(tableNames);
        contents.roots().keySet().stream().filter(table -> !all.contains(table)).forEach(all::add);
        HeapStore store = new HeapStore(name, all, budget, null);
        Node[] roots = new Node[store.names.size()];
        long bytes = 0;
        for (Map.Entry<String, Node> table : contents.roots().entrySet()) {
            roots[store.indexes.get(table.getKey())] = table.getValue();
            bytes += bytesOf(table.getValue());
        }
        if (!budget.tryTake(bytes)) {
            throw new HeapBudgetExceededException(name, "restore from " + directory, bytes, budget);
        }
        store.committed = new Version(contents.position(), roots, bytes);
        System.arraycopy(roots, 0, store.staged, 0, roots.length);
        return store;
    }

    /** A store restored from {@code directory} without a budget (tests). */
    public static HeapStore restore(String name, Path directory, Collection<String> tableNames) {
        return restore(name, directory, tableNames, HeapBudget.unlimited());
    }

    /** Whether {@code directory} holds a snapshot this store can restore. */
    public static boolean hasSnapshot(Path directory) {
        return HeapSnapshotFile.exists(directory);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ByteTable table(String tableName) {
        return tables[index(tableName)];
    }

    @Override
    public ByteTable committedTable(String tableName) {
        return committedTables[index(tableName)];
    }

    private int index(String tableName) {
        Integer index = indexes.get(tableName);
        if (index == null) {
            throw new IllegalArgumentException("State backend '" + name + "' has no table '" + tableName + "'");
        }
        return index;
    }

    @Override
    public Collection<String> tableNames() {
        return names;
    }

    @Override
    public OptionalLong position() {
        long position = committed.position;
        return position < 0 ? OptionalLong.empty() : OptionalLong.of(position);
    }

    /** Bytes of the committed state, as taken from the budget. */
    public long bytes() {
        return committed.bytes;
    }

    /**
     * Publishes the staged writes with {@code newPosition}. Over the budget nothing is published
     * and the staged writes are dropped, as a failed RocksDB write drops its batch.
     */
    @Override
    public void commit(long newPosition) {
        checkOpen();
        Version current = committed;
        long growth = stagedBytes;
        if (!budget.tryTake(growth)) {
            abort();
            throw new HeapBudgetExceededException(name, "commit a batch at position " + newPosition, growth, budget);
        }
        committed = new Version(newPosition, staged.clone(), current.bytes + growth);
        stagedBytes = 0;
    }

    @Override
    public void commit(long newPosition, Changes changes) {
        checkOpen();
        changes.forEach((table, key, value) -> {
            HeapTable target = tables[index(table)];
            if (value == null) {
                target.delete(key);
            } else {
                target.put(key, value);
            }
        });
        commit(newPosition);
    }

    @Override
    public void abort() {
        System.arraycopy(committed.roots, 0, staged, 0, staged.length);
        stagedBytes = 0;
    }

    /** Nothing to rewrite: a deleted entry is unreachable from the committed state once committed. */
    @Override
    public void purgeDeleted(String tableName, byte[] from, byte[] to) {
        index(tableName);
    }

    @Override
    public void snapshot(Path target) {
        checkOpen();
        writeSnapshot(target, committed);
    }

    /** The committed roots at this moment, written out while commits go on: no lock, no copy. */
    @Override
    public StoreSnapshot snapshotConcurrently(Path target) {
        Version version = committed;
        writeSnapshot(target, version);
        Map<String, byte[]> meta = new HashMap<>();
        SortedTree.forEach(version.roots[0], (key, value) -> meta.put(new String(key, StandardCharsets.UTF_8), value));
        return new StoreSnapshot(version.position, meta);
    }

    /** The one place that knows the snapshot's file format (with {@link #readSnapshot}). */
    private void writeSnapshot(Path target, Version version) {
        Map<String, Node> roots = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            roots.put(names.get(i), version.roots[i]);
        }
        try {
            HeapSnapshotFile.write(target, version.position, roots);
        } catch (IOException e) {
            throw new StateStoreException(name, "snapshot to " + target, e);
        }
    }

    private static HeapSnapshotFile.Contents readSnapshot(String name, Path directory) {
        if (!HeapSnapshotFile.exists(directory)) {
            throw new IncompatibleStateException(
                    name, "has no heap state snapshot in " + directory + " (state of another backend?)");
        }
        try {
            return HeapSnapshotFile.read(directory);
        } catch (IOException e) {
            throw new CorruptStateException(name, "read its snapshot in " + directory, e);
        }
    }

    /** No files: the state lives on the heap and reaches disk only in snapshots. */
    @Override
    public Path directory() {
        return null;
    }

    /** Gives the committed state's bytes back to the budget; idempotent. Snapshots still writing finish. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Version last = committed;
        committed = new Version(last.position, new Node[names.size()], 0);
        abort();
        budget.give(last.bytes);
    }

    /** Checks the balance and order of every tree, committed and staged; for tests. */
    void checkTrees() {
        for (Node root : committed.roots) {
            SortedTree.check(root);
        }
        for (Node root : staged) {
            SortedTree.check(root);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("State backend '" + name + "' is closed");
        }
    }

    private static long size(byte[] key, byte[] value) {
        return (long) key.length + value.length + ENTRY_OVERHEAD;
    }

    private static long bytesOf(Node root) {
        long[] bytes = {0};
        SortedTree.forEach(root, (key, value) -> bytes[0] += size(key, value));
        return bytes[0];
    }

    /** The writer's view: staged writes over the committed state. */
    private final class HeapTable implements ByteTable {
        private final String tableName;
        private final int index;
        private final SortedTree.Replaced replaced = new SortedTree.Replaced();

        HeapTable(String tableName, int index) {
            this.tableName = tableName;
            this.index = index;
        }

        @Override
        public String name() {
            return tableName;
        }

        @Override
        public byte[] get(byte[] key) {
            return SortedTree.get(staged[index], key);
        }

        @Override
        public void put(byte[] key, byte[] value) {
            staged[index] = SortedTree.put(staged[index], key, value, replaced);
            stagedBytes += size(key, value) - (replaced.value == null ? 0 : size(key, replaced.value));
        }

        @Override
        public void delete(byte[] key) {
            staged[index] = SortedTree.remove(staged[index], key, replaced);
            if (replaced.value != null) {
                stagedBytes -= size(key, replaced.value);
            }
        }

        @Override
        public List<Map.Entry<byte[], byte[]>> scan(byte[] from, byte[] to, int limit) {
            List<Map.Entry<byte[], byte[]>> result = new ArrayList<>(Math.min(limit, 64));
            SortedTree.scan(staged[index], from, to, limit, result);
            return result;
        }
    }

    /** A read-only view of the committed state, for any thread: each call reads one commit. */
    private final class CommittedTable implements ByteTable {
        private final String tableName;
        private final int index;

        CommittedTable(String tableName, int index) {
            this.tableName = tableName;
            this.index = index;
        }

        @Override
        public String name() {
            return tableName;
        }

        @Override
        public byte[] get(byte[] key) {
            return SortedTree.get(committed.roots[index], key);
        }

        @Override
        public void put(byte[] key, byte[] value) {
            throw new UnsupportedOperationException("The committed view of '" + name + "' is read-only");
        }

        @Override
        public void delete(byte[] key) {
            throw new UnsupportedOperationException("The committed view of '" + name + "' is read-only");
        }

        @Override
        public List<Map.Entry<byte[], byte[]>> scan(byte[] from, byte[] to, int limit) {
            List<Map.Entry<byte[], byte[]>> result = new ArrayList<>(Math.min(limit, 64));
            SortedTree.scan(committed.roots[index], from, to, limit, result);
            return result;
        }
    }
}
