package io.loginstate.login;

import io.loginstate.processing.PartitionProcessor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads a user's committed, unexpired state from a partition processor. */
public final class UserStateReader {

    private final LoginStates states;
    private final int maxDevices;

    /** @param maxDevices devices shown at most, the newest (a user stored before the cap may have more) */
    public UserStateReader(LoginStates states, int maxDevices) {
        this.states = states;
        this.maxDevices = maxDevices;
    }

    /** What the query API shows of a user. */
    public record UserSnapshot(UserLoginState aggregate, List<RecentLogin> recentLogins, Map<Long, Long> devices) {}

    private Map<Long, Long> newest(Map<Long, Long> devices) {
        if (devices.size() <= maxDevices) {
            return devices;
        }
        Map<Long, Long> kept = new LinkedHashMap<>();
        devices.entrySet().stream()
                .sorted(Map.Entry.<Long, Long>comparingByValue().reversed())
                .limit(maxDevices)
                .forEach(device -> kept.put(device.getKey(), device.getValue()));
        return kept;
    }

    /** Empty if the user is unknown, expired, or the partition is closed. */
    public Optional<UserSnapshot> read(PartitionProcessor processor, String userId) {
        byte[] key = userId.getBytes(StandardCharsets.UTF_8);
        return processor.read(view -> {
            view.setCurrentKey(key);
            UserLoginState aggregate = view.valueState(states.user).value();
            if (aggregate == null) {
                return null;
            }
            List<RecentLogin> recent =
                    new ArrayList<>(view.listState(states.recentLogins).get());
            recent.sort(Comparator.comparingLong(RecentLogin::timestamp).reversed());
            return new UserSnapshot(
                    aggregate, recent, newest(view.mapState(states.devices).entries()));
        });
    }
}
