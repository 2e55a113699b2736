package io.loginstate.login;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;

/**
 * Parses the login event contract with Jackson's streaming parser (no object mapping on the hot
 * path): key = user id (UTF-8); value = JSON with {@code userId}, {@code timestamp} (ISO-8601
 * instant or epoch milliseconds), optional {@code outcome} (SUCCESS, the default, or FAILURE),
 * optional {@code userAgent} (a string).
 * Unknown fields are ignored. A missing timestamp falls back to the record's timestamp. Times
 * before 1970 are refused here; whether a time is too far ahead is the event-time clock's call.
 * A value with {@code "type":"erase"} is an {@link EraseCommand} instead: key = the user id to
 * erase, optional {@code erasureId} and {@code requestedAt}; a {@code userId}, if given, must equal
 * the key. {@code "type":"login"} (or no type) is a login event; any other type is refused.
 */
public final class LoginEventParser {

    private static final JsonFactory JSON = JsonFactory.builder().build();

    private final int maxValueBytes;

    public LoginEventParser(int maxValueBytes) {
        this.maxValueBytes = maxValueBytes;
    }

    public LoginInput parse(byte[] key, byte[] value, long recordTimestamp) throws InvalidEventException {
        if (value == null) {
            throw new InvalidEventException(RejectReason.NOT_JSON, "record has no value");
        }
        if (value.length > maxValueBytes) {
            throw new InvalidEventException(
                    RejectReason.TOO_LARGE, "value has " + value.length + " bytes, the limit is " + maxValueBytes);
        }
        String userIdProblem = "userId is missing or blank";
        boolean keyMatches = false;
        long timestamp = Long.MIN_VALUE;
        boolean success = true;
        boolean hasDevice = false;
        long device = 0;
        boolean userIdGiven = false;
        String type = null;
        String erasureId = null;
        long requestedAt = Long.MIN_VALUE;
        try (JsonParser parser = JSON.createParser(value)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidEventException(RejectReason.NOT_JSON, "value is not a JSON object");
            }
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken valueToken = parser.nextToken();
                switch (field) {
                    case "userId" -> {
                        userIdGiven = valueToken != JsonToken.VALUE_NULL;
                        if (valueToken == JsonToken.VALUE_STRING) {
                            char[] chars = parser.getTextCharacters();
                            int offset = parser.getTextOffset();
                            int length = parser.getTextLength();
                            userIdProblem = UserIds.problem(chars, offset, length);
                            keyMatches = key != null && keyEquals(key, chars, offset, length);
                        } else {
                            invalidUserId(valueToken);
                            userIdProblem = "userId is missing or blank";
                        }
                    }
                    case "timestamp" -> timestamp = timestamp(parser, valueToken);
                    case "outcome" -> success = outcome(parser, valueToken);
                    case "userAgent" -> {
                        hasDevice = userAgent(parser, valueToken);
                        if (hasDevice) {
                            device = UserAgents.hash(
                                    parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength());
                        }
                    }
                    case "type" -> type = text(parser, valueToken, RejectReason.UNKNOWN_TYPE, "type");
                    case "erasureId" ->
                        erasureId = text(parser, valueToken, RejectReason.INVALID_ERASURE_ID, "erasureId");
                    case "requestedAt" -> requestedAt = timestamp(parser, valueToken);
                    default -> parser.skipChildren();
                }
            }
            if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw new InvalidEventException(RejectReason.NOT_JSON, "value is not a single JSON object");
            }
        } catch (IOException e) {
            throw new InvalidEventException(
                    RejectReason.NOT_JSON, "value is not valid JSON: " + firstLine(e.getMessage()));
        }
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
        if (timestamp == Long.MIN_VALUE) {
            if (recordTimestamp < 0) {
                throw new InvalidEventException(
                        RejectReason.TIMESTAMP_BEFORE_EPOCH, "the event has no timestamp and neither has the record");
            }
            timestamp = recordTimestamp;
        }
        return new LoginEvent(timestamp, success, hasDevice, device);
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
    private static String text(JsonParser parser, JsonToken token, RejectReason reason, String field)
            throws IOException, InvalidEventException {
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        if (token != JsonToken.VALUE_STRING) {
            throw new InvalidEventException(reason, field + " is not a string");
        }
        return parser.getText();
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

    private static void invalidUserId(JsonToken token) throws InvalidEventException {
        if (token != JsonToken.VALUE_NULL) {
            throw new InvalidEventException(RejectReason.INVALID_USER_ID, "userId is not a string");
        }
    }

    /** The timestamp field's value; {@code Long.MIN_VALUE} (never a valid time) for null. */
    private static long timestamp(JsonParser parser, JsonToken token) throws IOException, InvalidEventException {
        long value;
        if (token == JsonToken.VALUE_NULL) {
            return Long.MIN_VALUE;
        } else if (token == JsonToken.VALUE_NUMBER_INT) {
            if (parser.getNumberType() != JsonParser.NumberType.INT
                    && parser.getNumberType() != JsonParser.NumberType.LONG) {
                throw new InvalidEventException(RejectReason.INVALID_TIMESTAMP, "timestamp is out of range");
            }
            value = parser.getLongValue();
        } else if (token == JsonToken.VALUE_STRING) {
            value = parseTimestamp(parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength());
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

    private static boolean outcome(JsonParser parser, JsonToken token) throws IOException, InvalidEventException {
        if (token == JsonToken.VALUE_NULL) {
            return true;
        }
        if (token == JsonToken.VALUE_STRING) {
            char[] chars = parser.getTextCharacters();
            int offset = parser.getTextOffset();
            int length = parser.getTextLength();
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

    /** True if the field holds a user agent; a null user agent is none. */
    private static boolean userAgent(JsonParser parser, JsonToken token) throws InvalidEventException {
        if (token == JsonToken.VALUE_NULL) {
            return false;
        }
        if (token == JsonToken.VALUE_STRING) {
            return true;
        }
        throw new InvalidEventException(RejectReason.INVALID_USER_AGENT, "userAgent is not a string");
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

    private static String firstLine(String message) {
        if (message == null) {
            return "parse error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
