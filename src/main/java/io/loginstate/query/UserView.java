package io.loginstate.query;

import io.loginstate.login.UserLoginState;

import java.time.Instant;

/** A user's login state as the query API returns it; instants are ISO-8601, absent ones null. */
public record UserView(String userId, String lastLogin, String firstSeen, long loginCount, long failedLoginCount,
                       int partition) {

    static UserView of(String userId, UserLoginState state, int partition) {
        return new UserView(userId, instant(state.lastLogin()), instant(state.firstSeen()), state.loginCount(),
                state.failedLoginCount(), partition);
    }

    private static String instant(long millis) {
        return millis == UserLoginState.NONE ? null : Instant.ofEpochMilli(millis).toString();
    }
}
