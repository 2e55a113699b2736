package io.loginstate.state.ttl;

import io.loginstate.state.ByteTable;

/** What every TTL'd state of a partition shares: time, the expiry index and deletion bookkeeping. */
public final class TtlContext {

    final TtlTimeService time;
    final ExpiryIndex index;
    final DeletionTracker deletions;
    final TtlStatistics statistics;
    /** Bumped whenever stored data may have changed behind a state's back (cleanup, abort). */
    long generation;

    public TtlContext(TtlTimeService time, ExpiryIndex index, DeletionTracker deletions, TtlStatistics statistics) {
        this.time = time;
        this.index = index;
        this.deletions = deletions;
        this.statistics = statistics;
    }

    public TtlTimeService time() {
        return time;
    }

    /** Forgets what states remember of stored data. */
    public void invalidateCaches() {
        generation++;
    }

    void removed(CleanupStrategy strategy, ByteTable table, byte[] key, long expiredAt, long count) {
        deletions.removed(table.name(), key, expiredAt);
        statistics.removed(strategy, count);
    }
}
