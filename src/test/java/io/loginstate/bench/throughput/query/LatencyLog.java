package io.loginstate.bench.throughput.query;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every request's latency, kept exactly (one long per request: a million requests are 8 MB), so the
 * percentiles are not those of a histogram's buckets. Each slot is written by one sender.
 */
final class LatencyLog {

    private final long[] nanos;
    private final AtomicInteger ok = new AtomicInteger();
    private final AtomicInteger notFound = new AtomicInteger();
    private final AtomicInteger unavailable = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicLong lastAnswerNanos = new AtomicLong(Long.MIN_VALUE);

    LatencyLog(int capacity) {
        nanos = new long[capacity];
        Arrays.fill(nanos, -1);
    }

    void record(int index, int status, long dueNanos) {
        long now = System.nanoTime();
        nanos[index] = now - dueNanos;
        lastAnswerNanos.accumulateAndGet(now, Math::max);
        switch (status) {
            case 200 -> ok.incrementAndGet();
            case 404 -> notFound.incrementAndGet();
            case 503 -> unavailable.incrementAndGet();
            default -> failed.incrementAndGet();
        }
    }

    /** Latencies of the requests answered so far, the load having started at {@code startNanos}; the senders have stopped. */
    LatencySummary summary(int scheduled, long startNanos, long lastDueNanos) {
        long[] done = Arrays.stream(nanos, 0, Math.min(scheduled, nanos.length))
                .filter(n -> n >= 0)
                .sorted()
                .toArray();
        long answerSpan = lastAnswerNanos.get() == Long.MIN_VALUE ? 0 : lastAnswerNanos.get() - startNanos;
        return new LatencySummary(
                scheduled,
                done.length,
                ok.get(),
                notFound.get(),
                unavailable.get(),
                failed.get(),
                Math.max(0, lastDueNanos - startNanos),
                answerSpan,
                percentile(done, 0.50),
                percentile(done, 0.99),
                percentile(done, 0.999),
                done.length == 0 ? -1 : done[done.length - 1]);
    }

    /** Nearest rank: the smallest latency that at least {@code p} of the requests did not exceed. */
    private static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
