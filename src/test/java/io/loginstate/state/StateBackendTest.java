package io.loginstate.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.store.IncompatibleStateException;
import io.loginstate.state.store.StateStoreException;
import io.loginstate.state.ttl.TtlCleanupSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The byte-level contract every backend keeps: transactions, position, scans, snapshots. */
class StateBackendTest {

    private static final List<String> TABLES = List.of("a", "b");

    @TempDir
    Path dir;

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void transactionSeesItsWritesAndCommitsThemWithThePosition(Backends kind) {
        try (ByteStore backend = kind.open(dir.resolve("db"), TABLES)) {
            assertThat(backend.position()).isEmpty();
            ByteTable a = backend.table("a");
            a.put(bytes("alice"), bytes("1"));
            a.put(bytes("bob"), bytes("2"));
            assertThat(a.get(bytes("alice"))).isEqualTo(bytes("1"));
            assertThat(backend.table("b").get(bytes("alice"))).isNull();
            backend.commit(42);
            assertThat(backend.position()).hasValue(42);
            assertThat(backend.committedTable("a").get(bytes("bob"))).isEqualTo(bytes("2"));
        }
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void abortDropsStagedWrites(Backends kind) {
        try (ByteStore backend = kind.open(dir.resolve("db"), TABLES)) {
            ByteTable a = backend.table("a");
            a.put(bytes("k"), bytes("committed"));
            backend.commit(1);
            a.put(bytes("k"), bytes("staged"));
            a.put(bytes("new"), bytes("staged"));
            a.delete(bytes("k"));
            backend.abort();
            assertThat(a.get(bytes("k"))).isEqualTo(bytes("committed"));
            assertThat(a.get(bytes("new"))).isNull();
            assertThat(backend.position()).hasValue(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void scansInUnsignedKeyOrderWithinBoundsMergingStagedWrites(Backends kind) {
        try (ByteStore backend = kind.open(dir.resolve("db"), TABLES)) {
            ByteTable a = backend.table("a");
            a.put(new byte[] {1}, bytes("one"));
            a.put(new byte[] {(byte) 0x80}, bytes("high"));
            a.put(new byte[] {5}, bytes("five"));
            backend.commit(1);
            a.put(new byte[] {3}, bytes("three"));
            a.delete(new byte[] {5});
            List<Map.Entry<byte[], byte[]>> all = a.scan(new byte[0], null, 10);
            assertThat(all)
                    .extracting(entry -> new String(entry.getValue(), StandardCharsets.UTF_8))
                    .containsExactly("one", "three", "high");
            assertThat(a.scan(new byte[] {2}, new byte[] {(byte) 0x80}, 10)).hasSize(1);
            assertThat(a.scan(new byte[0], null, 2)).hasSize(2);
        }
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void snapshotRestoresCommittedStateAndPositionOnly(Backends kind) {
        Path snapshot = dir.resolve("snapshot");
        try (ByteStore backend = kind.open(dir.resolve("db"), TABLES)) {
            backend.table("a").put(bytes("k"), bytes("v"));
            backend.table("b").put(bytes("k"), bytes("w"));
            backend.commit(7);
            backend.snapshot(snapshot);
            backend.table("a").put(bytes("k"), bytes("after"));
            backend.commit(8);
        }
        try (ByteStore restored = kind.restore(snapshot, dir.resolve("restored"), TABLES)) {
            assertThat(restored.position()).hasValue(7);
            assertThat(restored.table("a").get(bytes("k"))).isEqualTo(bytes("v"));
            assertThat(restored.table("b").get(bytes("k"))).isEqualTo(bytes("w"));
        }
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void unknownTableIsNamed(Backends kind) {
        try (ByteStore backend = kind.open(dir.resolve("db"), TABLES)) {
            assertThatThrownBy(() -> backend.table("c")).hasMessageContaining("no table 'c'");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Backends.class, names = "ROCKSDB")
    void reopenKeepsCommittedStateAndOpenFailureNamesTheStore(Backends kind) throws Exception {
        try (ByteStore backend = kind.open(dir.resolve("db"), TABLES)) {
            backend.table("a").put(bytes("k"), bytes("v"));
            backend.commit(3);
            backend.table("a").put(bytes("k"), bytes("uncommitted"));
        }
        // A table no longer declared is still opened (RocksDB requires it) and keeps its data.
        try (ByteStore backend = kind.open(dir.resolve("db"), List.of("b"))) {
            assertThat(backend.position()).hasValue(3);
            assertThat(backend.table("a").get(bytes("k"))).isEqualTo(bytes("v"));
            backend.close();
            backend.close();
        }
        Path file = dir.resolve("file");
        Files.writeString(file, "x");
        assertThatThrownBy(() -> kind.open(file, TABLES))
                .isInstanceOf(StateStoreException.class)
                .hasMessageContaining("'rocksdb'");
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void keyedStateRefusesStateOfAnUnknownLayout(Backends kind) {
        try (ByteStore backend = kind.open(dir.resolve("db"), LayeredKeyedStateBackend.tableNames(List.of()))) {
            // Written before layout versions were recorded: a position, no layout.
            backend.table("_meta").put(bytes("anything"), bytes("x"));
            backend.commit(5);
            assertThatThrownBy(() -> new LayeredKeyedStateBackend(
                            backend,
                            List.of(),
                            new EventTimeClock(InstantSource.system(), Duration.ZERO, true, Duration.ofMinutes(5)),
                            TtlCleanupSettings.DEFAULTS))
                    .isInstanceOf(IncompatibleStateException.class)
                    .hasMessageContaining("layout");
        }
        try (ByteStore fresh = kind.open(dir.resolve("fresh"), LayeredKeyedStateBackend.tableNames(List.of()))) {
            new LayeredKeyedStateBackend(
                    fresh,
                    List.of(),
                    new EventTimeClock(InstantSource.system(), Duration.ZERO, true, Duration.ofMinutes(5)),
                    TtlCleanupSettings.DEFAULTS);
            fresh.commit(9);
            // Recorded now: a later open accepts it.
            new LayeredKeyedStateBackend(
                    fresh,
                    List.of(),
                    new EventTimeClock(InstantSource.system(), Duration.ZERO, true, Duration.ofMinutes(5)),
                    TtlCleanupSettings.DEFAULTS);
        }
    }
}
