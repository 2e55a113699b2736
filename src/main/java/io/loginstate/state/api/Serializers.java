package io.loginstate.state.api;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Serializers for common types. */
public final class Serializers {

    public static final StateSerializer<String> STRING = new StateSerializer<>() {
        @Override
        public byte[] serialize(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String deserialize(byte[] bytes, int offset, int length) {
            return new String(bytes, offset, length, StandardCharsets.UTF_8);
        }
    };

    public static final StateSerializer<Long> LONG = new StateSerializer<>() {
        @Override
        public byte[] serialize(Long value) {
            return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
        }

        @Override
        public Long deserialize(byte[] bytes, int offset, int length) {
            return ByteBuffer.wrap(bytes, offset, length).getLong();
        }
    };

    public static final StateSerializer<byte[]> BYTES = new StateSerializer<>() {
        @Override
        public byte[] serialize(byte[] value) {
            return value;
        }

        @Override
        public byte[] deserialize(byte[] bytes, int offset, int length) {
            return Arrays.copyOfRange(bytes, offset, offset + length);
        }
    };

    private Serializers() {}
}
