package io.loginstate.state.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.state.store.ByteStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared block cache's usage, which the service exports as its RocksDB memory. */
class BlockCacheUsageTest {

    @TempDir
    Path dir;

    @Test
    void usageCountsTheChargedMemtablesAndIsZeroOnceClosed() {
        RocksDBSharedResources shared = new RocksDBSharedResources(64 << 20, 16 << 20);
        long empty = shared.blockCacheUsage();
        try (ByteStore store = RocksDBStore.open("usage", dir.resolve("db"), List.of("t"), shared)) {
            byte[] value = new byte[1000];
            store.commit(1, sink -> {
                for (int i = 0; i < 4000; i++) {
                    sink.change("t", ("key-" + i).getBytes(StandardCharsets.UTF_8), value);
                }
            });
            assertThat(shared.blockCacheUsage())
                    .as("about 4 MB written to the memtables, charged to the cache")
                    .isGreaterThan(empty + 2_000_000L)
                    .isLessThan(64L << 20);
        }
        shared.close();
        assertThat(shared.blockCacheUsage()).isZero();
    }
}
