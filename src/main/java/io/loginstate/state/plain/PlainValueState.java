package io.loginstate.state.plain;

import io.loginstate.state.api.StateSerializer;
import io.loginstate.state.api.ValueState;
import io.loginstate.state.store.ByteTable;

/** A value per key in one table; the stored bytes are whatever the serializer writes. */
public final class PlainValueState<E> extends PlainState<E> implements ValueState<E> {

    public PlainValueState(ByteTable table, KeyContext keys, StateSerializer<E> serializer) {
        super(table, keys, serializer);
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
