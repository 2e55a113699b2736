package io.loginstate.app;

import io.loginstate.state.store.ByteStore;
import java.nio.file.Path;
import java.util.Collection;

/** The byte store of each partition, of the backend {@code login-state.state.backend} names. */
interface PartitionStores {

    /** The backend's name, as configured. */
    String name();

    /**
     * The partition's store over what {@code directory} holds (a kept local state, or the files a
     * restore just put there), or an empty one. With {@code verify}, a kept local state is checked
     * before it is trusted, where the backend can check it.
     *
     * @throws io.loginstate.state.store.CorruptStateException if the files are damaged
     * @throws io.loginstate.state.store.IncompatibleStateException if they cannot be read by this build or backend
     */
    ByteStore open(String storeName, Path directory, Collection<String> tables, boolean verify);

    /**
     * Whether a partition's directory keeps its state across restarts, to be trusted over an older
     * checkpoint; if not, a partition always starts from its checkpoint (or empty).
     */
    boolean keepsLocalState();

    /** The write-back cache's read budget per partition, given the configured one. */
    long cacheBytes(long configured);

    /** Releases what the partitions shared, once every partition is closed. */
    void close();
}
