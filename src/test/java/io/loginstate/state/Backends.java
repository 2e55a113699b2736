package io.loginstate.state;

import io.loginstate.state.heap.HeapStore;
import io.loginstate.state.rocksdb.RocksDBSharedResources;
import io.loginstate.state.rocksdb.RocksDBStore;
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.CachingStore;
import java.nio.file.Path;
import java.util.Collection;

/** The byte-level backends tests run against: in memory and a real RocksDB. */
public enum Backends {
    HEAP {
        @Override
        public ByteStore open(Path directory, Collection<String> tables) {
            return new HeapStore("heap", tables);
        }

        @Override
        public ByteStore restore(Path snapshot, Path directory, Collection<String> tables) {
            return HeapStore.restore("heap", snapshot, tables);
        }
    },
    ROCKSDB {
        @Override
        public ByteStore open(Path directory, Collection<String> tables) {
            return RocksDBStore.open("rocksdb", directory, tables, SHARED);
        }

        @Override
        public ByteStore restore(Path snapshot, Path directory, Collection<String> tables) {
            // A RocksDB snapshot is a complete database directory: open it where it is.
            return RocksDBStore.open("rocksdb", snapshot, tables, SHARED);
        }
    },
    /** RocksDB behind the write-back cache, as the service runs it (a tiny cache, so entries get evicted). */
    CACHED_ROCKSDB {
        @Override
        public ByteStore open(Path directory, Collection<String> tables) {
            return new CachingStore(ROCKSDB.open(directory, tables), 3);
        }

        @Override
        public ByteStore restore(Path snapshot, Path directory, Collection<String> tables) {
            return new CachingStore(ROCKSDB.restore(snapshot, directory, tables), 3);
        }
    };

    /** Shared native memory for all test instances; never closed (the JVM exits first). */
    private static final RocksDBSharedResources SHARED = new RocksDBSharedResources(16 << 20, 8 << 20);

    /** A new backend with files (if any) in {@code directory}. */
    public abstract ByteStore open(Path directory, Collection<String> tables);

    /** A backend holding what {@link ByteStore#snapshot} wrote to {@code snapshot}. */
    public abstract ByteStore restore(Path snapshot, Path directory, Collection<String> tables);
}
