package io.loginstate.state.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.state.heap.HeapStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A commit hands the cache's writes to the inner store in key order within each table, whether it
 * finds them by their dirty bits (many writes) or by looking each one up (few), and for keys that
 * share long prefixes, differ only past their eighth distinguishing byte or only in length.
 */
class CachingStoreHandOverTest {

    private static final List<String> TABLES = List.of("a", "b");

    /** The inner store with the order of the changes each commit handed it, per table. */
    private static ByteStore recording(ByteStore inner, Map<String, List<byte[]>> handedOver) {
        return (ByteStore) Proxy.newProxyInstance(
                ByteStore.class.getClassLoader(), new Class<?>[] {ByteStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("commit") && args != null && args.length == 2) {
                        ByteStore.Changes changes = (ByteStore.Changes) args[1];
                        ByteStore.Changes recorded = sink -> changes.forEach((table, key, value) -> {
                            handedOver
                                    .computeIfAbsent(table, name -> new ArrayList<>())
                                    .add(key);
                            sink.change(table, key, value);
                        });
                        inner.commit((Long) args[0], recorded);
                        return null;
                    }
                    try {
                        return method.invoke(inner, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static byte[] key(SplittableRandom random) {
        // A shared prefix, then a part that often repeats for eight bytes and more, of varying length.
        String tail =
                random.nextInt(4) == 0 ? "12345678" + random.nextInt(100) : Integer.toString(random.nextInt(100_000));
        byte[] key = ("user-" + tail).getBytes(StandardCharsets.UTF_8);
        return random.nextInt(10) == 0 ? Arrays.copyOf(key, key.length + 1) : key; // a trailing zero byte
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 5_000})
    void handsTheWritesOverInKeyOrder(int writes) {
        Map<String, List<byte[]>> handedOver = new LinkedHashMap<>();
        HeapStore heap = new HeapStore("heap", TABLES);
        CachingStore store = new CachingStore(recording(heap, handedOver), 1 << 20);
        SplittableRandom random = new SplittableRandom(writes);
        // Committed entries first, so that the map is large and a few writes are looked up one by one.
        for (int i = 0; i < 20_000; i++) {
            store.table("a").put(("user-" + i).getBytes(StandardCharsets.UTF_8), new byte[] {1});
        }
        store.commit(1);
        handedOver.clear();

        Map<String, Map<String, byte[]>> expected = new LinkedHashMap<>();
        for (int i = 0; i < writes; i++) {
            String table = TABLES.get(random.nextInt(TABLES.size()));
            byte[] key = key(random);
            byte[] value = {(byte) i};
            if (random.nextInt(5) == 0) {
                store.table(table).delete(key);
                value = null;
            } else {
                store.table(table).put(key, value);
            }
            expected.computeIfAbsent(table, name -> new LinkedHashMap<>()).put(Arrays.toString(key), value);
        }
        store.commit(2);

        for (String table : expected.keySet()) {
            List<byte[]> order = handedOver.get(table);
            assertThat(order)
                    .as("table %s: each written key once", table)
                    .hasSize(expected.get(table).size());
            List<byte[]> sorted = new ArrayList<>(order);
            sorted.sort(Arrays::compareUnsigned);
            assertThat(order).as("table %s: in key order", table).containsExactlyElementsOf(sorted);
        }
        expected.forEach((table, entries) -> entries.forEach((key, value) -> {
            byte[] bytes = parse(key);
            assertThat(heap.table(table).get(bytes)).as("%s %s", table, key).isEqualTo(value);
        }));
    }

    private static byte[] parse(String arrayText) {
        String[] parts = arrayText.substring(1, arrayText.length() - 1).split(", ");
        byte[] bytes = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            bytes[i] = Byte.parseByte(parts[i]);
        }
        return bytes;
    }

    @Test
    void ordersKeysByTheirBytesAfterTheCommonPrefix() {
        byte[][] keys = {
            "user-1".getBytes(StandardCharsets.UTF_8),
            "user-12".getBytes(StandardCharsets.UTF_8),
            "user-2".getBytes(StandardCharsets.UTF_8)
        };
        assertThat(Keys.commonPrefixLength(keys)).isEqualTo(5);
        assertThat(Keys.commonPrefixLength(new byte[][] {{1, 2}, {1, 2, 3}})).isEqualTo(2);
        assertThat(Keys.commonPrefixLength(new byte[0][])).isZero();
        assertThat(Keys.bytesAt(keys[0], 5)).isEqualTo(0x3100000000000000L);
        assertThat(Long.compareUnsigned(Keys.bytesAt(new byte[] {(byte) 0xFF}, 0), Keys.bytesAt(new byte[] {1}, 0)))
                .as("unsigned, as RocksDB's bytewise order")
                .isPositive();
    }
}
