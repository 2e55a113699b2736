package io.loginstate.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LoginEventParserTest {

    private static final long RECORD_TIME = 1_700_000_000_000L;
    private final LoginEventParser parser = new LoginEventParser(1024);

    private LoginEvent parse(String key, String value) throws InvalidEventException {
        return (LoginEvent) parser.parse(
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8),
                RECORD_TIME);
    }

    @Test
    void parsesTheDocumentedContract() throws Exception {
        LoginEvent event = parse(
                "u123",
                "{\"userId\":\"u123\",\"timestamp\":\"2026-11-21T10:00:00.123Z\",\"ip\":\"10.0.0.1\","
                        + "\"userAgent\":\"curl/8\",\"outcome\":\"SUCCESS\"}");
        assertThat(event)
                .isEqualTo(new LoginEvent(
                        Instant.parse("2026-11-21T10:00:00.123Z").toEpochMilli(),
                        true,
                        true,
                        UserAgents.hash("curl/8")));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "1763719200123|1763719200123",
                "\"1763719200123\"|1763719200123",
                "\"2025-11-21T10:00:00.123Z\"|1763719200123",
                "\"2025-11-21T12:00:00.123+02:00\"|1763719200123",
            })
    void acceptsIsoInstantsAndEpochMillis(String timestamp, long expected) throws Exception {
        assertThat(parse("u", "{\"userId\":\"u\",\"timestamp\":" + timestamp + "}")
                        .timestamp())
                .isEqualTo(expected);
    }

    @Test
    void defaultsAndUnknownFields() throws Exception {
        LoginEvent event = parse("u", "{\"unknown\":{\"nested\":[1,{\"userId\":\"x\"}]},\"userId\":\"u\"}");
        assertThat(event.success()).isTrue();
        assertThat(event.timestamp()).as("falls back to the record timestamp").isEqualTo(RECORD_TIME);
        assertThat(parse("u", "{\"userId\":\"u\",\"outcome\":\"failure\"}").success())
                .isFalse();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "u|not json|NOT_JSON",
                "u|[1,2]|NOT_JSON",
                "u|{\"userId\":\"u\"} trailing|NOT_JSON",
                "u|{\"userId\":\"u\"|NOT_JSON",
                "u|{}|MISSING_USER_ID",
                "u|{\"userId\":\"\"}|MISSING_USER_ID",
                "u|{\"userId\":null}|MISSING_USER_ID",
                "u|{\"userId\":42}|INVALID_USER_ID",
                "v|{\"userId\":\"u\"}|KEY_MISMATCH",
                "u|{\"userId\":\"u\",\"timestamp\":\"tomorrow\"}|INVALID_TIMESTAMP",
                "u|{\"userId\":\"u\",\"timestamp\":true}|INVALID_TIMESTAMP",
                "u|{\"userId\":\"u\",\"timestamp\":\"99999999999999999999\"}|INVALID_TIMESTAMP",
                "u|{\"userId\":\"u\",\"timestamp\":\"2026-11-21Tab:cd:efZ\"}|INVALID_TIMESTAMP",
                "u|{\"userId\":\"u\",\"timestamp\":99999999999999999999}|INVALID_TIMESTAMP",
                "u|{\"userId\":\"u\",\"timestamp\":1.7e12}|INVALID_TIMESTAMP",
                "u|{\"userId\":\"u\",\"timestamp\":-1}|TIMESTAMP_BEFORE_EPOCH",
                "u|{\"userId\":\"u\",\"timestamp\":-9223372036854775808}|TIMESTAMP_BEFORE_EPOCH",
                "u|{\"userId\":\"u\",\"timestamp\":\"1969-12-31T23:59:59.999Z\"}|TIMESTAMP_BEFORE_EPOCH",
                "u|{\"userId\":\"u\",\"timestamp\":\"1970-01-01T01:00:00+02:00\"}|TIMESTAMP_BEFORE_EPOCH",
                "u|{\"userId\":\"u\",\"outcome\":\"MAYBE\"}|INVALID_OUTCOME",
                "u|{\"userId\":\"u\",\"userAgent\":42}|INVALID_USER_AGENT",
            })
    void rejectsMalformedEventsWithTheirReason(String key, String value, RejectReason reason) {
        assertThatThrownBy(() -> parse(key, value)).isInstanceOfSatisfying(InvalidEventException.class, e -> {
            assertThat(e.reason()).isEqualTo(reason);
            assertThat(e.getMessage()).isNotBlank();
        });
    }

    @Test
    void rejectsMissingKeyNullValueAndOversizedValue() {
        assertThatThrownBy(() -> parse(null, "{\"userId\":\"u\"}"))
                .isInstanceOfSatisfying(
                        InvalidEventException.class, e -> assertThat(e.reason()).isEqualTo(RejectReason.KEY_MISMATCH));
        assertThatThrownBy(() -> parse("u", null))
                .isInstanceOfSatisfying(
                        InvalidEventException.class, e -> assertThat(e.reason()).isEqualTo(RejectReason.NOT_JSON));
        String big = "{\"userId\":\"u\",\"pad\":\"" + "x".repeat(1100) + "\"}";
        assertThatThrownBy(() -> parse("u", big))
                .isInstanceOfSatisfying(
                        InvalidEventException.class, e -> assertThat(e.reason()).isEqualTo(RejectReason.TOO_LARGE));
    }

    @Test
    void nonAsciiIdsAndUserAgentsAreReadAsTheirUtf8Bytes() throws Exception {
        LoginEvent event =
                parse("jürgen-山田", "{\"userId\":\"jürgen-山田\",\"timestamp\":5,\"userAgent\":\"Navigateur/1 (é)\"}");
        assertThat(event.device()).isEqualTo(UserAgents.hash("Navigateur/1 (é)"));
        assertThat(UserAgents.hash("Mozilla/5.0".toCharArray(), 0, 11)).isEqualTo(UserAgents.hash("Mozilla/5.0"));
        assertThatThrownBy(() -> parse("jurgen", "{\"userId\":\"jürgen\"}"))
                .isInstanceOfSatisfying(
                        InvalidEventException.class, e -> assertThat(e.reason()).isEqualTo(RejectReason.KEY_MISMATCH));
        assertThat(parse("u", "{\"userId\":\"u\",\"outcome\":\"faıluRE\"}").success())
                .as("the same case folding as String.equalsIgnoreCase")
                .isFalse();
    }

    @Test
    void rejectsAnEventWithoutTimeWhenTheRecordHasNoneEither() throws Exception {
        LoginEventParser parser = new LoginEventParser(1024);
        assertThatThrownBy(() -> parser.parse(bytes("u"), bytes("{\"userId\":\"u\"}"), -1))
                .isInstanceOfSatisfying(
                        InvalidEventException.class,
                        e -> assertThat(e.reason()).isEqualTo(RejectReason.TIMESTAMP_BEFORE_EPOCH));
        assertThat(((LoginEvent) parser.parse(bytes("u"), bytes("{\"userId\":\"u\",\"timestamp\":0}"), -1)).timestamp())
                .isZero();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void rejectsIdsWithControlCharactersOrTooLong() {
        assertThatThrownBy(() -> parse("a\tb", "{\"userId\":\"a\\tb\"}"))
                .isInstanceOfSatisfying(
                        InvalidEventException.class,
                        e -> assertThat(e.reason()).isEqualTo(RejectReason.INVALID_USER_ID));
        String longId = "x".repeat(UserIds.MAX_LENGTH + 1);
        assertThatThrownBy(() -> parse(longId, "{\"userId\":\"" + longId + "\"}"))
                .isInstanceOfSatisfying(
                        InvalidEventException.class,
                        e -> assertThat(e.reason()).isEqualTo(RejectReason.INVALID_USER_ID));
    }

    private LoginInput parseInput(String key, String value) throws InvalidEventException {
        return parser.parse(bytes(key), bytes(value), RECORD_TIME);
    }

    @Test
    void anEraseCommandNamesNoUserButItsKey() throws Exception {
        assertThat(parseInput(
                        "u123", "{\"type\":\"erase\",\"erasureId\":\"e-1\",\"requestedAt\":\"2026-11-21T10:00:00Z\"}"))
                .isEqualTo(new EraseCommand(
                        "e-1", Instant.parse("2026-11-21T10:00:00Z").toEpochMilli()));
        assertThat(parseInput("u123", "{\"type\":\"erase\"}"))
                .as("without id and time: the record's timestamp")
                .isEqualTo(new EraseCommand(null, RECORD_TIME));
        assertThat(parseInput("u123", "{\"type\":\"erase\",\"userId\":\"u123\"}"))
                .isEqualTo(new EraseCommand(null, RECORD_TIME));
        assertThat(parseInput("u123", "{\"type\":\"login\",\"userId\":\"u123\",\"timestamp\":5}"))
                .isEqualTo(new LoginEvent(5, true, false, 0));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            nullValues = "NULL",
            value = {
                "u1    | {\"type\":\"delete\",\"userId\":\"u1\"}                  | UNKNOWN_TYPE",
                "u1    | {\"type\":7,\"userId\":\"u1\"}                             | UNKNOWN_TYPE",
                "NULL  | {\"type\":\"erase\"}                                      | KEY_MISMATCH",
                "u1    | {\"type\":\"erase\",\"userId\":\"u2\"}                    | KEY_MISMATCH",
                "' '   | {\"type\":\"erase\"}                                      | INVALID_USER_ID",
                "u1    | {\"type\":\"erase\",\"erasureId\":\"../x\"}                | INVALID_ERASURE_ID",
                "u1    | {\"type\":\"erase\",\"erasureId\":3}                      | INVALID_ERASURE_ID",
                "u1    | {\"type\":\"erase\",\"requestedAt\":\"yesterday\"}         | INVALID_TIMESTAMP",
            })
    void refusesMalformedEraseCommandsAndUnknownTypes(String key, String value, RejectReason reason) {
        assertThatThrownBy(() -> parser.parse(key == null ? null : bytes(key), bytes(value), RECORD_TIME))
                .isInstanceOfSatisfying(
                        InvalidEventException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }
}
