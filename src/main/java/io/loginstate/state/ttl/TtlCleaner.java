package io.loginstate.state.ttl;

import io.loginstate.state.api.CleanupStrategy;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.store.ByteStore;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds expired entries through the expiry index and removes them: a bounded pass after every
 * batch (and on a timer when the partition is idle), an unbounded one before a snapshot. Also
 * enforces the physical-deletion deadline and refreshes the cleanup gauges.
 */
public final class TtlCleaner {

    /** Most expired entries counted for the "waiting" gauge. */
    static final int WAITING_COUNT_CAP = 100_000;

    private final TtlContext context;
    private final TtlCleanupSettings settings;
    private final List<AbstractTtlState> states = new ArrayList<>();

    public TtlCleaner(TtlContext context, TtlCleanupSettings settings) {
        this.context = context;
        this.settings = settings;
    }

    /** Registers a writable TTL'd state (ignores anything else). */
    public void register(Object state) {
        if (state instanceof AbstractTtlState ttlState && !ttlState.readOnly) {
            states.add(ttlState);
        }
    }

    public boolean hasTtlStates() {
        return !states.isEmpty();
    }

    /** Removes up to the configured number of expired index entries; stages the deletes. */
    public int runIncremental() {
        return run(settings.cleanupBatchSize(), CleanupStrategy.INCREMENTAL);
    }

    /**
     * Index entries one transaction of a drain removes at most. A transaction's deletes wait in its
     * write buffer, and every scan of the index within it passes their tombstones: one transaction
     * for a mass expiry would grow without bound and cost time quadratic in its size.
     */
    public static final int DRAIN_CHUNK = 10_000;

    /**
     * Removes every expired entry, {@link #DRAIN_CHUNK} index entries at a time, calling {@code
     * commit} after each chunk (it must commit the transaction). Must run between transactions.
     */
    public int drain(CleanupStrategy strategy, Runnable commit) {
        int total = 0;
        int removed;
        do {
            removed = run(DRAIN_CHUNK, strategy);
            total += removed;
            if (removed > 0) {
                commit.run();
            }
        } while (removed > 0);
        return total;
    }

    /** Returns the number of index entries visited. */
    private int run(int budget, CleanupStrategy strategy) {
        context.invalidateCaches();
        int visited = 0;
        for (AbstractTtlState state : states) {
            if (visited >= budget) {
                break;
            }
            List<ExpiryIndex.Candidate> candidates =
                    context.index.expired(state.stateName, state.cleanupThreshold(), budget - visited);
            for (ExpiryIndex.Candidate candidate : candidates) {
                state.purge(candidate.entryKey(), candidate.stamp(), strategy);
                context.index.remove(candidate);
            }
            visited += candidates.size();
        }
        return visited;
    }

    /** Recomputes the gauges of entries waiting for cleanup; reads committed data only. */
    public void refreshGauges() {
        long waiting = 0;
        long oldestExpiredAt = EventTimeClock.NO_TIME;
        for (AbstractTtlState state : states) {
            List<ExpiryIndex.Candidate> expired = context.index.expired(
                    state.stateName, state.cleanupThreshold(), (int) Math.max(1, WAITING_COUNT_CAP - waiting));
            waiting += expired.size();
            if (!expired.isEmpty()) {
                long expiredAt = state.expiredAt(expired.get(0).stamp() + state.granularity - 1);
                if (oldestExpiredAt == EventTimeClock.NO_TIME || expiredAt < oldestExpiredAt) {
                    oldestExpiredAt = expiredAt;
                }
            }
        }
        context.statistics.waiting(waiting, oldestExpiredAt);
    }

    /**
     * True when expired entries have waited half the deletion deadline: the bounded passes are
     * not keeping up, and the deadline now takes priority over smooth ingest.
     */
    public boolean backlogDue() {
        long oldest = context.statistics.oldestWaitingExpiredAt();
        return oldest != EventTimeClock.NO_TIME
                && context.time.wallClockMillis()
                        >= oldest + settings.maxDeletionDelay().toMillis() / 2;
    }

    /** Compacts deleted expired data if the deadline requires it now; must run between transactions. */
    public boolean enforceDeadline(ByteStore backend) {
        if (!context.deletions.due(
                context.time.wallClockMillis(), settings.maxDeletionDelay().toMillis())) {
            return false;
        }
        context.deletions.purge(backend);
        context.statistics.purged();
        return true;
    }
}
