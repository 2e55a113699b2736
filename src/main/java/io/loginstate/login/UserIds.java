package io.loginstate.login;

/** The rule for a well-formed user id, shared by ingest and query. */
public final class UserIds {

    public static final int MAX_LENGTH = 256;

    private UserIds() {}

    /** As {@link #problem(String)}, for {@code [offset, offset + length)} of {@code chars}; no allocation. */
    public static String problem(char[] chars, int offset, int length) {
        boolean blank = true;
        for (int i = offset; i < offset + length; i++) {
            if (!Character.isWhitespace(chars[i])) {
                blank = false;
                break;
            }
        }
        if (blank) {
            return "userId is missing or blank";
        }
        if (length > MAX_LENGTH) {
            return "userId is longer than " + MAX_LENGTH + " characters";
        }
        for (int i = offset; i < offset + length; i++) {
            if (Character.isISOControl(chars[i])) {
                return "userId contains a control character";
            }
        }
        return null;
    }

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
