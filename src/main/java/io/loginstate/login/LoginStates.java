package io.loginstate.login;

import io.loginstate.state.api.ListState;
import io.loginstate.state.api.MapState;
import io.loginstate.state.api.Serializers;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.StateSerializer;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.api.ValueState;
import java.util.List;

/**
 * The login application's states, all keyed by user id and all under the same TTL: the user's
 * aggregate, the last {@link #RECENT_LOGINS} logins (each expiring on its own), and the devices
 * seen (hash of the user agent to last seen, each expiring on its own).
 */
public final class LoginStates {

    public static final int RECENT_LOGINS = 10;

    /**
     * Version 1 wrote format 1 of {@link UserLoginState} (33 bytes); version 2 writes format 2
     * (counts as varints). Both decode, so local state and checkpoints of version 1 still read.
     */
    static final StateSerializer<UserLoginState> USER_SERIALIZER = new StateSerializer<>() {
        @Override
        public String id() {
            return "login.user-login-state";
        }

        @Override
        public int version() {
            return 2;
        }

        @Override
        public byte[] upgrade(int fromVersion, byte[] payload) {
            if (fromVersion != 1) {
                throw new IllegalArgumentException("serializer '" + id() + "' cannot upgrade version " + fromVersion);
            }
            return UserLoginState.decode(payload).encode();
        }

        @Override
        public byte[] serialize(UserLoginState value) {
            return value.encode();
        }

        @Override
        public UserLoginState deserialize(byte[] bytes, int offset, int length) {
            return UserLoginState.decode(bytes, offset, length);
        }

        @Override
        public int serializedSize(UserLoginState value) {
            return value.encodedSize();
        }

        @Override
        public void serializeInto(UserLoginState value, byte[] target, int offset) {
            value.encodeInto(target, offset);
        }
    };

    final StateDescriptor<ValueState<UserLoginState>> user;
    final StateDescriptor<ListState<RecentLogin>> recentLogins;
    final StateDescriptor<MapState<Long, Long>> devices;
    final TtlConfig ttl;

    public LoginStates(TtlConfig ttl) {
        this.ttl = ttl;
        this.user = StateDescriptor.value("users", USER_SERIALIZER).withTtl(ttl);
        this.recentLogins =
                StateDescriptor.list("recent-logins", RecentLogin.SERIALIZER).withTtl(ttl);
        this.devices = StateDescriptor.map("devices", Serializers.LONG, Serializers.LONG)
                .withTtl(ttl);
    }

    public List<StateDescriptor<?>> all() {
        return List.of(user, recentLogins, devices);
    }
}
