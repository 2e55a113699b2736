package io.loginstate.bench.throughput.query;

import java.util.Locale;

/**
 * What the query load measured. Latencies in nanoseconds, from each request's due time; -1 when
 * nothing was answered.
 *
 * @param scheduled requests that fell due
 * @param answered  requests that got an answer or failed (the others were still unanswered when the drain ended)
 * @param ok        200 answers
 * @param notFound  404 answers (users not ingested yet, or never seen)
 * @param unavailable 503 answers (with Retry-After: a user not found while its partition is
 *     still replaying what it held when assigned, {@code PARTITION_CATCHING_UP})
 * @param failed    other answers, I/O errors and timeouts
 * @param spanNanos from the first due time to the last
 * @param answerSpanNanos from the first due time to the last answer
 * @param slowDueFromNanos when the first request at or above the p99 latency was due, after the first due time (-1: none)
 * @param slowDueToNanos when the last of them was due
 */
public record LatencySummary(
        int scheduled,
        int answered,
        int ok,
        int notFound,
        int unavailable,
        int failed,
        long spanNanos,
        long answerSpanNanos,
        long p50,
        long p99,
        long p999,
        long max,
        long slowDueFromNanos,
        long slowDueToNanos) {

    /** Requests per second that fell due: the offered rate, whatever the service made of it. */
    public double offeredRate() {
        return spanNanos == 0 ? Double.NaN : (scheduled - 1) / (spanNanos / 1e9);
    }

    /** Answers per second until the last one: below the offered rate, requests queued up and waited. */
    public double answeredRate() {
        return answerSpanNanos == 0 ? Double.NaN : answered / (answerSpanNanos / 1e9);
    }

    public String describe() {
        return String.format(
                        Locale.ROOT,
                        "%,d requests due over %.1f s (%,.0f/s offered), %,d answered in %.1f s (%,.0f/s): "
                                + "%,d 200, %,d 404, %,d 503, %,d failed; latency p50 %s, p99 %s, p99.9 %s, max %s",
                        scheduled,
                        spanNanos / 1e9,
                        offeredRate(),
                        answered,
                        answerSpanNanos / 1e9,
                        answeredRate(),
                        ok,
                        notFound,
                        unavailable,
                        failed,
                        millis(p50),
                        millis(p99),
                        millis(p999),
                        millis(max))
                + (slowDueFromNanos >= 0
                        ? String.format(
                                Locale.ROOT,
                                "; the slowest 1%% were due %.1f–%.1f s after the start",
                                slowDueFromNanos / 1e9,
                                slowDueToNanos / 1e9)
                        : "")
                + (answered < scheduled
                        ? String.format(
                                Locale.ROOT,
                                " (%,d still unanswered when the drain ended: the latencies " + "are lower bounds)",
                                scheduled - answered)
                        : "");
    }

    public static String millis(long nanos) {
        return nanos < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }
}
