package io.loginstate.state.ttl;

import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.plain.ValueFormat;
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.store.Keys;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Remembers expired data that was deleted (or overwritten), and erased data, that may still sit
 * in older files: the key range per table and when the oldest of it expired (or was erased).
 * Enforces the deletion deadline by purging those ranges (targeted compaction) once half of the
 * deadline has passed since that expiry, which leaves the other half for the compaction itself. The oldest expiry is persisted with the state,
 * so a restart still purges (then every table fully: the ranges are not persisted).
 */
public final class DeletionTracker {

    static final byte[] META_KEY = "ttl/unpurged-since".getBytes(StandardCharsets.UTF_8);

    private final Map<String, byte[][]> ranges = new HashMap<>();
    private volatile long oldestExpiredAt = EventTimeClock.NO_TIME;
    private boolean rangesUnknown;

    /** Restores the persisted oldest expiry, if any. */
    public void restore(ByteTable meta) {
        byte[] stored = meta.get(META_KEY);
        if (stored != null) {
            oldestExpiredAt = ValueFormat.getLong(stored, 0);
            rangesUnknown = true;
        }
    }

    void removed(String table, byte[] key, long expiredAt) {
        removedRange(table, key, Keys.successor(key), expiredAt);
    }

    /** Records deleted data in {@code [from, to)} of a table ({@code to} null: to the table's end). */
    void removedRange(String table, byte[] from, byte[] to, long expiredAt) {
        ranges.merge(table, new byte[][] {from, to}, (range, added) -> new byte[][] {
            Arrays.compareUnsigned(from, range[0]) < 0 ? from : range[0],
            range[1] == null || to == null ? null : Arrays.compareUnsigned(to, range[1]) > 0 ? to : range[1]
        });
        if (oldestExpiredAt == EventTimeClock.NO_TIME || expiredAt < oldestExpiredAt) {
            oldestExpiredAt = expiredAt;
        }
    }

    /** Stages the persisted marker in the current transaction. */
    public void stage(ByteTable meta) {
        if (oldestExpiredAt == EventTimeClock.NO_TIME) {
            meta.delete(META_KEY);
        } else {
            byte[] value = new byte[Long.BYTES];
            ValueFormat.putLong(value, 0, oldestExpiredAt);
            meta.put(META_KEY, value);
        }
    }

    public long oldestExpiredAt() {
        return oldestExpiredAt;
    }

    boolean due(long now, long maxDeletionDelayMillis) {
        return oldestExpiredAt != EventTimeClock.NO_TIME && now >= oldestExpiredAt + maxDeletionDelayMillis / 2;
    }

    /** Compacts what was deleted; must run between transactions. */
    void purge(ByteStore backend) {
        if (rangesUnknown) {
            for (String table : backend.tableNames()) {
                backend.purgeDeleted(table, new byte[0], null);
            }
        } else {
            for (Map.Entry<String, byte[][]> range : ranges.entrySet()) {
                backend.purgeDeleted(range.getKey(), range.getValue()[0], range.getValue()[1]);
            }
        }
        ranges.clear();
        rangesUnknown = false;
        oldestExpiredAt = EventTimeClock.NO_TIME;
    }
}
