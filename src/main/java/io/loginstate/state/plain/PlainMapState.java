package io.loginstate.state.plain;

import io.loginstate.state.api.MapState;
import io.loginstate.state.api.StateSerializer;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.store.Keys;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A map per key: each entry is its own table entry under {@code keyLength:int32 | key | mapKey},
 * so entries of one key are adjacent and sorted by serialized map key.
 */
public final class PlainMapState<K, E> implements MapState<K, E> {

    private static final int SCAN_CHUNK = 1024;

    private final ByteTable table;
    private final KeyContext keys;
    private final StateSerializer<K> keySerializer;
    private final StateSerializer<E> valueSerializer;

    public PlainMapState(
            ByteTable table, KeyContext keys, StateSerializer<K> keySerializer, StateSerializer<E> valueSerializer) {
        this.table = table;
        this.keys = keys;
        this.keySerializer = keySerializer;
        this.valueSerializer = valueSerializer;
    }

    public ByteTable table() {
        return table;
    }

    public byte[] entryKey(K mapKey) {
        return compositeKey(keys.currentKey(), keySerializer.serialize(mapKey));
    }

    public static byte[] compositeKey(byte[] key, byte[] mapKey) {
        byte[] composite = new byte[4 + key.length + mapKey.length];
        composite[0] = (byte) (key.length >>> 24);
        composite[1] = (byte) (key.length >>> 16);
        composite[2] = (byte) (key.length >>> 8);
        composite[3] = (byte) key.length;
        System.arraycopy(key, 0, composite, 4, key.length);
        System.arraycopy(mapKey, 0, composite, 4 + key.length, mapKey.length);
        return composite;
    }

    /** The user key part of a composite key. */
    public static byte[] keyOf(byte[] compositeKey) {
        int length = ((compositeKey[0] & 0xFF) << 24)
                | ((compositeKey[1] & 0xFF) << 16)
                | ((compositeKey[2] & 0xFF) << 8)
                | (compositeKey[3] & 0xFF);
        return Arrays.copyOfRange(compositeKey, 4, 4 + length);
    }

    public K mapKeyOf(byte[] compositeKey) {
        int offset = 4 + keyOf(compositeKey).length;
        return keySerializer.deserialize(compositeKey, offset, compositeKey.length - offset);
    }

    public byte[] encodeValue(E value) {
        return valueSerializer.serialize(value);
    }

    public E decodeValue(byte[] stored) {
        return valueSerializer.deserialize(stored);
    }

    @Override
    public E get(K mapKey) {
        byte[] stored = table.get(entryKey(mapKey));
        return stored == null ? null : valueSerializer.deserialize(stored);
    }

    @Override
    public void put(K mapKey, E value) {
        if (value == null) {
            remove(mapKey);
        } else {
            table.put(entryKey(mapKey), valueSerializer.serialize(value));
        }
    }

    @Override
    public void remove(K mapKey) {
        table.delete(entryKey(mapKey));
    }

    /** The raw entries of the current key: composite key to stored value. */
    public List<Map.Entry<byte[], byte[]>> rawEntries() {
        byte[] prefix = compositeKey(keys.currentKey(), new byte[0]);
        byte[] end = Keys.prefixEnd(prefix);
        List<Map.Entry<byte[], byte[]>> all = table.scan(prefix, end, SCAN_CHUNK);
        if (all.size() < SCAN_CHUNK) {
            return all;
        }
        List<Map.Entry<byte[], byte[]>> more = new ArrayList<>(all);
        List<Map.Entry<byte[], byte[]>> chunk = all;
        while (chunk.size() == SCAN_CHUNK) {
            chunk = table.scan(Keys.successor(chunk.get(chunk.size() - 1).getKey()), end, SCAN_CHUNK);
            more.addAll(chunk);
        }
        return more;
    }

    @Override
    public Map<K, E> entries() {
        Map<K, E> result = new LinkedHashMap<>();
        for (Map.Entry<byte[], byte[]> entry : rawEntries()) {
            result.put(mapKeyOf(entry.getKey()), valueSerializer.deserialize(entry.getValue()));
        }
        return result;
    }

    @Override
    public boolean isEmpty() {
        byte[] prefix = compositeKey(keys.currentKey(), new byte[0]);
        return table.scan(prefix, Keys.prefixEnd(prefix), 1).isEmpty();
    }

    @Override
    public void clear() {
        for (Map.Entry<byte[], byte[]> entry : rawEntries()) {
            table.delete(entry.getKey());
        }
    }
}
