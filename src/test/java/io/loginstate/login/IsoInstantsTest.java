package io.loginstate.login;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IsoInstantsTest {

    @Test
    void agreesWithJavaTimeOnRandomInstantsAndPrecisions() {
        SplittableRandom random = new SplittableRandom(3);
        long max = Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli();
        for (int i = 0; i < 100_000; i++) {
            Instant instant = Instant.ofEpochSecond(random.nextLong(max / 1000), random.nextInt(1_000_000_000));
            String text = instant.toString();
            assertThat(IsoInstants.parseUtcMillis(text)).as(text).isEqualTo(instant.toEpochMilli());
        }
    }

    /**
     * Valid instants with one character replaced, inserted or deleted: whatever the fast path
     * accepts, {@code java.time} accepts with the same value.
     */
    @Test
    void neverAcceptsWhatJavaTimeRefusesOnMutatedInputs() {
        SplittableRandom random = new SplittableRandom(16);
        String alphabet = "0123456789:-.TZtz+ aAe\u0000\u00e9\u0661/";
        long max = Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli();
        int accepted = 0;
        int refused = 0;
        for (int i = 0; i < 200_000; i++) {
            Instant instant = Instant.ofEpochMilli(random.nextLong(max));
            StringBuilder text = new StringBuilder(
                    random.nextBoolean()
                            ? instant.toString()
                            : instant.toString().replaceFirst("\\.\\d+Z$", "Z"));
            int position = random.nextInt(text.length());
            char c = alphabet.charAt(random.nextInt(alphabet.length()));
            switch (random.nextInt(3)) {
                case 0 -> text.setCharAt(position, c);
                case 1 -> text.insert(position, c);
                default -> text.deleteCharAt(position);
            }
            String mutated = text.toString();
            long fast = IsoInstants.parseUtcMillis(mutated);
            Long reference = javaTime(mutated);
            if (fast == IsoInstants.NOT_HANDLED) {
                refused++;
            } else {
                accepted++;
                assertThat(reference).as("java.time on '%s'", mutated).isNotNull();
                assertThat(fast).as(mutated).isEqualTo(reference);
            }
        }
        // Both kinds occur, or the comparison proves little.
        assertThat(accepted).isGreaterThan(10_000);
        assertThat(refused).isGreaterThan(10_000);
    }

    private static Long javaTime(String text) {
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "2024-02-29T00:00:00Z",
                "2000-02-29T12:00:00.5Z",
                "1970-01-01T00:00:00Z",
                "2026-12-31T23:59:59.123456789Z"
            })
    void handlesEdgeDates(String text) {
        assertThat(IsoInstants.parseUtcMillis(text))
                .isEqualTo(Instant.parse(text).toEpochMilli());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "2023-02-29T00:00:00Z",
                "1900-02-29T00:00:00Z",
                "2026-13-01T00:00:00Z",
                "2026-04-31T00:00:00Z",
                "2026-01-01T24:00:00Z",
                "2026-01-01T10:00:00+02:00",
                "2026-01-01T10:00:00.Z",
                "2026-01-01T10:00:00.1234567890Z",
                "2026-01-01 10:00:00Z",
                "1969-12-31T23:59:59Z",
                "20x6-01-01T00:00:00Z",
                "2026-01-01T10:00Z",
                "2026-11-21Tab:cd:efZ",
                "2026-11-21T1a:00:00Z",
                "2026-11-21T10:-1:00Z",
                "2026-11-21T10:00:+5Z",
                "2026-11-21T10:00:00.1a3Z",
                "2026-1a-21T10:00:00Z",
                "2026-11-2aT10:00:00Z",
                "2026-11-21T10:00:00.-1Z"
            })
    void leavesEverythingElseToJavaTime(String text) {
        assertThat(IsoInstants.parseUtcMillis(text)).isEqualTo(IsoInstants.NOT_HANDLED);
    }
}
