package io.loginstate.state.api;

/**
 * Turns values of a state into bytes and back; implementations are stateless and thread-safe. A
 * serializer is named by a stable {@link #id} and a {@link #version} of its byte format, which
 * savepoints record: a savepoint written by an older version is brought to this one through
 * {@link #upgrade}.
 */
public interface StateSerializer<T> {

    /** Stable name of the serializer's byte format, the same in every build that can read it. */
    String id();

    /** Version of the byte format {@link #serialize} writes; bumped whenever it changes. */
    default int version() {
        return 1;
    }

    /**
     * Rewrites a payload that version {@code fromVersion} (older than {@link #version}) wrote into
     * the current format. The default refuses: a serializer that changes its format must say how
     * older payloads read.
     *
     * @throws IllegalArgumentException if this serializer cannot read that version
     */
    default byte[] upgrade(int fromVersion, byte[] payload) {
        throw new IllegalArgumentException(
                "serializer '" + id() + "' (version " + version() + ") cannot upgrade version " + fromVersion);
    }

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
