package io.loginstate.state.rocksdb;

import io.loginstate.state.store.CorruptStateException;
import io.loginstate.state.store.StateStoreException;
import io.loginstate.state.store.StorageUnavailableException;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/**
 * Turns a RocksDB error into the store's exception by RocksDB's own status: {@code Corruption} is
 * damaged files, {@code IOError} a volume that cannot be written or read (full when the sub-code
 * says {@code NoSpace}), anything else a plain store failure.
 */
final class RocksDBFailures {

    private RocksDBFailures() {}

    static StateStoreException of(String storeName, String operation, RocksDBException e) {
        Status status = e.getStatus();
        if (status == null) {
            return new StateStoreException(storeName, operation, e);
        }
        return switch (status.getCode()) {
            case Corruption -> new CorruptStateException(storeName, operation, e);
            case IOError -> new StorageUnavailableException(storeName, operation, e, full(status));
            default -> new StateStoreException(storeName, operation, e);
        };
    }

    private static boolean full(Status status) {
        return status.getSubCode() == Status.SubCode.NoSpace;
    }
}
