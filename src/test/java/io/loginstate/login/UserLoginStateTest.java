package io.loginstate.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loginstate.state.api.Bytes;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class UserLoginStateTest {

    @Test
    void outOfOrderEventsNeverMoveLastLoginBack() {
        UserLoginState state = new UserLoginState();
        state.apply(2_000, true);
        state.apply(1_000, true);
        state.apply(5_000, false);
        assertThat(state.lastLogin()).isEqualTo(2_000);
        assertThat(state.firstSeen()).isEqualTo(1_000);
        assertThat(state.loginCount()).isEqualTo(2);
        assertThat(state.failedLoginCount()).isEqualTo(1);
    }

    @Test
    void failuresAloneLeaveLastLoginAbsentButSetFirstSeen() {
        UserLoginState state = new UserLoginState();
        state.apply(3_000, false);
        state.apply(2_500, false);
        assertThat(state.lastLogin()).isEqualTo(UserLoginState.NONE);
        assertThat(state.firstSeen()).isEqualTo(2_500);
        assertThat(state.failedLoginCount()).isEqualTo(2);
    }

    @Test
    void encodingRoundTripsAndRejectsUnknownFormats() {
        UserLoginState state = new UserLoginState();
        state.apply(-5, true);
        state.apply(Long.MAX_VALUE, false);
        UserLoginState copy = UserLoginState.decode(state.encode());
        assertThat(copy.lastLogin()).isEqualTo(-5);
        assertThat(copy.firstSeen()).isEqualTo(-5);
        assertThat(copy.loginCount()).isEqualTo(1);
        assertThat(copy.failedLoginCount()).isEqualTo(1);
        byte[] bytes = state.encode();
        bytes[0] = 9;
        assertThatThrownBy(() -> UserLoginState.decode(bytes)).isInstanceOf(IllegalArgumentException.class);
    }

    private static UserLoginState withCounts(long logins, long failures) {
        UserLoginState state = new UserLoginState();
        state.apply(1_700_000_000_000L, false);
        for (long i = 0; i < logins; i++) {
            state.apply(1_700_000_000_000L + i, true);
        }
        for (long i = 1; i < failures; i++) {
            state.apply(1_600_000_000_000L, false);
        }
        return state;
    }

    /** Format 1 as builds before format 2 wrote it: tag 1, then four int64. */
    private static byte[] formatOne(long lastLogin, long firstSeen, long logins, long failures) {
        byte[] bytes = new byte[33];
        bytes[0] = 1;
        Bytes.putLong(bytes, 1, lastLogin);
        Bytes.putLong(bytes, 9, firstSeen);
        Bytes.putLong(bytes, 17, logins);
        Bytes.putLong(bytes, 25, failures);
        return bytes;
    }

    private static void assertSame(UserLoginState copy, UserLoginState state) {
        assertThat(copy.lastLogin()).isEqualTo(state.lastLogin());
        assertThat(copy.firstSeen()).isEqualTo(state.firstSeen());
        assertThat(copy.loginCount()).isEqualTo(state.loginCount());
        assertThat(copy.failedLoginCount()).isEqualTo(state.failedLoginCount());
    }

    @Test
    void formatTwoRoundTripsWithItsExactSizeAndFormatOneStillDecodes() {
        for (long count : new long[] {1, 127, 128, 16_383, 16_384, 1L << 40}) {
            UserLoginState state = UserLoginState.decode(formatOne(-7, 1_700_000_000_000L, count, count / 3));
            byte[] v2 = state.encode();
            assertThat(v2[0]).isEqualTo((byte) 2);
            assertThat(v2).hasSize(state.encodedSize());
            byte[] into = new byte[v2.length + 3];
            state.encodeInto(into, 2);
            assertThat(Arrays.copyOfRange(into, 2, 2 + v2.length)).isEqualTo(v2);
            assertSame(UserLoginState.decode(v2), state);
            assertSame(UserLoginState.decode(into, 2, v2.length), state);

            byte[] v1 = state.encodeV1();
            assertThat(v1).isEqualTo(formatOne(-7, 1_700_000_000_000L, count, count / 3));
            assertThat(v1[0]).isEqualTo((byte) 1);
            assertSame(UserLoginState.decode(v1), state);
        }
    }

    @Test
    void formatTwoIsAboutHalfTheSizeForTypicalUsers() {
        UserLoginState typical = withCounts(40, 3);
        assertThat(typical.encodeV1()).hasSize(33);
        assertThat(typical.encode()).hasSize(19);
        assertThat(withCounts(200, 1).encode()).hasSize(20);
    }

    @Test
    void damagedFormatTwoIsRefused() {
        byte[] bytes = withCounts(200, 1).encode();
        assertThatThrownBy(() -> UserLoginState.decode(bytes, 0, bytes.length - 1))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> UserLoginState.decode(longer)).isInstanceOf(IllegalArgumentException.class);
        byte[] padded = withCounts(1, 1).encode();
        padded[17] = (byte) 0x81;
        byte[] overlong = Arrays.copyOf(padded, padded.length + 1);
        overlong[18] = 0;
        overlong[19] = 1;
        assertThatThrownBy(() -> UserLoginState.decode(overlong)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theSerializerUpgradesVersionOnePayloadsToFormatTwo() {
        UserLoginState state = withCounts(12, 4);
        assertThat(LoginStates.USER_SERIALIZER.version()).isEqualTo(2);
        byte[] upgraded = LoginStates.USER_SERIALIZER.upgrade(1, state.encodeV1());
        assertThat(upgraded).isEqualTo(state.encode());
        assertThatThrownBy(() -> LoginStates.USER_SERIALIZER.upgrade(3, state.encode()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
