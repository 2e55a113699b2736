package io.loginstate.login;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

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

    @ParameterizedTest
    @ValueSource(strings = {"2024-02-29T00:00:00Z", "2000-02-29T12:00:00.5Z", "1970-01-01T00:00:00Z", "2026-12-31T23:59:59.123456789Z"})
    void handlesEdgeDates(String text) {
        assertThat(IsoInstants.parseUtcMillis(text)).isEqualTo(Instant.parse(text).toEpochMilli());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z",
            "2026-01-01T24:00:00Z", "2026-01-01T10:00:00+02:00", "2026-01-01T10:00:00.Z", "2026-01-01T10:00:00.1234567890Z",
            "2026-01-01 10:00:00Z", "1969-12-31T23:59:59Z", "20x6-01-01T00:00:00Z", "2026-01-01T10:00Z"})
    void leavesEverythingElseToJavaTime(String text) {
        assertThat(IsoInstants.parseUtcMillis(text)).isEqualTo(IsoInstants.NOT_HANDLED);
    }
}
