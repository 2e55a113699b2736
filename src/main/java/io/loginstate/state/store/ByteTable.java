package io.loginstate.state.store;

import java.util.List;
import java.util.Map;

/**
 * A sorted byte-level key space of a {@link ByteStore}. Keys compare as unsigned bytes. Inside a
 * transaction, reads see the transaction's own writes. Arrays passed in or returned are never
 * modified afterwards, by either side.
 */
public interface ByteTable {

    String name();

    byte[] get(byte[] key);

    void put(byte[] key, byte[] value);

    void delete(byte[] key);

    /** At most {@code limit} entries with {@code from <= key < to}, in key order. */
    List<Map.Entry<byte[], byte[]>> scan(byte[] from, byte[] to, int limit);
}
