package io.loginstate.login;

import io.loginstate.state.api.Bytes;

/**
 * Per-user login aggregate and its rules: {@code lastLogin} is the latest successful login (an
 * out-of-order event never moves it back), {@code firstSeen} the earliest event of any outcome.
 * Times are epoch milliseconds; {@link #NONE} marks an absent time.
 */
public final class UserLoginState {

    public static final long NONE = Long.MIN_VALUE;
    private static final byte FORMAT_V1 = 1;
    static final int ENCODED_SIZE = 1 + 4 * Long.BYTES;

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
        byte[] bytes = new byte[ENCODED_SIZE];
        encodeInto(bytes, 0);
        return bytes;
    }

    /** Writes the {@link #ENCODED_SIZE} bytes of the state at {@code offset}. */
    void encodeInto(byte[] target, int offset) {
        target[offset] = FORMAT_V1;
        Bytes.putLong(target, offset + 1, lastLogin);
        Bytes.putLong(target, offset + 9, firstSeen);
        Bytes.putLong(target, offset + 17, loginCount);
        Bytes.putLong(target, offset + 25, failedLoginCount);
    }

    public static UserLoginState decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    public static UserLoginState decode(byte[] bytes, int offset, int length) {
        byte format = bytes[offset];
        if (format != FORMAT_V1 || length != ENCODED_SIZE) {
            throw new IllegalArgumentException("Unknown user state format " + format + " (" + length + " bytes)");
        }
        UserLoginState state = new UserLoginState();
        state.lastLogin = Bytes.getLong(bytes, offset + 1);
        state.firstSeen = Bytes.getLong(bytes, offset + 9);
        state.loginCount = Bytes.getLong(bytes, offset + 17);
        state.failedLoginCount = Bytes.getLong(bytes, offset + 25);
        return state;
    }
}
