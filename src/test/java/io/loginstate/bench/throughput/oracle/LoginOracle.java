package io.loginstate.bench.throughput.oracle;

import io.loginstate.bench.LoginEvents;
import java.time.Instant;
import java.util.Arrays;

/**
 * The state every user must end with, computed while the events are produced, with the semantics
 * of {@code io.loginstate.testing.ExpectedLogins}: {@code loginCount} counts successes,
 * {@code failedLoginCount} failures, {@code lastLogin} is the latest success (none if the user only
 * failed) and {@code firstSeen} the earliest event of either outcome. Parallel primitive arrays
 * indexed by the user's rank: about 24 bytes per user, so a million users cost 24 MB, not the
 * hundreds a map of objects would.
 */
public final class LoginOracle implements LoginEvents.Listener {

    private static final long NONE = Long.MIN_VALUE;

    private final int[] logins;
    private final int[] failures;
    private final long[] lastLogin;
    private final long[] firstSeen;

    public LoginOracle(int users) {
        logins = new int[users + 1];
        failures = new int[users + 1];
        lastLogin = new long[users + 1];
        firstSeen = new long[users + 1];
        Arrays.fill(lastLogin, NONE);
        Arrays.fill(firstSeen, Long.MAX_VALUE);
    }

    @Override
    public void sent(int user, long timestampMillis, boolean success) {
        if (success) {
            logins[user]++;
            lastLogin[user] = Math.max(lastLogin[user], timestampMillis);
        } else {
            failures[user]++;
        }
        firstSeen[user] = Math.min(firstSeen[user], timestampMillis);
    }

    /** Users are ranked 1..users. */
    public int users() {
        return logins.length - 1;
    }

    public Expected expected(int user) {
        if (logins[user] == 0 && failures[user] == 0) {
            return Expected.UNSEEN;
        }
        Instant last = lastLogin[user] == NONE ? null : Instant.ofEpochMilli(lastLogin[user]);
        return new Expected(true, logins[user], failures[user], last, Instant.ofEpochMilli(firstSeen[user]));
    }

    /** What {@code GET /users/{id}} must show; an unseen user must answer 404. */
    public record Expected(boolean seen, long loginCount, long failedLoginCount, Instant lastLogin, Instant firstSeen) {
        static final Expected UNSEEN = new Expected(false, 0, 0, null, null);
    }
}
