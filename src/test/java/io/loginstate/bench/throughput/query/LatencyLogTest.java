package io.loginstate.bench.throughput.query;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Latencies are measured from each request's due time, and percentiles are exact. */
class LatencyLogTest {

    @Test
    void percentilesAreNearestRankOverTheAnsweredRequests() {
        LatencyLog log = new LatencyLog(200);
        long start = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            // Due i ms ago: its latency is at least i ms, whatever the time of recording.
            log.record(i, i % 10 == 0 ? 404 : 200, System.nanoTime() - i * 1_000_000L);
        }
        log.record(100, 503, System.nanoTime() - 200_000_000L);
        log.record(101, -1, System.nanoTime() - 200_000_000L);

        LatencySummary summary = log.summary(150, start, start);

        assertThat(summary.scheduled()).isEqualTo(150);
        assertThat(summary.answered()).isEqualTo(102);
        assertThat(summary.ok()).isEqualTo(90);
        assertThat(summary.notFound()).isEqualTo(10);
        assertThat(summary.unavailable()).as("503 answers, apart from failures").isEqualTo(1);
        assertThat(summary.failed()).isEqualTo(1);
        assertThat(summary.p50()).isBetween(49_000_000L, 60_000_000L);
        assertThat(summary.p99()).isBetween(98_000_000L, summary.max());
        assertThat(summary.max()).isGreaterThanOrEqualTo(99_000_000L);
    }

    @Test
    void tellsWhenTheSlowestHundredthWasDue() {
        LatencyLog log = new LatencyLog(1_000);
        long start = 1_000_000_000L;
        for (int i = 0; i < 1_000; i++) {
            // Due i ms after the start; the twenty due 500–519 ms after it waited a second, the rest 1 ms.
            long due = start + i * 1_000_000L;
            long latency = i >= 500 && i < 520 ? 1_000_000_000L : 1_000_000L;
            log.record(i, 200, due, due + latency);
        }

        LatencySummary summary = log.summary(1_000, start, start + 999_000_000L);

        assertThat(summary.p99()).isEqualTo(1_000_000_000L);
        assertThat(summary.slowDueFromNanos()).isEqualTo(500_000_000L);
        assertThat(summary.slowDueToNanos()).isEqualTo(519_000_000L);
        assertThat(summary.describe()).contains("the slowest 1% were due 0.5–0.5 s after the start");
    }

    @Test
    void nothingAnsweredHasNoLatencies() {
        LatencySummary summary = new LatencyLog(10).summary(0, 0, 0);

        assertThat(summary.p50()).isEqualTo(-1);
        assertThat(LatencySummary.millis(summary.max())).isEqualTo("n/a");
    }
}
