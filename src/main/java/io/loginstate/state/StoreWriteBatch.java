package io.loginstate.state;

import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/** Writes staged for one atomic {@link PartitionStore#commit}. */
public final class StoreWriteBatch implements AutoCloseable {

    private final WriteBatch batch = new WriteBatch();

    StoreWriteBatch() {
    }

    public void put(StoreTable table, byte[] key, byte[] value) {
        putRaw(table.handle(), key, value);
    }

    public void delete(StoreTable table, byte[] key) {
        try {
            batch.delete(table.handle(), key);
        } catch (RocksDBException e) {
            throw new StateStoreException(table.name(), "stage a delete", e);
        }
    }

    public int count() {
        return batch.count();
    }

    void putRaw(ColumnFamilyHandle handle, byte[] key, byte[] value) {
        try {
            batch.put(handle, key, value);
        } catch (RocksDBException e) {
            throw new StateStoreException("batch", "stage a put", e);
        }
    }

    WriteBatch rocksBatch() {
        return batch;
    }

    @Override
    public void close() {
        batch.close();
    }
}
