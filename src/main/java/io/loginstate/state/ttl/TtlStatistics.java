package io.loginstate.state.ttl;

import io.loginstate.state.api.CleanupStrategy;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.TtlMetrics;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Counters and gauges of one partition's TTL cleanup, read by metrics from any thread. */
public final class TtlStatistics implements TtlMetrics {

    private final Map<CleanupStrategy, LongAdder> removed = new EnumMap<>(CleanupStrategy.class);
    private volatile long waitingEntries;
    private volatile long oldestWaitingExpiredAt = EventTimeClock.NO_TIME;
    private volatile long purges;

    public TtlStatistics() {
        for (CleanupStrategy strategy : CleanupStrategy.values()) {
            removed.put(strategy, new LongAdder());
        }
    }

    void removed(CleanupStrategy strategy, long count) {
        removed.get(strategy).add(count);
    }

    @Override
    public long removed(CleanupStrategy strategy) {
        return removed.get(strategy).sum();
    }

    void waiting(long entries, long oldestExpiredAt) {
        waitingEntries = entries;
        oldestWaitingExpiredAt = oldestExpiredAt;
    }

    /** Expired entries still stored, as of the last cleanup pass (capped count). */
    @Override
    public long waitingEntries() {
        return waitingEntries;
    }

    /** When the oldest expired-but-still-stored entry expired, or NO_TIME. */
    public long oldestWaitingExpiredAt() {
        return oldestWaitingExpiredAt;
    }

    void purged() {
        purges++;
    }

    /** Targeted compactions run to enforce the deletion deadline. */
    @Override
    public long purges() {
        return purges;
    }
}
