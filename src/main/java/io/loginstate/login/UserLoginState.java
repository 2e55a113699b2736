package io.loginstate.login;

import io.loginstate.state.api.Bytes;

/**
 * Per-user login aggregate and its rules: {@code lastLogin} is the latest successful login (an
 * out-of-order event never moves it back), {@code firstSeen} the earliest event of any outcome.
 * Times are epoch milliseconds; {@link #NONE} marks an absent time.
 */
public final class UserLoginState {

    public static final long NONE = Long.MIN_VALUE;
    /** Format 1: tag, then lastLogin, firstSeen, loginCount, failedLoginCount as int64. */
    private static final byte FORMAT_V1 = 1;
    /** Format 2: tag, lastLogin and firstSeen as int64, the two counts as unsigned varints. */
    private static final byte FORMAT_V2 = 2;

    static final int V1_SIZE = 1 + 4 * Long.BYTES;
    private static final int FIXED_V2_BYTES = 1 + 2 * Long.BYTES;

    private long lastLogin = NONE;
    private long firstSeen = NONE;
    private long loginCount;
    private long failedLoginCount;

    public void apply(long timestamp, boolean success) {
        if (success) {
            loginCount++;
            if (lastLogin == NONE || timestamp > lastLogin) {
                lastLogin = timestamp;
            }
        } else {
            failedLoginCount++;
        }
        if (firstSeen == NONE || timestamp < firstSeen) {
            firstSeen = timestamp;
        }
    }

    public long lastLogin() {
        return lastLogin;
    }

    public long firstSeen() {
        return firstSeen;
    }

    public long loginCount() {
        return loginCount;
    }

    public long failedLoginCount() {
        return failedLoginCount;
    }

    public byte[] encode() {
        byte[] bytes = new byte[encodedSize()];
        encodeInto(bytes, 0);
        return bytes;
    }

    /** The exact number of bytes {@link #encode} writes. */
    int encodedSize() {
        return FIXED_V2_BYTES + varintSize(loginCount) + varintSize(failedLoginCount);
    }

    /** Writes the {@link #encodedSize} bytes of the state, in format 2, at {@code offset}. */
    void encodeInto(byte[] target, int offset) {
        target[offset] = FORMAT_V2;
        Bytes.putLong(target, offset + 1, lastLogin);
        Bytes.putLong(target, offset + 9, firstSeen);
        int at = putVarint(target, offset + FIXED_V2_BYTES, loginCount);
        putVarint(target, at, failedLoginCount);
    }

    /** Format 1, as builds before format 2 wrote it (kept to write test data of that version). */
    byte[] encodeV1() {
        byte[] bytes = new byte[V1_SIZE];
        bytes[0] = FORMAT_V1;
        Bytes.putLong(bytes, 1, lastLogin);
        Bytes.putLong(bytes, 9, firstSeen);
        Bytes.putLong(bytes, 17, loginCount);
        Bytes.putLong(bytes, 25, failedLoginCount);
        return bytes;
    }

    public static UserLoginState decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    /** Reads format 1 or 2. */
    public static UserLoginState decode(byte[] bytes, int offset, int length) {
        byte format = length > 0 ? bytes[offset] : 0;
        if (format == FORMAT_V1 && length == V1_SIZE) {
            UserLoginState state = new UserLoginState();
            state.lastLogin = Bytes.getLong(bytes, offset + 1);
            state.firstSeen = Bytes.getLong(bytes, offset + 9);
            state.loginCount = Bytes.getLong(bytes, offset + 17);
            state.failedLoginCount = Bytes.getLong(bytes, offset + 25);
            return state;
        }
        if (format == FORMAT_V2 && length >= FIXED_V2_BYTES + 2) {
            UserLoginState state = new UserLoginState();
            state.lastLogin = Bytes.getLong(bytes, offset + 1);
            state.firstSeen = Bytes.getLong(bytes, offset + 9);
            int end = offset + length;
            int at = offset + FIXED_V2_BYTES;
            state.loginCount = getVarint(bytes, at, end);
            at += varintSize(state.loginCount);
            state.failedLoginCount = getVarint(bytes, at, end);
            at += varintSize(state.failedLoginCount);
            if (at == end) {
                return state;
            }
        }
        throw new IllegalArgumentException("Unknown user state format " + format + " (" + length + " bytes)");
    }

    static int varintSize(long value) {
        int size = 1;
        for (long rest = value >>> 7; rest != 0; rest >>>= 7) {
            size++;
        }
        return size;
    }

    private static int putVarint(byte[] target, int offset, long value) {
        int at = offset;
        long rest = value;
        while ((rest & ~0x7FL) != 0) {
            target[at++] = (byte) ((rest & 0x7F) | 0x80);
            rest >>>= 7;
        }
        target[at++] = (byte) rest;
        return at;
    }

    /** An unsigned varint in its shortest form (any other form would not round-trip byte for byte). */
    private static long getVarint(byte[] bytes, int offset, int end) {
        long result = 0;
        for (int shift = 0, at = offset; shift < 64 && at < end; shift += 7, at++) {
            byte b = bytes[at];
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (at - offset + 1 != varintSize(result)) {
                    break;
                }
                return result;
            }
        }
        throw new IllegalArgumentException("A user state count that does not end or is not in its shortest form");
    }
}
