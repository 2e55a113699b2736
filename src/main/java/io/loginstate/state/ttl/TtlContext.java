package io.loginstate.state.ttl;

import io.loginstate.state.api.CleanupStrategy;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.store.ByteTable;

/** What every TTL'd state of a partition shares: time, the expiry index and deletion bookkeeping. */
public final class TtlContext {

    final EventTimeClock time;
    final ExpiryIndex index;
    final DeletionTracker deletions;
    final TtlStatistics statistics;
    final TtlCleanupSettings settings;
    /** Bumped whenever stored data may have changed behind a state's back (cleanup, abort). */
    long generation;

    public TtlContext(
            EventTimeClock time,
            ExpiryIndex index,
            DeletionTracker deletions,
            TtlStatistics statistics,
            TtlCleanupSettings settings) {
        this.settings = settings;
        this.time = time;
        this.index = index;
        this.deletions = deletions;
        this.statistics = statistics;
    }

    public EventTimeClock time() {
        return time;
    }

    /** Forgets what states remember of stored data. */
    public void invalidateCaches() {
        generation++;
    }

    /**
     * Width of the expiry index's time buckets for a state: entries are filed under the start of
     * their bucket, so rewriting an entry within the same bucket needs no index update. Small
     * against the TTL and the deletion deadline (cleanup finds an entry at most one bucket late).
     */
    long granularity(long ttlMillis) {
        return Math.max(1, Math.min(ttlMillis / 64, settings.maxDeletionDelay().toMillis() / 8));
    }

    void removed(CleanupStrategy strategy, ByteTable table, byte[] key, long expiredAt, long count) {
        deletions.removed(table.name(), key, expiredAt);
        statistics.removed(strategy, count);
    }
}
