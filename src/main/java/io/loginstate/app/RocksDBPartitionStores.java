package io.loginstate.app;

import io.loginstate.state.heap.HeapStore;
import io.loginstate.state.rocksdb.RocksDBSharedResources;
import io.loginstate.state.rocksdb.RocksDBStore;
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.IncompatibleStateException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import org.jboss.logging.Logger;

/**
 * One RocksDB per partition in its directory, sharing the instance's native memory. With
 * {@code verifyOnOpen}, a kept local state has every block of its table files checked before it is
 * trusted (about 0.2 s per 350 MB from the page cache), so a damaged file drops it for the
 * checkpoint instead of failing a read later, or never.
 */
record RocksDBPartitionStores(RocksDBSharedResources shared, boolean verifyOnOpen) implements PartitionStores {

    private static final Logger LOG = Logger.getLogger(RocksDBPartitionStores.class);

    @Override
    public String name() {
        return "rocksdb";
    }

    @Override
    public ByteStore open(String storeName, Path directory, Collection<String> tables, boolean verify) {
        if (HeapStore.hasSnapshot(directory) && !Files.exists(directory.resolve("CURRENT"))) {
            // A checkpoint of the heap backend: RocksDB would open an empty database beside it.
            throw new IncompatibleStateException(storeName, "holds heap state in " + directory + ", not RocksDB's");
        }
        RocksDBStore store = RocksDBStore.open(storeName, directory, tables, shared);
        if (verify && verifyOnOpen && store.position().isPresent()) {
            try {
                long started = System.nanoTime();
                long bytes = store.verifyChecksums();
                LOG.infof(
                        "Partition %s: verified the checksums of the local table files (%d bytes) in %d ms",
                        storeName, bytes, (System.nanoTime() - started) / 1_000_000);
            } catch (RuntimeException e) {
                store.close();
                throw e;
            }
        }
        return store;
    }

    @Override
    public boolean keepsLocalState() {
        return true;
    }

    @Override
    public long cacheBytes(long configured) {
        return configured;
    }

    @Override
    public void close() {
        shared.close();
    }
}
