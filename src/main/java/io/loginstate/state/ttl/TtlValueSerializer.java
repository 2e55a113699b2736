package io.loginstate.state.ttl;

import io.loginstate.state.api.StateSerializer;
import io.loginstate.state.plain.ValueFormat;

/**
 * Stores a value with its stamp. A value written while TTL was off has no stamp; it is read as
 * stamped at {@code fallbackStamp}, the moment TTL was switched on for the state, so it expires
 * one TTL later: neither at once nor never.
 */
final class TtlValueSerializer<T> implements StateSerializer<TtlValue<T>> {

    private final StateSerializer<T> inner;
    private final long fallbackStamp;

    TtlValueSerializer(StateSerializer<T> inner, long fallbackStamp) {
        this.inner = inner;
        this.fallbackStamp = fallbackStamp;
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
    public byte[] serialize(TtlValue<T> value) {
        int size = inner.serializedSize(value.value());
        if (size < 0) {
            return ValueFormat.stamped(value.stamp(), inner.serialize(value.value()));
        }
        byte[] stored = new byte[ValueFormat.STAMP_BYTES + size];
        ValueFormat.writeStamp(stored, 0, value.stamp());
        inner.serializeInto(value.value(), stored, ValueFormat.STAMP_BYTES);
        return stored;
    }

    @Override
    public TtlValue<T> deserialize(byte[] bytes, int offset, int length) {
        long stamp = ValueFormat.stamp(bytes, offset, fallbackStamp);
        int payload = ValueFormat.payloadOffset(bytes, offset);
        return new TtlValue<>(inner.deserialize(bytes, payload, length - (payload - offset)), stamp);
    }

    long fallbackStamp() {
        return fallbackStamp;
    }
}
