package io.loginstate.login;

import io.loginstate.state.api.Bytes;
import io.loginstate.state.api.StateSerializer;

/** One entry of a user's recent-logins list. */
public record RecentLogin(long timestamp, boolean success) {

    static final StateSerializer<RecentLogin> SERIALIZER = new StateSerializer<>() {
        @Override
        public byte[] serialize(RecentLogin value) {
            byte[] bytes = new byte[Long.BYTES + 1];
            Bytes.putLong(bytes, 0, value.timestamp());
            bytes[Long.BYTES] = (byte) (value.success() ? 1 : 0);
            return bytes;
        }

        @Override
        public RecentLogin deserialize(byte[] bytes, int offset, int length) {
            if (length != Long.BYTES + 1) {
                throw new IllegalArgumentException("A recent login has " + (Long.BYTES + 1) + " bytes, not " + length);
            }
            return new RecentLogin(Bytes.getLong(bytes, offset), bytes[offset + Long.BYTES] == 1);
        }
    };
}
