package io.loginstate.state.ttl;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Counters and gauges of one partition's TTL cleanup, read by metrics from any thread. */
public final class TtlStatistics {

    private final Map<CleanupStrategy, LongAdder> removed = new EnumMap<>(CleanupStrategy.class);
    private volatile long waitingEntries;
    private volatile long oldestWaitingExpiredAt = TtlTimeService.NO_TIME;
    private volatile long purges;

    public TtlStatistics() {
        for (CleanupStrategy strategy : CleanupStrategy.values()) {
            removed.put(strategy, new LongAdder());
        }
    }

    void removed(CleanupStrategy strategy, long count) {
        removed.get(strategy).add(count);
    }

    public long removed(CleanupStrategy strategy) {
        return removed.get(strategy).sum();
    }

    void waiting(long entries, long oldestExpiredAt) {
        waitingEntries = entries;
        oldestWaitingExpiredAt = oldestExpiredAt;
    }

    /** Expired entries still stored, as of the last cleanup pass (capped count). */
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
    public long purges() {
        return purges;
    }
}
