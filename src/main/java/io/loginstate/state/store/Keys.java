package io.loginstate.state.store;

import java.util.Arrays;

/** Byte-key arithmetic for range scans. */
public final class Keys {

    private Keys() {}

    /** The smallest key greater than every key starting with {@code prefix}; null if there is none. */
    public static byte[] prefixEnd(byte[] prefix) {
        byte[] end = prefix.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xFF) {
                end[i]++;
                return Arrays.copyOf(end, i + 1);
            }
        }
        return null;
    }

    /** The smallest key greater than {@code key}. */
    public static byte[] successor(byte[] key) {
        return Arrays.copyOf(key, key.length + 1);
    }

    public static byte[] concat(byte[] first, byte[] second) {
        byte[] joined = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }

    /** The length of the longest prefix all {@code keys} share; 0 for none. */
    public static int commonPrefixLength(byte[][] keys) {
        if (keys.length == 0) {
            return 0;
        }
        byte[] first = keys[0];
        int common = first.length;
        for (int i = 1; i < keys.length && common > 0; i++) {
            int mismatch = Arrays.mismatch(first, 0, common, keys[i], 0, Math.min(common, keys[i].length));
            if (mismatch >= 0) {
                common = mismatch;
            } else {
                common = Math.min(common, keys[i].length);
            }
        }
        return common;
    }

    /**
     * The eight bytes of {@code key} from {@code offset} as an unsigned number, big-endian, zeros
     * past the key's end: for keys that share their first {@code offset} bytes, comparing these
     * numbers unsigned orders the keys as {@link Arrays#compareUnsigned} does, except where they are
     * equal (then the keys may still differ, further on or in length).
     */
    public static long bytesAt(byte[] key, int offset) {
        long bytes = 0;
        for (int i = 0; i < 8; i++) {
            int at = offset + i;
            bytes = (bytes << 8) | (at < key.length ? key[at] & 0xFF : 0);
        }
        return bytes;
    }
}
