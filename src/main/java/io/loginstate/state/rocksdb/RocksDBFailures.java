package io.loginstate.state.rocksdb;

import io.loginstate.state.store.CorruptStateException;
import io.loginstate.state.store.StateStoreException;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/** Turns a RocksDB error into the store's exception, telling corruption apart by RocksDB's own status. */
final class RocksDBFailures {

    private RocksDBFailures() {}

    static StateStoreException of(String storeName, String operation, RocksDBException e) {
        Status status = e.getStatus();
        if (status != null && status.getCode() == Status.Code.Corruption) {
            return new CorruptStateException(storeName, operation, e);
        }
        return new StateStoreException(storeName, operation, e);
    }
}
