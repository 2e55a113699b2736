package io.loginstate.bench.throughput.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.testing.ServiceProcess.Answer;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The benchmark's verdict on a state: a wrong state must never pass for a right one. */
class StateVerifierTest {

    private static final long T = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();

    @Test
    void acceptsTheOraclesStateWhateverTheSpellingOfItsInstants() {
        LoginOracle oracle = oracle();
        Answer answer = new Answer(
                200,
                "{\"userId\":\"user-1\",\"loginCount\":2,\"failedLoginCount\":1,"
                        + "\"lastLogin\":\"2026-11-21T10:00:00.002Z\",\"firstSeen\":\"2026-11-21T10:00:00.000Z\"}");

        assertThat(StateVerifier.compare("user-1", oracle.expected(1), answer)).isNull();
        assertThat(StateVerifier.compare("user-3", oracle.expected(3), new Answer(404, "{}")))
                .isNull();
    }

    @Test
    void reportsEveryWrongField() {
        LoginOracle oracle = oracle();
        Answer answer = new Answer(
                200, "{\"loginCount\":3,\"failedLoginCount\":1,\"lastLogin\":null,\"firstSeen\":\"not a time\"}");

        assertThat(StateVerifier.compare("user-1", oracle.expected(1), answer))
                .contains("loginCount expected 2, got 3")
                .contains("lastLogin expected 2026-11-21T10:00:00.002Z, got null")
                .contains("firstSeen expected 2026-11-21T10:00:00Z, got \"not a time\"")
                .doesNotContain("failedLoginCount");
    }

    @Test
    void aUserWhoOnlyFailedHasNoLastLoginAndAnUnseenUserMustBeUnknown() {
        LoginOracle oracle = oracle();

        assertThat(
                        StateVerifier.compare(
                                "user-2",
                                oracle.expected(2),
                                new Answer(
                                        200,
                                        "{\"loginCount\":0,\"failedLoginCount\":1,\"lastLogin\":null,\"firstSeen\":\"2026-11-21T10:00:00.005Z\"}")))
                .isNull();
        assertThat(StateVerifier.compare("user-3", oracle.expected(3), new Answer(200, "{}")))
                .contains("expected 404");
        assertThat(StateVerifier.compare("user-1", oracle.expected(1), new Answer(404, "{}")))
                .contains("expected 200");
    }

    @Test
    void theSampleHoldsTheHottestUsersAndIsTheSameEveryTime() {
        int[] sample = VerificationSample.of(1000, 100, 10);

        assertThat(sample).hasSize(100).doesNotHaveDuplicates().startsWith(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        assertThat(java.util.Arrays.stream(sample).allMatch(rank -> rank >= 1 && rank <= 1000))
                .isTrue();
        assertThat(VerificationSample.of(1000, 100, 10)).isEqualTo(sample);
        assertThat(VerificationSample.of(50, 100, 10)).hasSize(50).doesNotHaveDuplicates();
    }

    /** user-1: success, failure, success (out of order); user-2: one failure; user-3: nothing. */
    private static LoginOracle oracle() {
        LoginOracle oracle = new LoginOracle(3);
        oracle.sent(1, T + 2, true);
        oracle.sent(1, T + 1, false);
        oracle.sent(1, T, true);
        oracle.sent(2, T + 5, false);
        return oracle;
    }
}
