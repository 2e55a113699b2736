package io.loginstate.login;

import io.loginstate.processing.PartitionProcessor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads a user's committed, unexpired state from a partition processor. */
public final class UserStateReader {

    private final LoginStates states;

    public UserStateReader(LoginStates states) {
        this.states = states;
    }

    /** What the query API shows of a user. */
    public record UserSnapshot(UserLoginState aggregate, List<RecentLogin> recentLogins, Map<Long, Long> devices) {}

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
                    aggregate, recent, view.mapState(states.devices).entries());
        });
    }
}
