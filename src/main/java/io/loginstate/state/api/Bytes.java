package io.loginstate.state.api;

/** Big-endian longs in byte arrays, for serializers: the byte order sorts like the number for positives. */
public final class Bytes {

    private Bytes() {}

    public static void putLong(byte[] target, int offset, long value) {
        for (int i = 7; i >= 0; i--) {
            target[offset + i] = (byte) value;
            value >>>= 8;
        }
    }

    public static long getLong(byte[] source, int offset) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | (source[offset + i] & 0xFF);
        }
        return value;
    }
}
