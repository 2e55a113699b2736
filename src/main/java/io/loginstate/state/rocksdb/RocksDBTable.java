package io.loginstate.state.rocksdb;

import io.loginstate.state.store.ByteTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;

/**
 * One column family as a table. The writable view stages writes in the store's indexed write
 * batch and reads see them; the committed view reads only what is committed, from any thread.
 */
final class RocksDBTable implements ByteTable {

    private final String storeName;
    private final String tableName;
    final ColumnFamilyHandle handle;
    /** The column family's id, as an encoded write batch names it. */
    final int columnFamilyId;

    private final RocksDB db;
    private final ReadOptions readOptions;
    /** The transaction's batch, or null when nothing is staged; null supplier: the committed view. */
    private final Supplier<WriteBatchWithIndex> currentBatch;

    private final Supplier<WriteBatchWithIndex> batch;

    private RocksDBTable(
            String storeName,
            String tableName,
            ColumnFamilyHandle handle,
            RocksDB db,
            ReadOptions readOptions,
            Supplier<WriteBatchWithIndex> currentBatch,
            Supplier<WriteBatchWithIndex> batch) {
        this.storeName = storeName;
        this.tableName = tableName;
        this.handle = handle;
        this.columnFamilyId = handle.getID();
        this.db = db;
        this.readOptions = readOptions;
        this.currentBatch = currentBatch;
        this.batch = batch;
    }

    /** Writes go to {@code batch} (created on first use); reads see {@code currentBatch} when there is one. */
    static RocksDBTable writable(
            String storeName,
            String tableName,
            ColumnFamilyHandle handle,
            RocksDB db,
            ReadOptions readOptions,
            Supplier<WriteBatchWithIndex> currentBatch,
            Supplier<WriteBatchWithIndex> batch) {
        return new RocksDBTable(storeName, tableName, handle, db, readOptions, currentBatch, batch);
    }

    RocksDBTable committedView() {
        return new RocksDBTable(storeName, tableName, handle, db, readOptions, null, null);
    }

    @Override
    public String name() {
        return tableName;
    }

    @Override
    public byte[] get(byte[] key) {
        WriteBatchWithIndex staged = currentBatch == null ? null : currentBatch.get();
        try {
            return staged == null
                    ? db.get(handle, readOptions, key)
                    : staged.getFromBatchAndDB(db, handle, readOptions, key);
        } catch (RocksDBException e) {
            throw RocksDBFailures.of(storeName, "get from " + tableName, e);
        }
    }

    @Override
    public void put(byte[] key, byte[] value) {
        try {
            writes().put(handle, key, value);
        } catch (RocksDBException e) {
            throw RocksDBFailures.of(storeName, "stage a put to " + tableName, e);
        }
    }

    @Override
    public void delete(byte[] key) {
        try {
            writes().delete(handle, key);
        } catch (RocksDBException e) {
            throw RocksDBFailures.of(storeName, "stage a delete from " + tableName, e);
        }
    }

    private WriteBatchWithIndex writes() {
        if (batch == null) {
            throw new UnsupportedOperationException("read-only view of " + tableName);
        }
        return batch.get();
    }

    @Override
    public List<Map.Entry<byte[], byte[]>> scan(byte[] from, byte[] to, int limit) {
        WriteBatchWithIndex staged = currentBatch == null ? null : currentBatch.get();
        if (staged == null) {
            try (RocksIterator iterator = db.newIterator(handle, readOptions)) {
                return collect(iterator, from, to, limit);
            }
        }
        // The batch iterator owns the base iterator and closes it.
        try (RocksIterator iterator = staged.newIteratorWithBase(handle, db.newIterator(handle, readOptions))) {
            return collect(iterator, from, to, limit);
        }
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
}
