package io.loginstate.state.store;

/**
 * The store cannot read or write its files right now, as the storage engine reports it (RocksDB's
 * {@code IOError} status: a full volume, an I/O error). Nothing of the failed operation was
 * written and the committed state is intact, so the same writes may be tried again: this is a
 * failure of the volume, never of the data being written.
 *
 * <p>{@link #full()}: the volume has no space left. The
 * store takes writes again on its own once space returns. Any other I/O error may stay latched in
 * the engine until the store is reopened.
 */
public class StorageUnavailableException extends StateStoreException {

    private final boolean full;

    public StorageUnavailableException(String storeName, String operation, Throwable cause, boolean full) {
        super(storeName, operation, cause);
        this.full = full;
    }

    /** True if the volume is out of space: the store recovers by itself when space returns. */
    public boolean full() {
        return full;
    }

    /**
     * What is short, for operators: {@code "the state volume is full"} or {@code "the state volume
     * fails"}; a store whose writes are refused for another reason (a memory budget) names that.
     */
    public String shortage() {
        return full ? "the state volume is full" : "the state volume fails";
    }

    /** The storage failure in {@code problem} or its causes, if there is one. */
    public static StorageUnavailableException in(Throwable problem) {
        Throwable cause = problem;
        for (int depth = 0; cause != null && depth < 16; depth++, cause = cause.getCause()) {
            if (cause instanceof StorageUnavailableException storage) {
                return storage;
            }
        }
        return null;
    }
}
