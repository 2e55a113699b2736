package io.loginstate.login;

import java.util.regex.Pattern;

/**
 * A request to erase the user the record is keyed by: everything stored for the user is removed
 * when the partition reaches the record, so the erasure is ordered with the user's events and
 * every replay applies it again. Events after it build new state from nothing. {@code erasureId}
 * names the request in logs and receipts (null if the producer gave none); {@code requestedAt} is
 * in epoch milliseconds (the record's timestamp if the command has none).
 */
public record EraseCommand(String erasureId, long requestedAt) implements LoginInput {

    /** The value of the {@code type} field that makes a record an erase command. */
    public static final String TYPE = "erase";

    private static final Pattern ERASURE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** Null when {@code erasureId} is well formed, otherwise what is wrong with it. */
    static String erasureIdProblem(String erasureId) {
        return ERASURE_ID.matcher(erasureId).matches()
                ? null
                : "erasureId must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit";
    }
}
