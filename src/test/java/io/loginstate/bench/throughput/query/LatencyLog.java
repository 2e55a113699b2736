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
    /** When each request was due. */
    private final long[] dueAt;

    private final AtomicInteger ok = new AtomicInteger();
    private final AtomicInteger notFound = new AtomicInteger();
    private final AtomicInteger unavailable = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicLong lastAnswerNanos = new AtomicLong(Long.MIN_VALUE);

    LatencyLog(int capacity) {
        nanos = new long[capacity];
        dueAt = new long[capacity];
        Arrays.fill(nanos, -1);
    }

    void record(int index, int status, long dueNanos) {
        record(index, status, dueNanos, System.nanoTime());
    }

    /** As {@link #record(int, int, long)}, answered at {@code now} (nanoTime). */
    void record(int index, int status, long dueNanos, long now) {
        nanos[index] = now - dueNanos;
        dueAt[index] = dueNanos;
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
        // When the slowest hundredth was due: one stall of the service, or slow answers throughout.
        long p99 = percentile(done, 0.99);
        long slowFrom = Long.MAX_VALUE;
        long slowTo = Long.MIN_VALUE;
        for (int i = 0; i < Math.min(scheduled, nanos.length); i++) {
            if (nanos[i] >= 0 && p99 >= 0 && nanos[i] >= p99) {
                slowFrom = Math.min(slowFrom, dueAt[i] - startNanos);
                slowTo = Math.max(slowTo, dueAt[i] - startNanos);
            }
        }
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
                p99,
                percentile(done, 0.999),
                done.length == 0 ? -1 : done[done.length - 1],
                slowFrom == Long.MAX_VALUE ? -1 : slowFrom,
                slowTo == Long.MIN_VALUE ? -1 : slowTo);
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
