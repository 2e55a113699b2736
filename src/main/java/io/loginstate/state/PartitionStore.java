package io.loginstate.state;

import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One partition's state: a RocksDB instance with one column family per named table, plus the
 * position (next input offset) that the stored state reflects. State and position are only ever
 * written together in one atomic batch, so they cannot disagree, not even after a crash.
 *
 * <p>The write-ahead log is off: the input log is the source of truth. A crash loses the newest
 * unflushed writes of every table and the position together (atomic flush keeps the column families
 * in step), and processing resumes from the older position. Writes come from one thread at a time;
 * reads may come from any thread (RocksDB reads are thread-safe), but never after {@link #close}.
 */
public final class PartitionStore implements AutoCloseable {

    private static final byte[] POSITION_KEY = "position".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    private static final int BLOOM_BITS_PER_KEY = 10;

    private final String name;
    private final Path directory;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final BloomFilter bloomFilter;
    private final WriteOptions writeOptions;
    private final ReadOptions readOptions;
    private final RocksDB db;
    private final ColumnFamilyHandle metaHandle;
    private final Map<String, StoreTable> tables = new HashMap<>();
    private final List<ColumnFamilyHandle> handles;
    private long position = -1;
    private boolean closed;

    private PartitionStore(String name, Path directory, List<String> tableNames, RocksDBSharedResources shared) {
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
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .optimizeLevelStyleCompaction();
        this.dbOptions = new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setAtomicFlush(true)
                .setWriteBufferManager(shared.writeBufferManager())
                .setMaxBackgroundJobs(2);
        this.writeOptions = new WriteOptions().setDisableWAL(true);
        this.readOptions = new ReadOptions();
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
        for (String table : tableNames) {
            descriptors.add(new ColumnFamilyDescriptor(table.getBytes(java.nio.charset.StandardCharsets.UTF_8), cfOptions));
        }
        this.handles = new ArrayList<>();
        try {
            Files.createDirectories(directory);
            this.db = RocksDB.open(dbOptions, directory.toString(), descriptors, handles);
        } catch (RocksDBException | IOException e) {
            closeOptions();
            throw new StateStoreException(name, "open at " + directory, e);
        }
        this.metaHandle = handles.get(0);
        for (int i = 0; i < tableNames.size(); i++) {
            tables.put(tableNames.get(i), new StoreTable(tableNames.get(i), handles.get(i + 1)));
        }
        this.position = readPosition();
    }

    /** Opens (creating if absent) the store in {@code directory} with the given tables. */
    public static PartitionStore open(String name, Path directory, List<String> tableNames, RocksDBSharedResources shared) {
        return new PartitionStore(name, directory, tableNames, shared);
    }

    public String name() {
        return name;
    }

    public Path directory() {
        return directory;
    }

    /** The table of the given name; it must have been named when the store was opened. */
    public StoreTable table(String tableName) {
        StoreTable table = tables.get(tableName);
        if (table == null) {
            throw new IllegalArgumentException("Store '" + name + "' has no table '" + tableName + "'");
        }
        return table;
    }

    /** The position that the stored state reflects, empty for a new store. */
    public OptionalLong position() {
        return position < 0 ? OptionalLong.empty() : OptionalLong.of(position);
    }

    public byte[] get(StoreTable table, byte[] key) {
        try {
            return db.get(table.handle(), readOptions, key);
        } catch (RocksDBException e) {
            throw new StateStoreException(name, "get from " + table.name(), e);
        }
    }

    /** Values for the keys, in the same order; null where a key is absent. */
    public List<byte[]> multiGet(StoreTable table, List<byte[]> keys) {
        if (keys.isEmpty()) {
            return List.of();
        }
        List<ColumnFamilyHandle> cfs = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            cfs.add(table.handle());
        }
        try {
            return db.multiGetAsList(readOptions, cfs, keys);
        } catch (RocksDBException e) {
            throw new StateStoreException(name, "multi-get from " + table.name(), e);
        }
    }

    public StoreWriteBatch newWriteBatch() {
        return new StoreWriteBatch();
    }

    /** Atomically applies the batch and records {@code newPosition} as the position it reflects. */
    public void commit(StoreWriteBatch batch, long newPosition) {
        try {
            batch.putRaw(metaHandle, POSITION_KEY, ByteBuffer.allocate(Long.BYTES).putLong(newPosition).array());
            db.write(writeOptions, batch.rocksBatch());
            position = newPosition;
        } catch (RocksDBException e) {
            throw new StateStoreException(name, "commit a batch at position " + newPosition, e);
        } finally {
            batch.close();
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

    private long readPosition() {
        try {
            byte[] bytes = db.get(metaHandle, POSITION_KEY);
            return bytes == null ? -1 : ByteBuffer.wrap(bytes).getLong();
        } catch (RocksDBException e) {
            throw new StateStoreException(name, "read its position", e);
        }
    }

    /** Flushes and closes; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
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
}
