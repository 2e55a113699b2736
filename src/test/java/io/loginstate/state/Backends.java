package io.loginstate.state;

import io.loginstate.state.heap.HeapStateBackend;
import io.loginstate.state.rocksdb.RocksDBSharedResources;
import io.loginstate.state.rocksdb.RocksDBStateBackend;

import java.nio.file.Path;
import java.util.Collection;

/** The byte-level backends tests run against: in memory and a real RocksDB. */
public enum Backends {
    HEAP {
        @Override
        public StateBackend open(Path directory, Collection<String> tables) {
            return new HeapStateBackend("heap", tables);
        }

        @Override
        public StateBackend restore(Path snapshot, Path directory, Collection<String> tables) {
            return HeapStateBackend.restore("heap", snapshot, tables);
        }
    },
    ROCKSDB {
        @Override
        public StateBackend open(Path directory, Collection<String> tables) {
            return RocksDBStateBackend.open("rocksdb", directory, tables, SHARED);
        }

        @Override
        public StateBackend restore(Path snapshot, Path directory, Collection<String> tables) {
            // A RocksDB snapshot is a complete database directory: open it where it is.
            return RocksDBStateBackend.open("rocksdb", snapshot, tables, SHARED);
        }
    },
    /** RocksDB behind the write-back cache, as the service runs it (a tiny cache, so entries get evicted). */
    CACHED_ROCKSDB {
        @Override
        public StateBackend open(Path directory, Collection<String> tables) {
            return new CachingStateBackend(ROCKSDB.open(directory, tables), 3);
        }

        @Override
        public StateBackend restore(Path snapshot, Path directory, Collection<String> tables) {
            return new CachingStateBackend(ROCKSDB.restore(snapshot, directory, tables), 3);
        }
    };

    /** Shared native memory for all test instances; never closed (the JVM exits first). */
    private static final RocksDBSharedResources SHARED = new RocksDBSharedResources(16 << 20, 8 << 20);

    /** A new backend with files (if any) in {@code directory}. */
    public abstract StateBackend open(Path directory, Collection<String> tables);

    /** A backend holding what {@link StateBackend#snapshot} wrote to {@code snapshot}. */
    public abstract StateBackend restore(Path snapshot, Path directory, Collection<String> tables);
}
