package io.loginstate.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
