package io.loginstate.login;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;

/**
 * What the fields of one event value say, and the contract's rules for each field, read in the
 * fields' order whichever parser found them ({@link FlatJson} or the full parser), so that both
 * read a value alike: the same event, or the same first error. One instance per value.
 */
final class EventFields {

    /** Fields of the contract, by their index below. */
    private static final String[] FIELDS = {
        "userId", "timestamp", "outcome", "userAgent", "type", "erasureId", "requestedAt"
    };

    private static final int USER_ID = 0;
    private static final int TIMESTAMP = 1;
    private static final int OUTCOME = 2;
    private static final int USER_AGENT = 3;
    private static final int TYPE = 4;
    private static final int ERASURE_ID = 5;
    private static final int REQUESTED_AT = 6;
    static final int UNKNOWN = -1;

    private final byte[] key;
    private String userIdProblem = "userId is missing or blank";
    private boolean keyMatches;
    private long timestamp = Long.MIN_VALUE;
    private boolean success = true;
    private boolean hasDevice;
    private long device;
    private boolean userIdGiven;
    private String type;
    private String erasureId;
    private long requestedAt = Long.MIN_VALUE;

    EventFields(byte[] key) {
        this.key = key;
    }

    /** One known field: a string at {@code [offset, offset + length)} of {@code chars}, an integer, null or other. */
    void field(int field, int kind, char[] chars, int offset, int length, long integer) throws InvalidEventException {
        switch (field) {
            case USER_ID -> {
                userIdGiven = kind != FlatJson.NULL;
                if (kind == FlatJson.STRING) {
                    userIdProblem = UserIds.problem(chars, offset, length);
                    keyMatches = key != null && keyEquals(key, chars, offset, length);
                } else if (kind != FlatJson.NULL) {
                    throw new InvalidEventException(RejectReason.INVALID_USER_ID, "userId is not a string");
                } else {
                    userIdProblem = "userId is missing or blank";
                }
            }
            case TIMESTAMP -> timestamp = timestamp(kind, chars, offset, length, integer);
            case OUTCOME -> success = outcome(kind, chars, offset, length);
            case USER_AGENT -> {
                hasDevice = kind == FlatJson.STRING;
                if (hasDevice) {
                    device = UserAgents.hash(chars, offset, length);
                } else if (kind != FlatJson.NULL) {
                    throw new InvalidEventException(RejectReason.INVALID_USER_AGENT, "userAgent is not a string");
                }
            }
            case TYPE -> type = text(kind, chars, offset, length, RejectReason.UNKNOWN_TYPE, "type");
            case ERASURE_ID ->
                erasureId = text(kind, chars, offset, length, RejectReason.INVALID_ERASURE_ID, "erasureId");
            case REQUESTED_AT -> requestedAt = timestamp(kind, chars, offset, length, integer);
            default -> {
                // not a field of the contract: ignored
            }
        }
    }

    LoginInput result(long recordTimestamp) throws InvalidEventException {
        if (type != null && !type.equals("login")) {
            if (!type.equals(EraseCommand.TYPE)) {
                throw new InvalidEventException(
                        RejectReason.UNKNOWN_TYPE, "type '" + abbreviate(type) + "' is neither login nor erase");
            }
            return eraseCommand(key, userIdGiven, userIdProblem, keyMatches, erasureId, requestedAt, recordTimestamp);
        }
        if (userIdProblem != null) {
            throw new InvalidEventException(
                    userIdProblem.startsWith("userId is missing")
                            ? RejectReason.MISSING_USER_ID
                            : RejectReason.INVALID_USER_ID,
                    userIdProblem);
        }
        if (key == null) {
            throw new InvalidEventException(RejectReason.KEY_MISMATCH, "record has no key; the key must be the userId");
        }
        if (!keyMatches) {
            throw new InvalidEventException(RejectReason.KEY_MISMATCH, "record key does not equal the userId");
        }
        long at = timestamp;
        if (at == Long.MIN_VALUE) {
            if (recordTimestamp < 0) {
                throw new InvalidEventException(
                        RejectReason.TIMESTAMP_BEFORE_EPOCH, "the event has no timestamp and neither has the record");
            }
            at = recordTimestamp;
        }
        return new LoginEvent(at, success, hasDevice, device);
    }

    /** The index of a contract field, or {@link #UNKNOWN}. */
    static int of(String name) {
        for (int i = 0; i < FIELDS.length; i++) {
            if (FIELDS[i].equals(name)) {
                return i;
            }
        }
        return UNKNOWN;
    }

    /** As {@link #of(String)}, for the name of field {@code field} of what {@code flat} scanned. */
    static int of(FlatJson flat, int field) {
        for (int i = 0; i < FIELDS.length; i++) {
            if (flat.nameIs(field, FIELDS[i])) {
                return i;
            }
        }
        return UNKNOWN;
    }

    private static EraseCommand eraseCommand(
            byte[] key,
            boolean userIdGiven,
            String userIdProblem,
            boolean keyMatches,
            String erasureId,
            long requestedAt,
            long recordTimestamp)
            throws InvalidEventException {
        if (key == null) {
            throw new InvalidEventException(
                    RejectReason.KEY_MISMATCH, "erase command has no key; the key must be the userId to erase");
        }
        String keyProblem = UserIds.problem(new String(key, StandardCharsets.UTF_8));
        if (keyProblem != null) {
            throw new InvalidEventException(
                    RejectReason.INVALID_USER_ID, keyProblem.replace("userId", "the erase command's key"));
        }
        if (userIdGiven && (userIdProblem != null || !keyMatches)) {
            throw new InvalidEventException(RejectReason.KEY_MISMATCH, "record key does not equal the userId");
        }
        if (erasureId != null) {
            String problem = EraseCommand.erasureIdProblem(erasureId);
            if (problem != null) {
                throw new InvalidEventException(RejectReason.INVALID_ERASURE_ID, problem);
            }
        }
        return new EraseCommand(erasureId, requestedAt != Long.MIN_VALUE ? requestedAt : Math.max(0, recordTimestamp));
    }

    /** A string field's value, null for JSON null; anything else is refused with {@code reason}. */
    private static String text(int kind, char[] chars, int offset, int length, RejectReason reason, String field)
            throws InvalidEventException {
        if (kind == FlatJson.NULL) {
            return null;
        }
        if (kind != FlatJson.STRING) {
            throw new InvalidEventException(reason, field + " is not a string");
        }
        return new String(chars, offset, length);
    }

    /** Key bytes equal the id's UTF-8 encoding; no allocation for ASCII ids. */
    private static boolean keyEquals(byte[] key, char[] chars, int offset, int length) {
        if (key.length == length) {
            boolean ascii = true;
            for (int i = 0; i < length; i++) {
                char c = chars[offset + i];
                if (c >= 0x80) {
                    ascii = false;
                    break;
                }
                if (key[i] != (byte) c) {
                    return false;
                }
            }
            if (ascii) {
                return true;
            }
        }
        return Arrays.equals(key, new String(chars, offset, length).getBytes(StandardCharsets.UTF_8));
    }

    /** The timestamp field's value; {@code Long.MIN_VALUE} (never a valid time) for null. */
    private static long timestamp(int kind, char[] chars, int offset, int length, long integer)
            throws InvalidEventException {
        long value;
        if (kind == FlatJson.NULL) {
            return Long.MIN_VALUE;
        } else if (kind == FlatJson.INTEGER) {
            value = integer;
        } else if (kind == FlatJson.LARGE_INTEGER) {
            throw new InvalidEventException(RejectReason.INVALID_TIMESTAMP, "timestamp is out of range");
        } else if (kind == FlatJson.STRING) {
            value = parseTimestamp(chars, offset, length);
        } else {
            throw new InvalidEventException(
                    RejectReason.INVALID_TIMESTAMP, "timestamp is neither a string nor an integer");
        }
        if (value < 0) {
            throw new InvalidEventException(
                    RejectReason.TIMESTAMP_BEFORE_EPOCH, "timestamp " + value + " is before 1970-01-01T00:00:00Z");
        }
        return value;
    }

    /** ISO-8601 instant (with Z or an offset) or epoch milliseconds as digits. */
    static long parseTimestamp(String text) throws InvalidEventException {
        return parseTimestamp(text.toCharArray(), 0, text.length());
    }

    /** As {@link #parseTimestamp(String)}, for {@code [offset, offset + length)} of {@code chars}. */
    static long parseTimestamp(char[] chars, int offset, int length) throws InvalidEventException {
        if (length > 0 && isDigits(chars, offset, length)) {
            long millis = 0;
            for (int i = offset; i < offset + length; i++) {
                int digit = chars[i] - '0';
                if (millis > (Long.MAX_VALUE - digit) / 10) {
                    throw new InvalidEventException(
                            RejectReason.INVALID_TIMESTAMP,
                            "timestamp '" + abbreviate(new String(chars, offset, length)) + "' is out of range");
                }
                millis = millis * 10 + digit;
            }
            return millis;
        }
        long fast = IsoInstants.parseUtcMillis(chars, offset, length);
        if (fast != IsoInstants.NOT_HANDLED) {
            return fast;
        }
        String text = new String(chars, offset, length);
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(text).toInstant().toEpochMilli();
            } catch (DateTimeParseException e2) {
                throw new InvalidEventException(
                        RejectReason.INVALID_TIMESTAMP,
                        "timestamp '" + abbreviate(text) + "' is neither an ISO-8601 instant nor epoch milliseconds");
            }
        } catch (ArithmeticException e) {
            throw new InvalidEventException(
                    RejectReason.INVALID_TIMESTAMP, "timestamp '" + abbreviate(text) + "' is out of range");
        }
    }

    private static boolean outcome(int kind, char[] chars, int offset, int length) throws InvalidEventException {
        if (kind == FlatJson.NULL) {
            return true;
        }
        if (kind == FlatJson.STRING) {
            if (equalsIgnoreCase(chars, offset, length, "SUCCESS")) {
                return true;
            }
            if (equalsIgnoreCase(chars, offset, length, "FAILURE")) {
                return false;
            }
            throw new InvalidEventException(
                    RejectReason.INVALID_OUTCOME,
                    "outcome '" + abbreviate(new String(chars, offset, length)) + "' is neither SUCCESS nor FAILURE");
        }
        throw new InvalidEventException(RejectReason.INVALID_OUTCOME, "outcome is not a string");
    }

    /** As {@link String#equalsIgnoreCase}, against an upper-case {@code word}. */
    private static boolean equalsIgnoreCase(char[] chars, int offset, int length, String word) {
        if (length != word.length()) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = chars[offset + i];
            if (c != word.charAt(i) && Character.toUpperCase(c) != word.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigits(char[] chars, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (chars[i] < '0' || chars[i] > '9') {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }
}
