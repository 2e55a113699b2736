package io.loginstate.state.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * A range scan of committed entries with a transaction's writes laid over them, in key order: a
 * written key shows its new value, a deleted one is left out. Committed entries are read in
 * chunks, so deletes never make a full result come back short.
 */
final class ScanMerge {

    private ScanMerge() {}

    /** @param deleted the value that marks a deleted key among {@code writes} (compared by identity) */
    static List<Map.Entry<byte[], byte[]>> merge(
            ByteTable committed,
            byte[] from,
            byte[] to,
            int limit,
            NavigableMap<byte[], byte[]> writes,
            byte[] deleted) {
        List<Map.Entry<byte[], byte[]>> result = new ArrayList<>();
        Committed stored = new Committed(committed, from, to, limit);
        Iterator<Map.Entry<byte[], byte[]>> pending = writes.entrySet().iterator();
        Map.Entry<byte[], byte[]> write = pending.hasNext() ? pending.next() : null;
        while (result.size() < limit) {
            Map.Entry<byte[], byte[]> entry = stored.peek();
            if (entry == null && write == null) {
                break;
            }
            int order = entry == null ? 1 : write == null ? -1 : Arrays.compareUnsigned(entry.getKey(), write.getKey());
            if (order < 0) {
                result.add(entry);
                stored.next();
                continue;
            }
            if (order == 0) {
                stored.next();
            }
            if (write.getValue() != deleted) {
                result.add(Map.entry(write.getKey(), write.getValue()));
            }
            write = pending.hasNext() ? pending.next() : null;
        }
        return result;
    }

    /** The committed entries of the range, fetched a chunk at a time. */
    private static final class Committed {
        private final ByteTable table;
        private final byte[] to;
        private final int chunkSize;
        private List<Map.Entry<byte[], byte[]>> chunk;
        private int index;

        Committed(ByteTable table, byte[] from, byte[] to, int chunkSize) {
            this.table = table;
            this.to = to;
            this.chunkSize = Math.max(1, chunkSize);
            this.chunk = table.scan(from, to, this.chunkSize);
        }

        Map.Entry<byte[], byte[]> peek() {
            if (index == chunk.size()) {
                if (chunk.size() < chunkSize) {
                    return null;
                }
                chunk = table.scan(Keys.successor(chunk.get(chunk.size() - 1).getKey()), to, chunkSize);
                index = 0;
                if (chunk.isEmpty()) {
                    return null;
                }
            }
            return chunk.get(index);
        }

        void next() {
            index++;
        }
    }
}
