package io.loginstate.login;

/** The rule for a well-formed user id, shared by ingest and query. */
public final class UserIds {

    public static final int MAX_LENGTH = 256;

    private UserIds() {}

    /** Null when the id is valid, otherwise what is wrong with it. */
    public static String problem(String userId) {
        if (userId == null || userId.isBlank()) {
            return "userId is missing or blank";
        }
        if (userId.length() > MAX_LENGTH) {
            return "userId is longer than " + MAX_LENGTH + " characters";
        }
        for (int i = 0; i < userId.length(); i++) {
            if (Character.isISOControl(userId.charAt(i))) {
                return "userId contains a control character";
            }
        }
        return null;
    }
}
