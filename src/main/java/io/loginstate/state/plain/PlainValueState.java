package io.loginstate.state.plain;

import io.loginstate.state.api.StateSerializer;
import io.loginstate.state.api.ValueState;
import io.loginstate.state.store.ByteTable;

/** A value per key in one table; the stored bytes are whatever the serializer writes. */
public final class PlainValueState<E> implements ValueState<E> {

    private final ByteTable table;
    private final KeyContext keys;
    private final StateSerializer<E> serializer;

    public PlainValueState(ByteTable table, KeyContext keys, StateSerializer<E> serializer) {
        this.table = table;
        this.keys = keys;
        this.serializer = serializer;
    }

    public ByteTable table() {
        return table;
    }

    public byte[] entryKey() {
        return keys.currentKey();
    }

    @Override
    public E value() {
        byte[] stored = table.get(keys.currentKey());
        return stored == null ? null : serializer.deserialize(stored);
    }

    @Override
    public void update(E value) {
        if (value == null) {
            clear();
        } else {
            table.put(keys.currentKey(), serializer.serialize(value));
        }
    }

    @Override
    public void clear() {
        table.delete(keys.currentKey());
    }
}
