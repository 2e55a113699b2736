package io.loginstate.login;

import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.StateExport;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.StateSerializer;
import io.loginstate.state.api.TimeCharacteristic;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.api.ValueState;
import io.loginstate.state.heap.HeapStore;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.testing.ManualClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Writes {@code src/test/resources/savepoints/v1/logins-0.part}: a savepoint part of the login
 * states as a build with version 1 of the users serializer (format-1 aggregates, 33 bytes) wrote
 * it. Deterministic: the same users, events and clock every time. Run from the project directory
 * with the test classpath: {@code java -cp target/test-classes:target/classes:<dependencies>
 * io.loginstate.login.SavepointV1Fixture src/test/resources/savepoints/v1/logins-0.part}.
 */
public final class SavepointV1Fixture {

    static final String RESOURCE = "/savepoints/v1/logins-0.part";
    static final int USERS = 12;
    /** Events happen from here on, one user an hour; the part is written a day later. */
    static final long FIRST_EVENT = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();

    static final long EXPORTED_AT = FIRST_EVENT + Duration.ofDays(1).toMillis();
    static final TtlConfig TTL = TtlConfig.of(Duration.ofDays(7)).withTimeCharacteristic(TimeCharacteristic.EVENT_TIME);
    static final TtlCleanupSettings SETTINGS = new TtlCleanupSettings(1000, Duration.ofHours(1));
    static final long NEXT_OFFSET = 4_711;

    /** The users serializer as version 1 was: it wrote format 1. */
    static final StateSerializer<UserLoginState> USER_SERIALIZER_V1 = new StateSerializer<>() {
        @Override
        public String id() {
            return "login.user-login-state";
        }

        @Override
        public byte[] serialize(UserLoginState value) {
            return value.encodeV1();
        }

        @Override
        public UserLoginState deserialize(byte[] bytes, int offset, int length) {
            return UserLoginState.decode(bytes, offset, length);
        }
    };

    private SavepointV1Fixture() {}

    /** User ids of different lengths. */
    static String user(int i) {
        return switch (i % 3) {
            case 0 -> "u" + i;
            case 1 -> "user-" + i + "@example.org";
            default -> "account-with-a-long-identifier-" + i;
        };
    }

    /** Successful logins of user {@code i}: some above 127, so their varints take two bytes. */
    static int logins(int i) {
        return i == 5 ? 0 : 1 + i * 23 % 300;
    }

    static int failures(int i) {
        return i % 4 == 0 ? 0 : 1 + i % 3;
    }

    static long eventTime(int i, int event) {
        return FIRST_EVENT + Duration.ofHours(i).toMillis() + event;
    }

    /** The login states of a build whose users serializer was version 1. */
    static List<StateDescriptor<?>> statesV1() {
        LoginStates current = new LoginStates(TTL);
        StateDescriptor<ValueState<UserLoginState>> users =
                StateDescriptor.value("users", USER_SERIALIZER_V1).withTtl(TTL);
        return List.of(users, current.recentLogins, current.devices);
    }

    static byte[] write() {
        ManualClock clock = new ManualClock(FIRST_EVENT);
        List<StateDescriptor<?>> states = statesV1();
        StateDescriptor<ValueState<UserLoginState>> users = usersV1(states);
        LoginStates current = new LoginStates(TTL);
        HeapStore store = new HeapStore("fixture", LayeredKeyedStateBackend.tableNames(states));
        LayeredKeyedStateBackend backend = new LayeredKeyedStateBackend(
                store, states, new EventTimeClock(clock, Duration.ZERO, true, Duration.ofMinutes(5)), SETTINGS);
        for (int i = 0; i < USERS; i++) {
            clock.set(eventTime(i, 0));
            backend.setCurrentKey(user(i).getBytes(StandardCharsets.UTF_8));
            UserLoginState state = new UserLoginState();
            int events = logins(i) + failures(i);
            for (int event = 0; event < events; event++) {
                backend.time().advance(eventTime(i, event));
                boolean success = event < logins(i);
                state.apply(eventTime(i, event), success);
                backend.listState(current.recentLogins)
                        .add(new RecentLogin(eventTime(i, event), success), LoginStates.RECENT_LOGINS);
                if (success && event % 7 == 0) {
                    backend.mapState(current.devices).put((long) (event % 3) * 1_000_003L, eventTime(i, event));
                }
            }
            backend.valueState(users).update(state);
        }
        backend.commit(NEXT_OFFSET);
        clock.set(EXPORTED_AT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new StateExport(states, () -> new EventTimeClock(clock, Duration.ZERO, true, Duration.ofMinutes(5)))
                .export(store, out, Map.of("topic", "logins", "partition", "0"));
        backend.close();
        return out.toByteArray();
    }

    public static void main(String[] args) throws IOException {
        Path target = Path.of(args[0]);
        Files.createDirectories(target.getParent());
        Files.write(target, write());
    }

    @SuppressWarnings("unchecked")
    private static StateDescriptor<ValueState<UserLoginState>> usersV1(List<StateDescriptor<?>> states) {
        return (StateDescriptor<ValueState<UserLoginState>>) states.get(0);
    }
}
