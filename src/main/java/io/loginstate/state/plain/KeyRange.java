package io.loginstate.state.plain;

import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.store.Keys;
import java.util.List;
import java.util.Map;

/**
 * The table keys under which a plain state stores one user key: the key itself for a value or
 * list state, every composite key starting with it for a map state. {@code to} is exclusive.
 */
public record KeyRange(byte[] from, byte[] to) {

    private static final int SCAN_CHUNK = 1024;

    public static KeyRange of(StateDescriptor.Kind kind, byte[] key) {
        if (kind == StateDescriptor.Kind.MAP) {
            byte[] prefix = PlainMapState.compositeKey(key, new byte[0]);
            return new KeyRange(prefix, Keys.prefixEnd(prefix));
        }
        return new KeyRange(key, Keys.successor(key));
    }

    /** Deletes every entry of the range in {@code table}, in bounded chunks; returns how many. */
    public int deleteIn(ByteTable table) {
        int deleted = 0;
        byte[] start = from;
        List<Map.Entry<byte[], byte[]>> chunk;
        do {
            chunk = table.scan(start, to, SCAN_CHUNK);
            for (Map.Entry<byte[], byte[]> entry : chunk) {
                table.delete(entry.getKey());
                deleted++;
            }
            if (!chunk.isEmpty()) {
                start = Keys.successor(chunk.get(chunk.size() - 1).getKey());
            }
        } while (chunk.size() == SCAN_CHUNK);
        return deleted;
    }
}
