package io.loginstate.state.ttl;

import io.loginstate.state.api.CleanupStrategy;
import io.loginstate.state.api.StateVisibility;
import io.loginstate.state.api.TimeCharacteristic;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.api.UpdateType;
import io.loginstate.state.plain.ValueFormat;
import io.loginstate.state.store.ByteTable;

/**
 * The TTL rules shared by the value, list and map decorators, with the config turned into fields
 * once. A read-only instance (for queries on other threads) filters like the others but never
 * writes: it neither refreshes nor removes.
 */
abstract class AbstractTtlState {

    // The expiry index is filed lazily: an entry is filed when it is created, under its stamp's
    // bucket, and not moved when a write or read renews the stamp. The filing is therefore a lower
    // bound of the stamp. When cleanup reaches a filing whose entry is still live, it files the
    // entry again under its current stamp. Writes cost no index work; each live entry is re-filed
    // about once per TTL.

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

    AbstractTtlState(TtlStateSpec spec) {
        this.stateName = spec.stateName();
        this.config = spec.config();
        this.context = spec.context();
        this.ttlMillis = config.ttlMillis();
        this.updateOnRead = config.updateType() == UpdateType.ON_READ_AND_WRITE;
        this.returnExpired = config.visibility() == StateVisibility.RETURN_EXPIRED_IF_NOT_CLEANED_UP;
        this.readOnly = spec.readOnly();
        this.fallbackStamp = spec.fallbackStamp();
        this.granularity = context.granularity(ttlMillis);
        this.indexPrefix = ExpiryIndex.prefix(stateName);
    }

    final long stampNow() {
        return context.time.stamp(config.timeCharacteristic());
    }

    /**
     * Entries with a stamp at or before this are expired. An operation takes it once and makes all
     * its decisions against it: one time for the whole operation (an entry judged live is not
     * judged expired a moment later by the same write), and one read of the wall clock instead of
     * one per element.
     */
    final long threshold() {
        return ExpiryRule.threshold(context.time, config.timeCharacteristic(), ttlMillis);
    }

    /** Index entries filed at or before this bucket hold only expired (or stale) entries. */
    final long cleanupThreshold() {
        long threshold = threshold();
        return threshold < Long.MIN_VALUE + granularity ? Long.MIN_VALUE : threshold - granularity + 1;
    }

    final long bucket(long stamp) {
        return Math.floorDiv(stamp, granularity) * granularity;
    }

    /**
     * When an entry with this stamp expired, by the wall clock. With an event-time clock and no
     * backstop, expiry happens when the watermark passes, which is now.
     */
    final long expiredAt(long stamp) {
        long wall = context.time.wallClockMillis();
        boolean wallMeasured =
                config.timeCharacteristic() == TimeCharacteristic.PROCESSING_TIME || context.time.wallClockBackstop();
        long byTtl = stamp > Long.MAX_VALUE - ttlMillis ? Long.MAX_VALUE : stamp + ttlMillis;
        return wallMeasured ? Math.min(byTtl, wall) : wall;
    }

    /**
     * Records removed expired data: its entry and its index entries must leave the files by the
     * deadline. Index entries of the key may sit in any bucket up to the stamp's (filing is lazy,
     * and stale filings were deleted earlier), so the whole index range of the state up to there
     * is purged.
     */
    final void removedExpired(CleanupStrategy strategy, ByteTable table, byte[] key, long stamp, long count) {
        long expiredAt = expiredAt(stamp);
        context.removed(strategy, table, key, expiredAt, count);
        context.deletions.removed(ExpiryIndex.TABLE, indexPrefix, expiredAt);
        context.deletions.removed(ExpiryIndex.TABLE, ExpiryIndex.indexKey(indexPrefix, bucket(stamp), key), expiredAt);
    }

    final void indexAdd(long stamp, byte[] entryKey) {
        context.index.add(indexPrefix, bucket(stamp), entryKey);
    }

    final void indexRemove(long stamp, byte[] entryKey) {
        context.index.remove(indexPrefix, bucket(stamp), entryKey);
    }

    /**
     * Removes what is expired of the entry an index entry points to, or files a live entry again
     * under its current stamp; returns how many values (entries or list elements) were removed.
     * The caller deletes the index entry itself. This is the rule for single-value entries.
     */
    int purge(byte[] entryKey, long indexStamp, CleanupStrategy strategy) {
        byte[] stored = table().get(entryKey);
        if (stored == null) {
            return 0;
        }
        long stamp = ValueFormat.stamp(stored, 0, fallbackStamp);
        if (stamp > threshold()) {
            indexAdd(stamp, entryKey);
            return 0;
        }
        table().delete(entryKey);
        if (bucket(stamp) != indexStamp) {
            indexRemove(stamp, entryKey);
        }
        removedExpired(strategy, table(), entryKey, stamp, 1);
        return 1;
    }

    /** The table holding the state's entries. */
    abstract ByteTable table();
}
