package io.loginstate.login;

import io.loginstate.state.api.Bytes;
import io.loginstate.state.api.StateSerializer;

/** One entry of a user's recent-logins list. */
public record RecentLogin(long timestamp, boolean success) {

    static final StateSerializer<RecentLogin> SERIALIZER = new StateSerializer<>() {
        @Override
        public String id() {
            return "login.recent-login";
        }

        @Override
        public byte[] serialize(RecentLogin value) {
            byte[] bytes = new byte[Long.BYTES + 1];
            serializeInto(value, bytes, 0);
            return bytes;
        }

        @Override
        public int serializedSize(RecentLogin value) {
            return Long.BYTES + 1;
        }

        @Override
        public void serializeInto(RecentLogin value, byte[] target, int offset) {
            Bytes.putLong(target, offset, value.timestamp());
            target[offset + Long.BYTES] = (byte) (value.success() ? 1 : 0);
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
