package io.loginstate.state.plain;

import io.loginstate.state.api.StateSerializer;
import io.loginstate.state.store.ByteTable;

/** What a plain state of one value per key is made of: its table, the current key, the serializer. */
abstract class PlainState<E> {

    final ByteTable table;
    final KeyContext keys;
    final StateSerializer<E> serializer;

    PlainState(ByteTable table, KeyContext keys, StateSerializer<E> serializer) {
        this.table = table;
        this.keys = keys;
        this.serializer = serializer;
    }

    public ByteTable table() {
        return table;
    }

    /** The table key of the current key's entry. */
    public byte[] entryKey() {
        return keys.currentKey();
    }
}
