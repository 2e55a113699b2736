package io.loginstate.bench.throughput.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import io.loginstate.bench.LoginEvents;
import io.loginstate.testing.ServiceProcess;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/** Compares what the service answers for a sample of users with the oracle's state. */
public final class StateVerifier {

    /** Mismatches kept for the report; the rest are only counted. */
    private static final int KEPT = 5;

    private StateVerifier() {}

    public static Verification verify(ServiceProcess service, LoginOracle oracle, int[] sample) {
        List<String> mismatches = new ArrayList<>();
        int wrong = 0;
        int seen = 0;
        for (int user : sample) {
            LoginOracle.Expected expected = oracle.expected(user);
            seen += expected.seen() ? 1 : 0;
            String mismatch =
                    compare(LoginEvents.userId(user), expected, service.get("/users/" + LoginEvents.userId(user)));
            if (mismatch != null) {
                wrong++;
                if (mismatches.size() < KEPT) {
                    mismatches.add(mismatch);
                }
            }
        }
        return new Verification(sample.length, seen, wrong, List.copyOf(mismatches));
    }

    /** Null if the answer is the expected state, else what differs. */
    static String compare(String userId, LoginOracle.Expected expected, ServiceProcess.Answer answer) {
        if (!expected.seen()) {
            return answer.status() == 404
                    ? null
                    : userId + ": never seen, expected 404, got " + answer.status() + " " + answer.body();
        }
        if (answer.status() != 200) {
            return userId + ": expected 200, got " + answer.status() + " " + answer.body();
        }
        JsonNode user = answer.json();
        List<String> fields = new ArrayList<>();
        check(
                fields,
                "loginCount",
                expected.loginCount(),
                user.path("loginCount").asLong(-1));
        check(
                fields,
                "failedLoginCount",
                expected.failedLoginCount(),
                user.path("failedLoginCount").asLong(-1));
        check(fields, "lastLogin", expected.lastLogin(), instant(user.path("lastLogin")));
        check(fields, "firstSeen", expected.firstSeen(), instant(user.path("firstSeen")));
        return fields.isEmpty() ? null : userId + ": " + String.join(", ", fields);
    }

    private static void check(List<String> fields, String name, Object expected, Object actual) {
        if (!Objects.equals(expected, actual)) {
            fields.add(name + " expected " + expected + ", got " + actual);
        }
    }

    /**
     * The API prints ISO-8601 instants; compared as instants so an equivalent spelling is not a
     * mismatch. Text that is no instant is returned as it is, to be reported.
     */
    private static Object instant(JsonNode node) {
        if (node.isNull() || node.isMissingNode()) {
            return null;
        }
        try {
            return Instant.parse(node.asText());
        } catch (DateTimeParseException e) {
            return "\"" + node.asText() + "\"";
        }
    }

    /**
     * @param checked    users queried
     * @param seen       of them, users with events (the others must be unknown)
     * @param wrong      users whose answer differs from the oracle
     * @param mismatches the first few differences
     */
    public record Verification(int checked, int seen, int wrong, List<String> mismatches) {
        public boolean passed() {
            return wrong == 0;
        }

        public String summary() {
            return passed()
                    ? String.format(Locale.ROOT, "passed (%,d users, %,d with events)", checked, seen)
                    : String.format(Locale.ROOT, "FAILED: %,d of %,d users wrong", wrong, checked);
        }
    }
}
