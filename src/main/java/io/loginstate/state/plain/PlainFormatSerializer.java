package io.loginstate.state.plain;

import io.loginstate.state.api.StateSerializer;

/** Stores values of a state without TTL; reads values stamped while TTL was on by skipping the stamp. */
public final class PlainFormatSerializer<T> implements StateSerializer<T> {

    private final StateSerializer<T> inner;

    public PlainFormatSerializer(StateSerializer<T> inner) {
        this.inner = inner;
    }

    /** The stored format is this layer's tag and stamp over the inner format: named by the inner one. */
    @Override
    public String id() {
        return inner.id();
    }

    @Override
    public int version() {
        return inner.version();
    }

    @Override
    public byte[] serialize(T value) {
        return ValueFormat.plain(inner.serialize(value));
    }

    @Override
    public T deserialize(byte[] bytes, int offset, int length) {
        int payload = ValueFormat.payloadOffset(bytes, offset);
        return inner.deserialize(bytes, payload, length - (payload - offset));
    }
}
