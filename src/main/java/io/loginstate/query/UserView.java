package io.loginstate.query;

import io.loginstate.login.UserAgents;
import io.loginstate.login.UserLoginState;
import io.loginstate.login.UserStateReader.UserSnapshot;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A user's unexpired login state as the query API returns it; instants are ISO-8601, absent ones
 * null. Recent logins are newest first; devices are user-agent hashes with when each was last seen.
 */
public record UserView(
        String userId,
        String lastLogin,
        String firstSeen,
        long loginCount,
        long failedLoginCount,
        int partition,
        List<Login> recentLogins,
        List<Device> devices) {

    /** One recent login. */
    public record Login(String timestamp, String outcome) {}

    /** One device. */
    public record Device(String device, String lastSeen) {}

    static UserView of(String userId, UserSnapshot snapshot, int partition) {
        UserLoginState state = snapshot.aggregate();
        List<Login> logins = snapshot.recentLogins().stream()
                .map(login -> new Login(instant(login.timestamp()), login.success() ? "SUCCESS" : "FAILURE"))
                .toList();
        List<Device> devices = snapshot.devices().entrySet().stream()
                .sorted(Map.Entry.<Long, Long>comparingByValue().reversed())
                .map(device -> new Device(UserAgents.hex(device.getKey()), instant(device.getValue())))
                .toList();
        return new UserView(
                userId,
                instant(state.lastLogin()),
                instant(state.firstSeen()),
                state.loginCount(),
                state.failedLoginCount(),
                partition,
                logins,
                devices);
    }

    private static String instant(long millis) {
        return millis == UserLoginState.NONE
                ? null
                : Instant.ofEpochMilli(millis).toString();
    }
}
