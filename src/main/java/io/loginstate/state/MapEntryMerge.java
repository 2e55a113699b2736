package io.loginstate.state;

import io.loginstate.state.plain.PlainMapState;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.store.Keys;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;

/**
 * The entries of a map state's table in (user key, map key) order. The table orders them by
 * {@code keyLength:int32 | key | mapKey}, which is that order only among keys of one length: each
 * length is one contiguous range, read in chunks, and the ranges are merged by their heads. Memory
 * is bounded by one chunk per distinct key length, whatever the table's size.
 */
final class MapEntryMerge {

    /** One map entry: the user key, the serialized map key and the stored value. */
    record Entry(byte[] key, byte[] mapKey, byte[] value) {}

    private static final Comparator<Range> ORDER = (a, b) -> {
        int byKey = Arrays.compareUnsigned(a.head.key(), b.head.key());
        return byKey != 0 ? byKey : Arrays.compareUnsigned(a.head.mapKey(), b.head.mapKey());
    };

    private final PriorityQueue<Range> heads = new PriorityQueue<>(ORDER);

    MapEntryMerge(ByteTable table, int chunk) {
        byte[] from = new byte[0];
        while (true) {
            List<Map.Entry<byte[], byte[]>> first = table.scan(from, null, 1);
            if (first.isEmpty()) {
                return;
            }
            long length = keyLength(first.get(0).getKey());
            byte[] end = length == 0xFFFF_FFFFL ? null : lengthPrefix(length + 1);
            Range range = new Range(table, lengthPrefix(length), end, chunk);
            if (range.advance()) {
                heads.add(range);
            }
            if (end == null) {
                return;
            }
            from = end;
        }
    }

    boolean hasNext() {
        return !heads.isEmpty();
    }

    Entry next() {
        Range range = heads.poll();
        if (range == null) {
            throw new NoSuchElementException();
        }
        Entry entry = range.head;
        if (range.advance()) {
            heads.add(range);
        }
        return entry;
    }

    private static long keyLength(byte[] compositeKey) {
        if (compositeKey.length < 4) {
            throw new IllegalStateException("A map entry key of " + compositeKey.length + " bytes has no key length");
        }
        return ((compositeKey[0] & 0xFFL) << 24)
                | ((compositeKey[1] & 0xFFL) << 16)
                | ((compositeKey[2] & 0xFFL) << 8)
                | (compositeKey[3] & 0xFFL);
    }

    private static byte[] lengthPrefix(long length) {
        return new byte[] {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length};
    }

    /** The entries of one key length, read a chunk at a time. */
    private static final class Range {
        private final ByteTable table;
        private final byte[] end;
        private final int chunk;
        private byte[] from;
        private List<Map.Entry<byte[], byte[]>> entries = List.of();
        private int next;
        private boolean exhausted;
        private Entry head;

        Range(ByteTable table, byte[] from, byte[] end, int chunk) {
            this.table = table;
            this.from = from;
            this.end = end;
            this.chunk = chunk;
        }

        /** Moves the head to the next entry; false at the end of the range. */
        boolean advance() {
            if (next == entries.size()) {
                if (exhausted) {
                    return false;
                }
                entries = table.scan(from, end, chunk);
                next = 0;
                exhausted = entries.size() < chunk;
                if (entries.isEmpty()) {
                    return false;
                }
                from = Keys.successor(entries.get(entries.size() - 1).getKey());
            }
            Map.Entry<byte[], byte[]> entry = entries.get(next++);
            byte[] key = PlainMapState.keyOf(entry.getKey());
            byte[] mapKey = Arrays.copyOfRange(entry.getKey(), 4 + key.length, entry.getKey().length);
            head = new Entry(key, mapKey, entry.getValue());
            return true;
        }
    }
}
