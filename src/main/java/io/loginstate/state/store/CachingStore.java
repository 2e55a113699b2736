package io.loginstate.state.store;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * A write-back cache in front of another store, for the writer thread. Every write of a
 * transaction stays on the heap and reaches the inner store once per key, at {@link #commit}, as
 * one plain write batch; recently read committed values (and absent keys) stay cached up to a
 * byte budget, evicted by CLOCK. So a key read and written many times between two commits costs
 * one read of the inner store at most, and one write. Scans merge the transaction's writes over
 * the inner store's committed data. Readers on other threads use {@link #committedTable}, which
 * bypasses the cache.
 */
public final class CachingStore implements ByteStore {

    /** Marks a deleted key among the writes and an absent key among the cached values. */
    private static final byte[] ABSENT = ByteKeyMap.ABSENT;
    /** Heap bytes of one entry besides its key and value: the slot arrays and the arena's spare room. */
    private static final int ENTRY_OVERHEAD = 56;
    /**
     * A commit reads the cache's dirty bits in order once it has at least one write per this many
     * slots: a word of 64 slots' bits costs far less than a random probe for a written key.
     */
    private static final int SEQUENTIAL_HAND_OVER_RATIO = 1024;

    private final ByteStore inner;
    private final long budgetBytes;
    private final Map<String, CachingTable> tables = new LinkedHashMap<>();
    private long cachedBytes;
    /** The part of {@link #cachedBytes} held by this transaction's writes, which cannot be evicted. */
    private long writtenBytes;

    /** With {@code budgetBytes == 0} only the transaction's writes are kept (no read cache). */
    public CachingStore(ByteStore inner, long budgetBytes) {
        this.inner = inner;
        this.budgetBytes = Math.max(0, budgetBytes);
        for (String name : inner.tableNames()) {
            tables.put(name, new CachingTable(inner.table(name)));
        }
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public ByteTable table(String tableName) {
        CachingTable table = tables.get(tableName);
        if (table == null) {
            return inner.table(tableName); // names the missing table in its exception
        }
        return table;
    }

    @Override
    public ByteTable committedTable(String tableName) {
        return inner.committedTable(tableName);
    }

    @Override
    public Collection<String> tableNames() {
        return inner.tableNames();
    }

    @Override
    public OptionalLong position() {
        return inner.position();
    }

    /** Heap bytes held by cached values and pending writes (approximate). */
    public long cachedBytes() {
        return cachedBytes;
    }

    @Override
    public void commit(long position) {
        inner.commit(position, sink -> tables.values().forEach(table -> table.handOver(sink)));
        tables.values().forEach(CachingTable::committed);
        writtenBytes = 0;
        evict(budgetBytes);
    }

    @Override
    public void commit(long position, Changes changes) {
        throw new UnsupportedOperationException(name() + ": the write-back cache stages all writes itself");
    }

    @Override
    public void abort() {
        tables.values().forEach(CachingTable::dropWrites);
        writtenBytes = 0;
        inner.abort();
    }

    @Override
    public void purgeDeleted(String tableName, byte[] from, byte[] to) {
        inner.purgeDeleted(tableName, from, to);
    }

    @Override
    public void snapshot(Path target) {
        inner.snapshot(target);
    }

    /** The inner store holds exactly the committed batches: buffered writes reach it at commit. */
    @Override
    public StoreSnapshot snapshotConcurrently(Path target) {
        return inner.snapshotConcurrently(target);
    }

    @Override
    public Path directory() {
        return inner.directory();
    }

    @Override
    public void close() {
        abort();
        tables.values().forEach(table -> table.map.clear());
        cachedBytes = 0;
        inner.close();
    }

    /** Drops clean entries, by CLOCK across the tables, until the cache holds at most {@code target} bytes. */
    private void evict(long target) {
        while (cachedBytes > target && cachedBytes > writtenBytes) {
            boolean evicted = false;
            for (CachingTable table : tables.values()) {
                int slot = table.map.nextVictim();
                if (slot >= 0) {
                    table.remove(slot);
                    evicted = true;
                }
            }
            if (!evicted) {
                return; // only pending writes left
            }
        }
    }

    /** Entries of the cache, for tests. */
    int cachedEntries() {
        return tables.values().stream().mapToInt(table -> table.map.size()).sum();
    }

    private final class CachingTable implements ByteTable {
        final ByteTable backing;
        final ByteKeyMap map = new ByteKeyMap();
        /** Keys written in this transaction, each once, and their hashes. */
        final List<byte[]> written = new ArrayList<>();

        final IntList writtenHashes = new IntList();
        /** Slots of the written keys, found by {@link #handOver} and used by {@link #committed}. */
        final IntList writtenSlots = new IntList();

        private byte[] lastKey;
        private int lastHash;
        private int lastSlot;
        private int lastLayout;

        CachingTable(ByteTable backing) {
            this.backing = backing;
        }

        @Override
        public String name() {
            return backing.name();
        }

        @Override
        public byte[] get(byte[] key) {
            int slot = locate(key);
            if (slot >= 0) {
                map.referenced(slot);
                byte[] value = map.value(slot);
                return value == ABSENT ? null : value;
            }
            // Not written in this transaction, so the backing table answers with the committed value.
            byte[] stored = backing.get(key);
            store(key, lastHash, -1, stored == null ? ABSENT : stored, false);
            return stored;
        }

        @Override
        public void put(byte[] key, byte[] value) {
            int slot = locate(key);
            store(key, lastHash, slot, value, true);
        }

        @Override
        public void delete(byte[] key) {
            int slot = locate(key);
            store(key, lastHash, slot, ABSENT, true);
        }

        /**
         * The slot of {@code key} (-1: absent), leaving its hash in {@link #lastHash}. A read and
         * the write that follows it (read-modify-write) find the key once: the last lookup is
         * remembered until entries move.
         */
        private int locate(byte[] key) {
            if (key == lastKey && lastLayout == map.layoutVersion()) {
                return lastSlot;
            }
            int hash = ByteKeyMap.hash(key);
            int slot = lastKey != null
                            && hash == lastHash
                            && lastLayout == map.layoutVersion()
                            && Arrays.equals(lastKey, key)
                    ? lastSlot
                    : map.find(key, hash);
            remember(key, hash, slot);
            return slot;
        }

        private void remember(byte[] key, int hash, int slot) {
            lastKey = key;
            lastHash = hash;
            lastSlot = slot;
            lastLayout = map.layoutVersion();
        }

        /** Stores {@code value} for {@code key}, found at {@code slot} (-1: absent). */
        private void store(byte[] key, int hash, int slot, byte[] value, boolean write) {
            boolean wasWritten = slot >= 0 && map.dirty(slot);
            long before = slot >= 0 ? size(slot) : 0;
            long after = key.length + value.length + ENTRY_OVERHEAD;
            cachedBytes += after - before;
            if (wasWritten) {
                writtenBytes += after - before;
            } else if (write) {
                writtenBytes += after;
                written.add(key);
                writtenHashes.add(hash);
            }
            if (slot >= 0) {
                map.setValue(slot, value, write);
            } else {
                remember(key, hash, map.put(key, hash, value, write));
            }
            // Cached reads beyond the budget go at once; the rest waits for the commit.
            if (budgetBytes > 0 && cachedBytes - writtenBytes > budgetBytes) {
                evict(writtenBytes + budgetBytes);
            }
        }

        private long size(int slot) {
            return map.keyLength(slot) + map.valueLength(slot) + ENTRY_OVERHEAD;
        }

        void remove(int slot) {
            cachedBytes -= size(slot);
            map.removeAt(slot);
            lastKey = null;
        }

        /** This transaction's writes over the committed entries of {@code from <= key < to}. */
        @Override
        public List<Map.Entry<byte[], byte[]>> scan(byte[] from, byte[] to, int limit) {
            TreeMap<byte[], byte[]> writes = new TreeMap<>(Arrays::compareUnsigned);
            for (int i = 0; i < written.size(); i++) {
                byte[] key = written.get(i);
                if (Arrays.compareUnsigned(key, from) >= 0 && (to == null || Arrays.compareUnsigned(key, to) < 0)) {
                    writes.put(key, map.value(map.find(key, writtenHashes.get(i))));
                }
            }
            if (writes.isEmpty()) {
                return backing.scan(from, to, limit);
            }
            return ScanMerge.merge(backing, from, to, limit, writes, ABSENT);
        }

        /**
         * Hands the transaction's writes to the inner store's batch in key order: the inner store
         * inserts them into sorted structures (RocksDB's memtable skip list), where each insert in
         * key order follows the path of the one before instead of a fresh random one. With many
         * writes the map's dirty bits are read in slot order for the dirty entries: a sequential
         * pass instead of one random probe per written key. With few, each written key is looked up.
         */
        void handOver(ChangeSink sink) {
            String name = backing.name();
            writtenSlots.clear();
            if ((long) written.size() * SEQUENTIAL_HAND_OVER_RATIO >= map.capacity()) {
                for (int slot = map.nextDirty(0); slot >= 0; slot = map.nextDirty(slot + 1)) {
                    writtenSlots.add(slot);
                }
            } else {
                for (int i = 0; i < written.size(); i++) {
                    writtenSlots.add(map.find(written.get(i), writtenHashes.get(i)));
                }
            }
            byte[][] keys = new byte[writtenSlots.size()][];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = map.key(writtenSlots.get(i));
            }
            for (int index : KeyOrder.of(keys)) {
                byte[] value = map.value(writtenSlots.get(index));
                sink.change(name, keys[index], value == ABSENT ? null : value);
            }
        }

        /** After the inner store committed (the map unchanged since the hand-over): the writes are now cached committed values. */
        void committed() {
            for (int i = 0; i < writtenSlots.size(); i++) {
                map.clean(writtenSlots.get(i));
            }
            written.clear();
            writtenHashes.clear();
            writtenSlots.clear();
        }

        /** Forgets the transaction's writes; the committed values are read again when needed. */
        void dropWrites() {
            for (int i = 0; i < written.size(); i++) {
                remove(map.find(written.get(i), writtenHashes.get(i)));
            }
            written.clear();
            writtenHashes.clear();
        }
    }
}
