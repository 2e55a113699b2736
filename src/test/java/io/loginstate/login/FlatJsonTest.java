package io.loginstate.login;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The scanner for plain values takes the shape real events have and leaves every other value to
 * the full parser; and the event parser reads any value alike with or without it: the same event,
 * or the same reason and message, over hand-picked edge cases and many generated values.
 */
class FlatJsonTest {

    private static final String EVENT = "{\"userId\":\"user-42\",\"timestamp\":\"2026-11-30T10:00:00.123Z\","
            + "\"ip\":\"203.0.113.7\",\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64)\",\"outcome\":\"FAILURE\"}";

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsThePlainShapeOfAnEvent() {
        FlatJson flat = new FlatJson();
        assertThat(flat.scan(utf8(EVENT))).isTrue();
        assertThat(flat.fields()).isEqualTo(5);
        assertThat(flat.nameIs(3, "userAgent")).isTrue();
        assertThat(flat.kind(3)).isEqualTo(FlatJson.STRING);
        assertThat(new String(flat.chars(), flat.valueStart(3), flat.valueLength(3)))
                .isEqualTo("Mozilla/5.0 (X11; Linux x86_64)");

        assertThat(flat.scan(utf8(" {\n\"timestamp\" : -17 ,\t\"x\":null } \r\n")))
                .isTrue();
        assertThat(flat.kind(0)).isEqualTo(FlatJson.INTEGER);
        assertThat(flat.integer(0)).isEqualTo(-17);
        assertThat(flat.kind(1)).isEqualTo(FlatJson.NULL);
        assertThat(flat.scan(utf8("{}"))).isTrue();
        assertThat(flat.fields()).isZero();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"userId\":\"a\\\"b\"}", // an escape
                "{\"userId\":\"caf\u00e9\"}", // beyond ASCII
                "{\"userId\":\"a\u007fb\"}", // DEL
                "{\"userId\":\"a\tb\"}", // a control character inside a string
                "{\"a\":{\"b\":1}}",
                "{\"a\":[1]}",
                "{\"a\":true}",
                "{\"timestamp\":1.5}",
                "{\"timestamp\":1e3}",
                "{\"timestamp\":0123}",
                "{\"timestamp\":-0}",
                "{\"timestamp\":1234567890123456789}",
                "{\"timestamp\":12ab}",
                "{\"a\":nul}",
                "{\"a\":nullx}",
                "{\"a\":1} x",
                "{\"a\":1}{}",
                "{\"a\":1,}",
                "{\"a\" 1}",
                "{\"a\":1",
                "[1]",
                "",
                "\ufeff{}",
            })
    void leavesEveryOtherShapeToTheFullParser(String value) {
        assertThat(new FlatJson().scan(utf8(value))).isFalse();
    }

    @Test
    void theParserReadsGeneratedValuesAlikeWithAndWithoutTheScanner() {
        LoginEventParser withScanner = new LoginEventParser(4096);
        LoginEventParser fullOnly = new LoginEventParser(4096, false);
        FlatJson flat = new FlatJson();
        Random random = new Random(20261202L);
        int scanned = 0;
        int total = 0;
        for (String value : values(random)) {
            for (String key : new String[] {"user-42", "other", null}) {
                total++;
                byte[] keyBytes = key == null ? null : utf8(key);
                byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
                if (flat.scan(bytes)) {
                    scanned++;
                }
                assertThat(outcome(withScanner, keyBytes, bytes))
                        .as("value %s, key %s", value, key)
                        .isEqualTo(outcome(fullOnly, keyBytes, bytes));
            }
        }
        assertThat(scanned).as("values the scanner read itself").isGreaterThan(total / 3);
        assertThat(total - scanned).as("values left to the full parser").isGreaterThan(total / 10);
    }

    private static String outcome(LoginEventParser parser, byte[] key, byte[] value) {
        try {
            return parser.parse(key, value, 1_700_000_000_000L).toString();
        } catch (InvalidEventException e) {
            return e.reason() + ": " + e.getMessage();
        }
    }

    private static final String[] NAMES = {
        "userId", "timestamp", "outcome", "userAgent", "type", "erasureId", "requestedAt", "ip", "userid", "x"
    };
    private static final String[] VALUES = {
        "\"user-42\"",
        "\"other\"",
        "\"\"",
        "\"  \"",
        "\"2026-11-30T10:00:00Z\"",
        "\"2026-11-30T10:00:00.5+01:00\"",
        "\"2026-02-30T10:00:00Z\"",
        "\"1700000000000\"",
        "\"99999999999999999999\"",
        "\"success\"",
        "\"FAILURE\"",
        "\"maybe\"",
        "\"erase\"",
        "\"login\"",
        "\"other-type\"",
        "\"e-1\"",
        "\"curl/8\"",
        "\"a\\\"b\"",
        "\"caf\u00e9\"",
        "\"\\u0041\"",
        "\"tab\\tin\"",
        "1700000000000",
        "0",
        "-1",
        "-0",
        "007",
        "1.5",
        "1e3",
        "123456789012345678",
        "1234567890123456789",
        "99999999999999999999",
        "true",
        "false",
        "null",
        "{}",
        "{\"a\":[1,2]}",
        "[\"x\"]"
    };

    private static List<String> values(Random random) {
        List<String> values = new ArrayList<>();
        for (int n = 0; n < 4_000; n++) {
            StringBuilder value = new StringBuilder(random.nextInt(8) == 0 ? " {" : "{");
            int fields = random.nextInt(6);
            for (int i = 0; i < fields; i++) {
                if (i > 0) {
                    value.append(random.nextInt(6) == 0 ? " , " : ",");
                }
                value.append('"').append(NAMES[random.nextInt(NAMES.length)]).append('"');
                value.append(random.nextInt(6) == 0 ? " : " : ":");
                value.append(VALUES[random.nextInt(VALUES.length)]);
            }
            value.append('}');
            int damage = random.nextInt(20);
            if (damage == 0 && value.length() > 1) {
                value.setLength(value.length() - 1 - random.nextInt(value.length() - 1));
            } else if (damage == 1) {
                value.append(random.nextBoolean() ? " x" : "\n");
            } else if (damage == 2 && value.length() > 2) {
                value.deleteCharAt(1 + random.nextInt(value.length() - 2));
            }
            values.add(value.toString());
        }
        // Plain events as producers write them, so most values take the scanner's path.
        for (int n = 0; n < 2_000; n++) {
            values.add("{\"userId\":\"user-42\",\"timestamp\":\"2026-11-30T10:00:0" + random.nextInt(10)
                    + "Z\",\"userAgent\":\"ua-" + random.nextInt(5) + "\",\"outcome\":\""
                    + (random.nextBoolean() ? "SUCCESS" : "FAILURE") + "\"}");
        }
        return values;
    }
}
