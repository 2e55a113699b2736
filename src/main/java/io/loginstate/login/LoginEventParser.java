package io.loginstate.login;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Parses the login event contract from the record's bytes: values of the plain shape nearly every
 * event has with {@link FlatJson}, every other value with Jackson's streaming parser (no object
 * mapping), the fields read by the same rules either way. One instance per partition: not for
 * concurrent use. Key = user id (UTF-8); value = JSON with {@code userId}, {@code timestamp} (ISO-8601
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
    /** Null: every value goes to the full parser (the reference the scanner is tested against). */
    private final FlatJson flat;

    public LoginEventParser(int maxValueBytes) {
        this(maxValueBytes, true);
    }

    LoginEventParser(int maxValueBytes, boolean scanPlainValues) {
        this.maxValueBytes = maxValueBytes;
        this.flat = scanPlainValues ? new FlatJson() : null;
    }

    public LoginInput parse(byte[] key, byte[] value, long recordTimestamp) throws InvalidEventException {
        if (value == null) {
            throw new InvalidEventException(RejectReason.NOT_JSON, "record has no value");
        }
        if (value.length > maxValueBytes) {
            throw new InvalidEventException(
                    RejectReason.TOO_LARGE, "value has " + value.length + " bytes, the limit is " + maxValueBytes);
        }
        EventFields fields = new EventFields(key);
        if (flat != null && flat.scan(value)) {
            char[] chars = flat.chars();
            for (int i = 0; i < flat.fields(); i++) {
                fields.field(
                        EventFields.of(flat, i),
                        flat.kind(i),
                        chars,
                        flat.valueStart(i),
                        flat.valueLength(i),
                        flat.integer(i));
            }
        } else {
            readWithJackson(value, fields);
        }
        return fields.result(recordTimestamp);
    }

    /** The full parser, for every value {@link FlatJson} does not handle. */
    private static void readWithJackson(byte[] value, EventFields fields) throws InvalidEventException {
        try (JsonParser parser = JSON.createParser(value)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidEventException(RejectReason.NOT_JSON, "value is not a JSON object");
            }
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                int field = EventFields.of(parser.currentName());
                JsonToken valueToken = parser.nextToken();
                if (field == EventFields.UNKNOWN) {
                    parser.skipChildren();
                } else if (valueToken == JsonToken.VALUE_STRING) {
                    fields.field(
                            field,
                            FlatJson.STRING,
                            parser.getTextCharacters(),
                            parser.getTextOffset(),
                            parser.getTextLength(),
                            0);
                } else if (valueToken == JsonToken.VALUE_NULL) {
                    fields.field(field, FlatJson.NULL, null, 0, 0, 0);
                } else if (valueToken == JsonToken.VALUE_NUMBER_INT
                        && (parser.getNumberType() == JsonParser.NumberType.INT
                                || parser.getNumberType() == JsonParser.NumberType.LONG)) {
                    fields.field(field, FlatJson.INTEGER, null, 0, 0, parser.getLongValue());
                } else {
                    fields.field(
                            field,
                            valueToken == JsonToken.VALUE_NUMBER_INT ? FlatJson.LARGE_INTEGER : FlatJson.OTHER,
                            null,
                            0,
                            0,
                            0);
                }
            }
            if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw new InvalidEventException(RejectReason.NOT_JSON, "value is not a single JSON object");
            }
        } catch (IOException e) {
            throw new InvalidEventException(
                    RejectReason.NOT_JSON, "value is not valid JSON: " + firstLine(e.getMessage()));
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "parse error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
