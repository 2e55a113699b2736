package io.loginstate.state.store;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A write-back cache in front of another backend, for the processing thread: reads of recently
 * used keys and every write of a transaction stay on the Java heap, and reach the inner backend
 * once per key per transaction, at {@link #commit}. The cache holds committed values only (absent
 * keys too), so {@link #abort} just drops the transaction's writes. A scan first hands the table's
 * pending writes to the inner backend, whose own transaction makes them visible to the scan.
 * Readers on other threads use {@link #committedTable}, which bypasses the cache.
 */
public final class CachingStore implements ByteStore {

    /** Marks a deleted key in the pending writes and an absent key in the cache. */
    private static final byte[] ABSENT = new byte[0];

    private final ByteStore inner;
    private final Map<String, CachingTable> tables = new LinkedHashMap<>();
    private final LinkedHashMap<CacheKey, byte[]> cache;
    private final boolean caching;

    /** With {@code maxCachedEntries == 0} only the transaction's writes are kept (no read cache). */
    public CachingStore(ByteStore inner, int maxCachedEntries) {
        this.inner = inner;
        this.caching = maxCachedEntries > 0;
        this.cache = new LinkedHashMap<>(Math.min(maxCachedEntries, 1 << 16), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<CacheKey, byte[]> eldest) {
                return size() > maxCachedEntries;
            }
        };
        int id = 0;
        for (String name : inner.tableNames()) {
            tables.put(name, new CachingTable(id++, inner.table(name)));
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

    @Override
    public void commit(long position) {
        for (CachingTable table : tables.values()) {
            table.handOver();
        }
        inner.commit(position);
        for (CachingTable table : tables.values()) {
            table.committed();
        }
    }

    @Override
    public void abort() {
        for (CachingTable table : tables.values()) {
            table.pending.clear();
        }
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

    /** The inner backend holds exactly the committed batches: buffered writes reach it at commit. */
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
        cache.clear();
        inner.close();
    }

    /** A table's key, with its hash computed once. */
    private static final class CacheKey {
        final int table;
        final byte[] bytes;
        final int hash;

        CacheKey(int table, byte[] bytes) {
            this.table = table;
            this.bytes = bytes;
            this.hash = 31 * table + Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof CacheKey key && key.table == table && Arrays.equals(key.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private final class CachingTable implements ByteTable {
        final int id;
        final ByteTable backing;
        /** This transaction's writes: key to value, or {@link #ABSENT} for a delete. */
        final Map<CacheKey, byte[]> pending = new HashMap<>();

        CachingTable(int id, ByteTable backing) {
            this.id = id;
            this.backing = backing;
        }

        @Override
        public String name() {
            return backing.name();
        }

        @Override
        public byte[] get(byte[] key) {
            CacheKey cacheKey = new CacheKey(id, key);
            byte[] value = pending.get(cacheKey);
            if (value == null && caching) {
                value = cache.get(cacheKey);
            }
            if (value == null) {
                // Not written in this transaction, so the backing table answers with the committed value.
                byte[] stored = backing.get(key);
                if (caching) {
                    cache.put(cacheKey, stored == null ? ABSENT : stored);
                }
                return stored;
            }
            return value == ABSENT ? null : value;
        }

        @Override
        public void put(byte[] key, byte[] value) {
            pending.put(new CacheKey(id, key), value);
        }

        @Override
        public void delete(byte[] key) {
            pending.put(new CacheKey(id, key), ABSENT);
        }

        @Override
        public List<Map.Entry<byte[], byte[]>> scan(byte[] from, byte[] to, int limit) {
            handOver();
            return backing.scan(from, to, limit);
        }

        /** Stages the pending writes in the backing table's transaction (they stay pending here too). */
        void handOver() {
            if (pending.isEmpty()) {
                return;
            }
            for (Map.Entry<CacheKey, byte[]> write : pending.entrySet()) {
                if (write.getValue() == ABSENT) {
                    backing.delete(write.getKey().bytes);
                } else {
                    backing.put(write.getKey().bytes, write.getValue());
                }
            }
        }

        /** After the backing transaction committed: pending writes become cached committed values. */
        void committed() {
            if (caching) {
                for (Map.Entry<CacheKey, byte[]> write : pending.entrySet()) {
                    cache.put(write.getKey(), write.getValue());
                }
            }
            pending.clear();
        }
    }

    /** Entries of the cache, for tests. */
    int cachedEntries() {
        return cache.size();
    }
}
