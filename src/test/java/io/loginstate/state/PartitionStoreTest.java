package io.loginstate.state;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The RocksDB partition store on a real RocksDB: atomic state + position, reopen, shared memory. */
class PartitionStoreTest {

    @TempDir
    Path dir;
    private RocksDBSharedResources shared;

    @BeforeEach
    void setUp() {
        shared = new RocksDBSharedResources(8 << 20, 4 << 20);
    }

    @AfterEach
    void tearDown() {
        shared.close();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void commitsStateAndPositionTogetherAndKeepsThemAcrossReopen() {
        try (PartitionStore store = PartitionStore.open("p0", dir, List.of("users"), shared)) {
            assertThat(store.position()).isEmpty();
            StoreWriteBatch batch = store.newWriteBatch();
            batch.put(store.table("users"), bytes("alice"), bytes("1"));
            batch.put(store.table("users"), bytes("bob"), bytes("2"));
            // Staged writes are invisible until committed.
            assertThat(store.get(store.table("users"), bytes("alice"))).isNull();
            store.commit(batch, 42);
            assertThat(store.position()).hasValue(42);
        }
        try (PartitionStore store = PartitionStore.open("p0", dir, List.of("users"), shared)) {
            assertThat(store.position()).hasValue(42);
            List<byte[]> values = store.multiGet(store.table("users"), List.of(bytes("bob"), bytes("nobody"), bytes("alice")));
            assertThat(values.get(0)).isEqualTo(bytes("2"));
            assertThat(values.get(1)).isNull();
            assertThat(values.get(2)).isEqualTo(bytes("1"));
        }
    }

    @Test
    void deletesAndSeparatesTables() {
        try (PartitionStore store = PartitionStore.open("p1", dir, List.of("a", "b"), shared)) {
            StoreWriteBatch batch = store.newWriteBatch();
            batch.put(store.table("a"), bytes("k"), bytes("in-a"));
            store.commit(batch, 1);
            assertThat(store.get(store.table("b"), bytes("k"))).isNull();
            StoreWriteBatch delete = store.newWriteBatch();
            delete.delete(store.table("a"), bytes("k"));
            assertThat(delete.count()).isEqualTo(1);
            store.commit(delete, 2);
            assertThat(store.get(store.table("a"), bytes("k"))).isNull();
            assertThatThrownBy(() -> store.table("c")).hasMessageContaining("no table 'c'");
        }
    }

    @Test
    void closeIsIdempotentAndOpenFailureNamesTheStore() {
        PartitionStore store = PartitionStore.open("p2", dir, List.of("users"), shared);
        store.close();
        store.close();
        Path notADirectory = dir.resolve("file");
        assertThat(Arrays.asList(notADirectory.toFile().getParentFile().list())).isNotNull();
        try {
            java.nio.file.Files.writeString(notADirectory, "x");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertThatThrownBy(() -> PartitionStore.open("p3", notADirectory, List.of("users"), shared))
                .isInstanceOf(StateStoreException.class)
                .hasMessageContaining("'p3'");
    }
}
