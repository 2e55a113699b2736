package io.loginstate.state.api;

/** Turns values of a state into bytes and back; implementations are stateless and thread-safe. */
public interface StateSerializer<T> {

    byte[] serialize(T value);

    T deserialize(byte[] bytes, int offset, int length);

    default T deserialize(byte[] bytes) {
        return deserialize(bytes, 0, bytes.length);
    }
}
