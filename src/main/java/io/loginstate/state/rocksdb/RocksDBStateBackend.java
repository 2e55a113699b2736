package io.loginstate.state.rocksdb;

import io.loginstate.state.ByteTable;
import io.loginstate.state.SnapshotInfo;
import io.loginstate.state.StateBackend;
import io.loginstate.state.StateStoreException;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteOptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One partition's state in RocksDB: a column family per table, the meta table in the default
 * column family, and the position (next input offset) that the stored state reflects. Writes are
 * staged in an indexed write batch (so reads see them) and written with the position in one atomic
 * write: state and position cannot disagree, not even after a crash.
 *
 * <p>The write-ahead log is off: the input log is the source of truth. A crash loses the newest
 * unflushed writes of every table and the position together (atomic flush keeps the column
 * families in step), and processing resumes from the older position.
 *
 * <p>Physical deletion: the info log stays at WARN so it never names keys, and the MANIFEST (which
 * records the smallest and largest key of every file) starts afresh on every change, so after
 * {@link #purgeDeleted} no file of the directory holds a purged key.
 */
public final class RocksDBStateBackend implements StateBackend {

    private static final byte[] POSITION_KEY = "position".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PURGE_MARKER_KEY = "purge-marker".getBytes(StandardCharsets.UTF_8);
    private static final int BLOOM_BITS_PER_KEY = 10;
    /** Tiny on purpose: every version edit starts a new MANIFEST that describes only live files. */
    private static final long MAX_MANIFEST_FILE_SIZE = 1;
    private static final int MAX_INFO_LOG_FILES = 2;

    private final String name;
    private final Path directory;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final BloomFilter bloomFilter;
    private final WriteOptions writeOptions;
    private final ReadOptions readOptions;
    private final RocksDB db;
    private final List<ColumnFamilyHandle> handles;
    private final Map<String, RocksTable> tables = new LinkedHashMap<>();
    private final Map<String, CommittedTable> committedTables = new LinkedHashMap<>();
    private final RocksTable meta;
    private WriteBatchWithIndex batch;
    private long position = -1;
    private boolean closed;

    private RocksDBStateBackend(String name, Path directory, Collection<String> tableNames, RocksDBSharedResources shared) {
        this.name = name;
        this.directory = directory;
        this.bloomFilter = new BloomFilter(BLOOM_BITS_PER_KEY, false);
        BlockBasedTableConfig tableConfig = new BlockBasedTableConfig()
                .setBlockCache(shared.blockCache())
                .setFilterPolicy(bloomFilter)
                .setCacheIndexAndFilterBlocks(true)
                .setPinL0FilterAndIndexBlocksInCache(true);
        this.cfOptions = new ColumnFamilyOptions()
                .setTableFormatConfig(tableConfig)
                .optimizeLevelStyleCompaction()
                // After the optimisation, which leaves levels 0 and 1 uncompressed: those hold all
                // of a small state, and they are what checkpoints upload.
                .setCompressionPerLevel(List.of())
                .setCompressionType(CompressionType.LZ4_COMPRESSION);
        this.dbOptions = manifestRollingOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setAtomicFlush(true)
                .setWriteBufferManager(shared.writeBufferManager())
                .setMaxBackgroundJobs(2)
                .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
                .setKeepLogFileNum(MAX_INFO_LOG_FILES);
        this.writeOptions = new WriteOptions().setDisableWAL(true);
        this.readOptions = new ReadOptions();
        List<String> names = new ArrayList<>(new java.util.LinkedHashSet<>(tableNames));
        names.remove(META_TABLE);
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
        for (String table : names) {
            descriptors.add(new ColumnFamilyDescriptor(table.getBytes(StandardCharsets.UTF_8), cfOptions));
        }
        this.handles = new ArrayList<>();
        try {
            Files.createDirectories(directory);
            this.db = RocksDB.open(dbOptions, directory.toString(), descriptors, handles);
        } catch (RocksDBException | IOException e) {
            closeOptions();
            throw new StateStoreException(name, "open at " + directory, e);
        }
        this.meta = new RocksTable(META_TABLE, handles.get(0));
        tables.put(META_TABLE, meta);
        for (int i = 0; i < names.size(); i++) {
            tables.put(names.get(i), new RocksTable(names.get(i), handles.get(i + 1)));
        }
        tables.forEach((tableName, table) -> committedTables.put(tableName, new CommittedTable(table)));
        this.position = readPosition();
    }

    /**
     * Options under which every version edit starts a new MANIFEST: a MANIFEST lists the smallest
     * and largest key of each file, so one that outlived a compaction would still name purged keys.
     * Recent RocksDB only rolls once the MANIFEST outgrows its live size by an allowed space
     * amplification, which is only settable by name.
     */
    private static DBOptions manifestRollingOptions() {
        java.util.Properties properties = new java.util.Properties();
        properties.setProperty("max_manifest_file_size", Long.toString(MAX_MANIFEST_FILE_SIZE));
        properties.setProperty("max_manifest_space_amp_pct", "0");
        try (org.rocksdb.ConfigOptions config = new org.rocksdb.ConfigOptions()) {
            DBOptions options = DBOptions.getDBOptionsFromProps(config, properties);
            if (options == null) {
                throw new IllegalStateException("RocksDB rejected the MANIFEST options " + properties);
            }
            return options;
        }
    }

    /**
     * Opens (creating if absent) the backend in {@code directory} with the given tables. Tables that
     * exist on disk but are not named are left untouched; RocksDB requires every existing column
     * family to be opened, so they are opened too.
     */
    public static RocksDBStateBackend open(String name, Path directory, Collection<String> tableNames,
                                           RocksDBSharedResources shared) {
        List<String> all = new ArrayList<>(tableNames);
        for (String existing : existingTables(directory)) {
            if (!all.contains(existing)) {
                all.add(existing);
            }
        }
        return new RocksDBStateBackend(name, directory, all, shared);
    }

    private static List<String> existingTables(Path directory) {
        if (!Files.exists(directory.resolve("CURRENT"))) {
            return List.of();
        }
        try (org.rocksdb.Options options = new org.rocksdb.Options()) {
            List<String> names = new ArrayList<>();
            for (byte[] family : RocksDB.listColumnFamilies(options, directory.toString())) {
                if (!Arrays.equals(family, RocksDB.DEFAULT_COLUMN_FAMILY)) {
                    names.add(new String(family, StandardCharsets.UTF_8));
                }
            }
            return names;
        } catch (RocksDBException e) {
            throw new StateStoreException(directory.toString(), "list its tables", e);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Path directory() {
        return directory;
    }

    @Override
    public ByteTable table(String tableName) {
        return require(tables.get(tableName), tableName);
    }

    @Override
    public ByteTable committedTable(String tableName) {
        return require(committedTables.get(tableName), tableName);
    }

    private <T> T require(T table, String tableName) {
        if (table == null) {
            throw new IllegalArgumentException("State backend '" + name + "' has no table '" + tableName + "'");
        }
        return table;
    }

    @Override
    public Collection<String> tableNames() {
        return List.copyOf(tables.keySet());
    }

    @Override
    public OptionalLong position() {
        return position < 0 ? OptionalLong.empty() : OptionalLong.of(position);
    }

    private WriteBatchWithIndex batch() {
        if (batch == null) {
            batch = new WriteBatchWithIndex(true);
        }
        return batch;
    }

    @Override
    public void commit(long newPosition) {
        WriteBatchWithIndex writes = batch();
        try {
            writes.put(meta.handle, POSITION_KEY, ByteBuffer.allocate(Long.BYTES).putLong(newPosition).array());
            db.write(writeOptions, writes);
            position = newPosition;
        } catch (RocksDBException e) {
            throw new StateStoreException(name, "commit a batch at position " + newPosition, e);
        } finally {
            abort();
        }
    }

    @Override
    public void abort() {
        if (batch != null) {
            batch.close();
            batch = null;
        }
    }

    /** Forces memtables of all tables to disk, atomically. */
    public void flush() {
        try (FlushOptions options = new FlushOptions().setWaitForFlush(true)) {
            db.flush(options, handles);
        } catch (RocksDBException e) {
            throw new StateStoreException(name, "flush", e);
        }
    }

    @Override
    public void purgeDeleted(String tableName, byte[] from, byte[] to) {
        RocksTable table = require(tables.get(tableName), tableName);
        try (CompactRangeOptions options = new CompactRangeOptions()
                .setBottommostLevelCompaction(CompactRangeOptions.BottommostLevelCompaction.kForce)
                .setExclusiveManualCompaction(false)) {
            flush();
            db.compactRange(table.handle, from, to, options);
            // One more version edit after the compaction's starts a MANIFEST without the boundary
            // keys of the files the compaction replaced.
            db.put(meta.handle, writeOptions, PURGE_MARKER_KEY, ByteBuffer.allocate(Long.BYTES).putLong(System.nanoTime()).array());
            flush();
        } catch (RocksDBException e) {
            throw new StateStoreException(name, "purge deleted entries of " + tableName, e);
        }
    }

    /**
     * A RocksDB checkpoint taken while the writer goes on committing. Each commit is one atomic
     * write batch and flushes are atomic across column families, so the checkpoint ends at a batch
     * boundary; which one is read back from the checkpoint (read-only open of its meta table).
     */
    @Override
    public SnapshotInfo snapshotConcurrently(Path target) {
        try (Checkpoint checkpoint = Checkpoint.create(db)) {
            checkpoint.createCheckpoint(target.toString());
        } catch (RocksDBException e) {
            throw new StateStoreException(name, "snapshot to " + target, e);
        }
        Map<String, byte[]> entries = new java.util.HashMap<>();
        try (org.rocksdb.Options options = new org.rocksdb.Options().setMaxOpenFiles(16).setInfoLogLevel(InfoLogLevel.WARN_LEVEL);
             RocksDB snapshot = RocksDB.openReadOnly(options, target.toString());
             RocksIterator iterator = snapshot.newIterator()) {
            for (iterator.seekToFirst(); iterator.isValid(); iterator.next()) {
                entries.put(new String(iterator.key(), StandardCharsets.UTF_8), iterator.value());
            }
        } catch (RocksDBException e) {
            throw new StateStoreException(name, "read the snapshot at " + target, e);
        }
        byte[] stored = entries.get(new String(POSITION_KEY, StandardCharsets.UTF_8));
        return new SnapshotInfo(stored == null ? -1 : ByteBuffer.wrap(stored).getLong(), entries);
    }

    @Override
    public void snapshot(Path target) {
        flush();
        try (Checkpoint checkpoint = Checkpoint.create(db)) {
            checkpoint.createCheckpoint(target.toString());
        } catch (RocksDBException e) {
            throw new StateStoreException(name, "snapshot to " + target, e);
        }
    }

    private long readPosition() {
        try {
            byte[] bytes = db.get(meta.handle, POSITION_KEY);
            return bytes == null ? -1 : ByteBuffer.wrap(bytes).getLong();
        } catch (RocksDBException e) {
            throw new StateStoreException(name, "read its position", e);
        }
    }

    /** Flushes and closes; idempotent. Staged writes are dropped. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        abort();
        try {
            flush();
        } finally {
            // Column family handles must be released before the DB, and the DB before the options
            // it was opened with: RocksDB reads them until it is closed.
            handles.forEach(ColumnFamilyHandle::close);
            db.close();
            closeOptions();
        }
    }

    private void closeOptions() {
        readOptions.close();
        writeOptions.close();
        dbOptions.close();
        cfOptions.close();
        bloomFilter.close();
    }

    private static List<Map.Entry<byte[], byte[]>> collect(RocksIterator iterator, byte[] from, byte[] to, int limit) {
        List<Map.Entry<byte[], byte[]>> entries = new ArrayList<>();
        for (iterator.seek(from); iterator.isValid() && entries.size() < limit; iterator.next()) {
            byte[] key = iterator.key();
            if (to != null && Arrays.compareUnsigned(key, to) >= 0) {
                break;
            }
            entries.add(Map.entry(key, iterator.value()));
        }
        return entries;
    }

    /** A table inside the current transaction: reads see staged writes. */
    private final class RocksTable implements ByteTable {
        final String tableName;
        final ColumnFamilyHandle handle;

        RocksTable(String tableName, ColumnFamilyHandle handle) {
            this.tableName = tableName;
            this.handle = handle;
        }

        @Override
        public String name() {
            return tableName;
        }

        @Override
        public byte[] get(byte[] key) {
            try {
                return batch == null ? db.get(handle, readOptions, key) : batch.getFromBatchAndDB(db, handle, readOptions, key);
            } catch (RocksDBException e) {
                throw new StateStoreException(name, "get from " + tableName, e);
            }
        }

        @Override
        public void put(byte[] key, byte[] value) {
            try {
                batch().put(handle, key, value);
            } catch (RocksDBException e) {
                throw new StateStoreException(name, "stage a put to " + tableName, e);
            }
        }

        @Override
        public void delete(byte[] key) {
            try {
                batch().delete(handle, key);
            } catch (RocksDBException e) {
                throw new StateStoreException(name, "stage a delete from " + tableName, e);
            }
        }

        @Override
        public List<Map.Entry<byte[], byte[]>> scan(byte[] from, byte[] to, int limit) {
            if (batch == null) {
                try (RocksIterator iterator = db.newIterator(handle, readOptions)) {
                    return collect(iterator, from, to, limit);
                }
            }
            // The batch iterator owns the base iterator and closes it.
            try (RocksIterator iterator = batch.newIteratorWithBase(handle, db.newIterator(handle, readOptions))) {
                return collect(iterator, from, to, limit);
            }
        }
    }

    /** The committed content of a table, for readers on any thread; it cannot write. */
    private final class CommittedTable implements ByteTable {
        final RocksTable table;

        CommittedTable(RocksTable table) {
            this.table = table;
        }

        @Override
        public String name() {
            return table.tableName;
        }

        @Override
        public byte[] get(byte[] key) {
            try {
                return db.get(table.handle, readOptions, key);
            } catch (RocksDBException e) {
                throw new StateStoreException(name, "get from " + table.tableName, e);
            }
        }

        @Override
        public void put(byte[] key, byte[] value) {
            throw new UnsupportedOperationException("read-only view of " + table.tableName);
        }

        @Override
        public void delete(byte[] key) {
            throw new UnsupportedOperationException("read-only view of " + table.tableName);
        }

        @Override
        public List<Map.Entry<byte[], byte[]>> scan(byte[] from, byte[] to, int limit) {
            try (RocksIterator iterator = db.newIterator(table.handle, readOptions)) {
                return collect(iterator, from, to, limit);
            }
        }
    }
}
