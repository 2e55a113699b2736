package io.loginstate.state.plain;

import io.loginstate.state.api.Bytes;

/**
 * The first byte of every stored value (and list element) says whether a TTL timestamp follows:
 * {@code 0} plain, {@code 1} stamped ({@code tag, timestamp:int64, payload}). Both kinds can be read
 * whatever the state's current TTL setting, so TTL can be switched on or off over existing data.
 */
public final class ValueFormat {

    public static final byte PLAIN = 0;
    public static final byte STAMPED = 1;
    public static final int STAMP_BYTES = 1 + Long.BYTES;

    private ValueFormat() {}

    public static byte[] plain(byte[] payload) {
        byte[] stored = new byte[1 + payload.length];
        stored[0] = PLAIN;
        System.arraycopy(payload, 0, stored, 1, payload.length);
        return stored;
    }

    /** Writes the stamped tag and {@code stamp} at {@code offset} ({@link #STAMP_BYTES} bytes). */
    public static void writeStamp(byte[] target, int offset, long stamp) {
        target[offset] = STAMPED;
        putLong(target, offset + 1, stamp);
    }

    public static byte[] stamped(long stamp, byte[] payload) {
        byte[] stored = new byte[STAMP_BYTES + payload.length];
        stored[0] = STAMPED;
        putLong(stored, 1, stamp);
        System.arraycopy(payload, 0, stored, STAMP_BYTES, payload.length);
        return stored;
    }

    public static boolean isStamped(byte[] stored, int offset) {
        byte tag = stored[offset];
        if (tag != PLAIN && tag != STAMPED) {
            throw new IllegalArgumentException("Unknown stored value format " + tag);
        }
        return tag == STAMPED;
    }

    /** Where the payload starts in a stored value that starts at {@code offset}. */
    public static int payloadOffset(byte[] stored, int offset) {
        return offset + (isStamped(stored, offset) ? STAMP_BYTES : 1);
    }

    /** The stamp of a stored value, or {@code fallback} for a plain one. */
    public static long stamp(byte[] stored, int offset, long fallback) {
        return isStamped(stored, offset) ? getLong(stored, offset + 1) : fallback;
    }

    public static void putLong(byte[] target, int offset, long value) {
        Bytes.putLong(target, offset, value);
    }

    public static long getLong(byte[] source, int offset) {
        return Bytes.getLong(source, offset);
    }
}
