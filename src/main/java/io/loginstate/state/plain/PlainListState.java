package io.loginstate.state.plain;

import io.loginstate.state.api.ListState;
import io.loginstate.state.api.StateSerializer;
import io.loginstate.state.store.ByteTable;
import java.util.ArrayList;
import java.util.List;

/** A list per key, stored as one value: {@code (length:int32, element)*}. */
public final class PlainListState<E> extends PlainState<E> implements ListState<E> {

    public PlainListState(ByteTable table, KeyContext keys, StateSerializer<E> serializer) {
        super(table, keys, serializer);
    }

    @Override
    public List<E> get() {
        return decode(table.get(keys.currentKey()));
    }

    public List<E> decode(byte[] stored) {
        if (stored == null) {
            return new ArrayList<>(0);
        }
        List<E> elements = new ArrayList<>();
        int offset = 0;
        while (offset < stored.length) {
            int length = lengthAt(stored, offset);
            offset += 4;
            elements.add(serializer.deserialize(stored, offset, length));
            offset += length;
        }
        return elements;
    }

    /** Number of elements in a stored list (0 for null). */
    public static int count(byte[] stored) {
        if (stored == null) {
            return 0;
        }
        int count = 0;
        for (int offset = 0; offset < stored.length; offset += 4 + lengthAt(stored, offset)) {
            count++;
        }
        return count;
    }

    /** The length of the element whose length prefix starts at {@code offset}. */
    public static int lengthAt(byte[] stored, int offset) {
        return ((stored[offset] & 0xFF) << 24)
                | ((stored[offset + 1] & 0xFF) << 16)
                | ((stored[offset + 2] & 0xFF) << 8)
                | (stored[offset + 3] & 0xFF);
    }

    public static void putLength(byte[] target, int offset, int length) {
        target[offset] = (byte) (length >>> 24);
        target[offset + 1] = (byte) (length >>> 16);
        target[offset + 2] = (byte) (length >>> 8);
        target[offset + 3] = (byte) length;
    }

    /** One element as stored, without its length prefix. */
    public byte[] serializeElement(E element) {
        return serializer.serialize(element);
    }

    public byte[] encode(List<E> elements) {
        List<byte[]> serialized = new ArrayList<>(elements.size());
        int size = 0;
        for (E element : elements) {
            byte[] bytes = serializer.serialize(element);
            serialized.add(bytes);
            size += 4 + bytes.length;
        }
        byte[] stored = new byte[size];
        int offset = 0;
        for (byte[] bytes : serialized) {
            putLength(stored, offset, bytes.length);
            System.arraycopy(bytes, 0, stored, offset + 4, bytes.length);
            offset += 4 + bytes.length;
        }
        return stored;
    }

    @Override
    public void add(E element) {
        List<E> elements = get();
        elements.add(element);
        update(elements);
    }

    @Override
    public void add(E element, int maxElements) {
        List<E> elements = get();
        elements.add(element);
        update(
                elements.size() > maxElements
                        ? elements.subList(elements.size() - maxElements, elements.size())
                        : elements);
    }

    @Override
    public void update(List<E> elements) {
        if (elements == null || elements.isEmpty()) {
            clear();
        } else {
            table.put(keys.currentKey(), encode(elements));
        }
    }

    @Override
    public void clear() {
        table.delete(keys.currentKey());
    }
}
