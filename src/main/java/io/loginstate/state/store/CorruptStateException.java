package io.loginstate.state.store;

/**
 * The store's files are damaged, as the storage engine itself reports it (RocksDB's
 * {@code Corruption} status): the one failure that justifies dropping a local state for a restore.
 * Every other failure (a lock held by another process, a full disk, too many open files) leaves
 * the files as they are.
 */
public class CorruptStateException extends StateStoreException {

    public CorruptStateException(String storeName, String operation, Throwable cause) {
        super(storeName, operation, cause);
    }
}
