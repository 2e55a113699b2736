package io.loginstate.state.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.state.Backends;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The write-back cache over a heap store and over RocksDB (where the commit is one plain write
 * batch): writes stay invisible to other threads until the commit, scans see them merged over the
 * committed data, an abort forgets them, and cached reads stay within the byte budget.
 */
class CachingStoreTest {

    private static final String TABLE = "t";

    @TempDir
    Path dir;

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    private static List<String> keys(List<Map.Entry<byte[], byte[]>> entries) {
        List<String> keys = new ArrayList<>();
        entries.forEach(entry -> keys.add(text(entry.getKey())));
        return keys;
    }

    private CachingStore open(Backends kind, long budget) {
        return new CachingStore(kind.open(dir.resolve(kind.name()), List.of(ByteStore.META_TABLE, TABLE)), budget);
    }

    @ParameterizedTest
    @EnumSource(
            value = Backends.class,
            names = {"HEAP", "ROCKSDB"})
    void writesStayInTheCacheUntilTheCommitWritesThemAtOnce(Backends kind) {
        try (CachingStore store = open(kind, 1 << 20)) {
            ByteTable table = store.table(TABLE);
            table.put(bytes("a"), bytes("1"));
            table.put(bytes("a"), bytes("2"));
            assertThat(text(table.get(bytes("a")))).isEqualTo("2");
            assertThat(store.committedTable(TABLE).get(bytes("a"))).isNull();
            store.commit(7);
            assertThat(text(store.committedTable(TABLE).get(bytes("a")))).isEqualTo("2");
            assertThat(store.position()).hasValue(7);

            table.delete(bytes("a"));
            table.put(bytes("b"), bytes("3"));
            store.abort();
            assertThat(text(table.get(bytes("a"))))
                    .as("the abort forgot the delete")
                    .isEqualTo("2");
            assertThat(table.get(bytes("b"))).isNull();
            assertThat(store.position()).hasValue(7);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Backends.class,
            names = {"HEAP", "ROCKSDB"})
    void scansMergeTheTransactionsWritesOverCommittedDataAndNeverComeBackShortForDeletes(Backends kind) {
        try (CachingStore store = open(kind, 1 << 20)) {
            ByteTable table = store.table(TABLE);
            for (int i = 0; i < 2_000; i++) {
                table.put(bytes(String.format("k%04d", i)), bytes("v"));
            }
            store.commit(1);
            for (int i = 0; i < 1_500; i++) {
                table.delete(bytes(String.format("k%04d", i)));
            }
            table.put(bytes("k1500a"), bytes("new"));
            table.put(bytes("k1999"), bytes("changed"));

            List<Map.Entry<byte[], byte[]>> first = table.scan(bytes("k"), bytes("l"), 3);
            assertThat(keys(first)).containsExactly("k1500", "k1500a", "k1501");
            List<Map.Entry<byte[], byte[]>> all = table.scan(new byte[0], null, 100_000);
            assertThat(all).hasSize(501);
            assertThat(text(all.get(all.size() - 1).getValue())).isEqualTo("changed");
            assertThat(table.scan(bytes("k0000"), bytes("k1500"), 10))
                    .as("a fully deleted range")
                    .isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Backends.class,
            names = {"HEAP", "ROCKSDB"})
    void cachedReadsStayWithinTheBudgetAndStillAnswerRight(Backends kind) {
        long budget = 8 * 1024;
        try (CachingStore store = open(kind, budget)) {
            ByteTable table = store.table(TABLE);
            for (int i = 0; i < 5_000; i++) {
                table.put(bytes("key-" + i), bytes("value-" + i));
            }
            assertThat(store.cachedBytes())
                    .as("writes are kept whatever the budget")
                    .isGreaterThan(budget);
            store.commit(1);
            assertThat(store.cachedBytes()).isLessThanOrEqualTo(budget);
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 5_000; i++) {
                    assertThat(text(table.get(bytes("key-" + i)))).isEqualTo("value-" + i);
                }
                assertThat(store.cachedBytes()).isLessThanOrEqualTo(2 * budget);
            }
            assertThat(table.get(bytes("missing"))).isNull();
        }
    }

    /**
     * A commit hands over exactly the transaction's writes, whether it reads the cache's flags in
     * slot order (many writes) or looks each written key up (a few writes among many cached
     * entries), and only those: the cached entries stay as committed.
     */
    @ParameterizedTest
    @EnumSource(
            value = Backends.class,
            names = {"HEAP", "ROCKSDB"})
    void aCommitHandsOverExactlyTheWritesWhetherFewOrMany(Backends kind) {
        try (CachingStore store = open(kind, 1 << 24)) {
            ByteTable table = store.table(TABLE);
            for (int i = 0; i < 20_000; i++) {
                table.put(bytes("key-" + i), bytes("v0-" + i));
            }
            store.commit(1);
            for (int i = 0; i < 20_000; i++) {
                assertThat(text(table.get(bytes("key-" + i)))).isEqualTo("v0-" + i);
            }
            table.put(bytes("key-7"), bytes("few"));
            table.delete(bytes("key-8"));
            table.put(bytes("new"), bytes("added"));
            store.commit(2);
            ByteTable committed = store.committedTable(TABLE);
            assertThat(text(committed.get(bytes("key-7")))).isEqualTo("few");
            assertThat(committed.get(bytes("key-8"))).isNull();
            assertThat(text(committed.get(bytes("new")))).isEqualTo("added");
            assertThat(text(committed.get(bytes("key-9")))).isEqualTo("v0-9");

            for (int i = 0; i < 20_000; i += 2) {
                table.put(bytes("key-" + i), bytes("v1-" + i));
            }
            store.commit(3);
            for (int i = 0; i < 20_000; i++) {
                String expected = i % 2 == 0 ? "v1-" + i : i == 7 ? "few" : "v0-" + i;
                assertThat(text(committed.get(bytes("key-" + i)))).isEqualTo(expected);
            }
            store.abort();
            assertThat(text(table.get(bytes("key-2"))))
                    .as("nothing left to drop")
                    .isEqualTo("v1-2");
        }
    }
}
