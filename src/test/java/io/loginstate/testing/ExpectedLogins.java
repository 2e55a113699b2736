package io.loginstate.testing;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** What the service must report per user, computed from the produced events on the test side. */
public final class ExpectedLogins {

    private final Map<String, long[]> users = new HashMap<>();
    private static final int LAST = 0;
    private static final int FIRST = 1;
    private static final int COUNT = 2;
    private static final int FAILED = 3;

    public void record(String userId, long timestampMillis, boolean success) {
        long[] user = users.computeIfAbsent(userId, id -> new long[] {Long.MIN_VALUE, Long.MAX_VALUE, 0, 0});
        if (success) {
            user[COUNT]++;
            user[LAST] = Math.max(user[LAST], timestampMillis);
        } else {
            user[FAILED]++;
        }
        user[FIRST] = Math.min(user[FIRST], timestampMillis);
    }

    /** The user was erased: nothing is expected of it any more. */
    public void forget(String userId) {
        users.remove(userId);
    }

    public Map<String, long[]> users() {
        return users;
    }

    public long loginCount(String userId) {
        return users.get(userId)[COUNT];
    }

    public long failedLoginCount(String userId) {
        return users.get(userId)[FAILED];
    }

    /** ISO-8601 as the API prints it, null if the user never logged in successfully. */
    public String lastLogin(String userId) {
        long last = users.get(userId)[LAST];
        return last == Long.MIN_VALUE ? null : Instant.ofEpochMilli(last).toString();
    }

    public String firstSeen(String userId) {
        return Instant.ofEpochMilli(users.get(userId)[FIRST]).toString();
    }

    public static String eventJson(String userId, String timestamp, String outcome) {
        return "{\"userId\":\"" + userId + "\",\"timestamp\":" + timestamp + ",\"ip\":\"198.51.100.7\","
                + "\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64)\",\"outcome\":\"" + outcome
                + "\",\"extra\":{\"a\":[1,2]}}";
    }
}
