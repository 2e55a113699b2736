package io.loginstate.state.ttl;

import io.loginstate.state.ByteTable;

/**
 * The TTL rules shared by the value, list and map decorators, with the config turned into fields
 * once. A read-only instance (for queries on other threads) filters like the others but never
 * writes: it neither refreshes nor removes.
 */
abstract class AbstractTtlState {

    final String stateName;
    final TtlConfig config;
    final TtlContext context;
    final long ttlMillis;
    final boolean updateOnRead;
    final boolean returnExpired;
    final boolean readOnly;
    final long fallbackStamp;
    final long granularity;
    final byte[] indexPrefix;

    AbstractTtlState(String stateName, TtlConfig config, TtlContext context, boolean readOnly, long fallbackStamp) {
        this.stateName = stateName;
        this.config = config;
        this.context = context;
        this.ttlMillis = config.ttlMillis();
        this.updateOnRead = config.updateType() == UpdateType.ON_READ_AND_WRITE;
        this.returnExpired = config.visibility() == StateVisibility.RETURN_EXPIRED_IF_NOT_CLEANED_UP;
        this.readOnly = readOnly;
        this.fallbackStamp = fallbackStamp;
        this.granularity = context.granularity(ttlMillis);
        this.indexPrefix = ExpiryIndex.prefix(stateName);
    }

    final long stampNow() {
        return context.time.stamp(config.timeCharacteristic());
    }

    /** Entries with a stamp at or before this are expired. */
    final long threshold() {
        long horizon = context.time.horizon(config.timeCharacteristic());
        if (horizon == TtlTimeService.NO_TIME || horizon < Long.MIN_VALUE + ttlMillis + 1) {
            return Long.MIN_VALUE;
        }
        return horizon - ttlMillis;
    }

    /** Index entries filed at or before this bucket hold only expired (or stale) entries. */
    final long cleanupThreshold() {
        long threshold = threshold();
        return threshold < Long.MIN_VALUE + granularity ? Long.MIN_VALUE : threshold - granularity + 1;
    }

    final long bucket(long stamp) {
        return Math.floorDiv(stamp, granularity) * granularity;
    }

    final boolean sameBucket(long stamp, long other) {
        return bucket(stamp) == bucket(other);
    }

    final boolean expired(long stamp) {
        return stamp <= threshold();
    }

    /**
     * When an entry with this stamp expired, by the wall clock. With an event-time clock and no
     * backstop, expiry happens when the watermark passes, which is now.
     */
    final long expiredAt(long stamp) {
        long wall = context.time.wallClockMillis();
        boolean wallMeasured = config.timeCharacteristic() == TimeCharacteristic.PROCESSING_TIME
                || context.time.wallClockBackstop();
        long byTtl = stamp > Long.MAX_VALUE - ttlMillis ? Long.MAX_VALUE : stamp + ttlMillis;
        return wallMeasured ? Math.min(byTtl, wall) : wall;
    }

    /** Records removed expired data: its entry and its index entry must leave the files by the deadline. */
    final void removedExpired(CleanupStrategy strategy, ByteTable table, byte[] key, long stamp, long count) {
        long expiredAt = expiredAt(stamp);
        context.removed(strategy, table, key, expiredAt, count);
        context.deletions.removed(ExpiryIndex.TABLE, ExpiryIndex.indexKey(indexPrefix, bucket(stamp), key), expiredAt);
    }

    final void indexAdd(long stamp, byte[] entryKey) {
        context.index.add(indexPrefix, bucket(stamp), entryKey);
    }

    final void indexRemove(long stamp, byte[] entryKey) {
        context.index.remove(indexPrefix, bucket(stamp), entryKey);
    }

    /** Moves the entry's index filing from the old stamp's bucket to the new one's, if they differ. */
    final void indexMove(long oldStamp, long newStamp, byte[] entryKey) {
        if (!sameBucket(oldStamp, newStamp)) {
            indexRemove(oldStamp, entryKey);
            indexAdd(newStamp, entryKey);
        }
    }

    /**
     * Removes what is expired of the entry an index entry points to; returns how many values
     * (entries or list elements) were removed. The caller deletes the index entry itself.
     */
    abstract int purge(byte[] entryKey, long indexStamp, CleanupStrategy strategy);

    /** The table holding the state's entries. */
    abstract ByteTable table();
}
