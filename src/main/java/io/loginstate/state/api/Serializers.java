package io.loginstate.state.api;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Serializers for common types. */
public final class Serializers {

    public static final StateSerializer<String> STRING = new StateSerializer<>() {
        @Override
        public String id() {
            return "string";
        }

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
        public String id() {
            return "long";
        }

        @Override
        public byte[] serialize(Long value) {
            byte[] bytes = new byte[Long.BYTES];
            Bytes.putLong(bytes, 0, value);
            return bytes;
        }

        @Override
        public Long deserialize(byte[] bytes, int offset, int length) {
            if (length != Long.BYTES) {
                throw new IllegalArgumentException("A long has " + Long.BYTES + " bytes, not " + length);
            }
            return Bytes.getLong(bytes, offset);
        }

        @Override
        public int serializedSize(Long value) {
            return Long.BYTES;
        }

        @Override
        public void serializeInto(Long value, byte[] target, int offset) {
            Bytes.putLong(target, offset, value);
        }
    };

    public static final StateSerializer<byte[]> BYTES = new StateSerializer<>() {
        @Override
        public String id() {
            return "bytes";
        }

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
