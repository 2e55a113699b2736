package io.loginstate.state.api;

/** Turns values of a state into bytes and back; implementations are stateless and thread-safe. */
public interface StateSerializer<T> {

    byte[] serialize(T value);

    T deserialize(byte[] bytes, int offset, int length);

    default T deserialize(byte[] bytes) {
        return deserialize(bytes, 0, bytes.length);
    }

    /**
     * The number of bytes {@code value} serializes to, if this serializer can write into a given
     * array ({@link #serializeInto}); -1 otherwise. Lets an outer layer (the TTL stamp) write the
     * value and its own header into one array, without an intermediate copy.
     */
    default int serializedSize(T value) {
        return -1;
    }

    /** Writes {@code value} at {@code offset}; only when {@link #serializedSize} is not -1. */
    default void serializeInto(T value, byte[] target, int offset) {
        byte[] bytes = serialize(value);
        System.arraycopy(bytes, 0, target, offset, bytes.length);
    }
}
