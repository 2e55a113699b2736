package io.loginstate.state.ttl;

import io.loginstate.state.api.CleanupStrategy;
import io.loginstate.state.api.MapState;
import io.loginstate.state.plain.PlainMapState;
import io.loginstate.state.plain.ValueFormat;
import io.loginstate.state.store.ByteTable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** A map state whose entries each expire a TTL after their own stamp. */
final class TtlMapState<K, V> extends AbstractTtlState implements MapState<K, V> {

    private final PlainMapState<K, TtlValue<V>> inner;
    // The entry last read by get(), so a get-then-put of the same entry reads storage once.
    private byte[] memoKey;
    private long memoGeneration;
    private TtlValue<V> memo;

    TtlMapState(TtlStateSpec spec, PlainMapState<K, TtlValue<V>> inner) {
        super(spec);
        this.inner = inner;
    }

    @Override
    public V get(K mapKey) {
        byte[] entryKey = inner.entryKey(mapKey);
        byte[] raw = inner.table().get(entryKey);
        TtlValue<V> stored = raw == null ? null : inner.decodeValue(raw);
        long threshold = threshold();
        V value = stored == null ? null : checked(entryKey, stored, threshold);
        if (!readOnly) {
            memoKey = entryKey;
            memoGeneration = context.generation;
            // An expired entry was removed by checked(); a refreshed one changes only its stamp,
            // which put() recomputes the same way.
            memo = stored != null && stored.stamp() <= threshold ? null : stored;
        }
        return value;
    }

    /** The stored entry, from the memo if get() just read it and nothing changed since. */
    private TtlValue<V> load(byte[] entryKey) {
        if (memoKey != null && memoGeneration == context.generation && Arrays.equals(memoKey, entryKey)) {
            return memo;
        }
        byte[] raw = inner.table().get(entryKey);
        return raw == null ? null : inner.decodeValue(raw);
    }

    /**
     * The value to return for a stored entry, removing it if expired (stamp at or before
     * {@code threshold}) or refreshing it on read.
     */
    private V checked(byte[] entryKey, TtlValue<V> stored, long threshold) {
        if (stored.stamp() <= threshold) {
            if (!readOnly) {
                inner.table().delete(entryKey);
                indexRemove(stored.stamp(), entryKey);
                removedExpired(CleanupStrategy.ON_ACCESS, inner.table(), entryKey, stored.stamp(), 1);
            }
            return returnExpired ? stored.value() : null;
        }
        if (updateOnRead && !readOnly) {
            long stamp = Math.max(stampNow(), stored.stamp());
            if (stamp != stored.stamp()) {
                inner.table().put(entryKey, ValueFormat.stamped(stamp, payload(entryKey, stored)));
            }
        }
        return stored.value();
    }

    private byte[] payload(byte[] entryKey, TtlValue<V> stored) {
        byte[] raw = inner.table().get(entryKey);
        int offset = ValueFormat.payloadOffset(raw, 0);
        return Arrays.copyOfRange(raw, offset, raw.length);
    }

    @Override
    public void put(K mapKey, V value) {
        if (value == null) {
            remove(mapKey);
            return;
        }
        byte[] entryKey = inner.entryKey(mapKey);
        TtlValue<V> old = load(entryKey);
        memoKey = null;
        long threshold = threshold();
        long stamp = stampNow();
        boolean oldLive = old != null && old.stamp() > threshold;
        if (old != null) {
            if (!oldLive) {
                removedExpired(CleanupStrategy.ON_ACCESS, inner.table(), entryKey, old.stamp(), 1);
            } else {
                stamp = Math.max(stamp, old.stamp());
            }
        }
        if (stamp <= threshold) {
            if (old != null) {
                inner.table().delete(entryKey);
                indexRemove(old.stamp(), entryKey);
            }
            return;
        }
        inner.table().put(entryKey, inner.encodeValue(new TtlValue<>(value, stamp)));
        if (!oldLive) {
            indexAdd(stamp, entryKey);
        }
    }

    @Override
    public void remove(K mapKey) {
        memoKey = null;
        byte[] entryKey = inner.entryKey(mapKey);
        TtlValue<V> old = inner.get(mapKey);
        if (old != null) {
            inner.table().delete(entryKey);
            indexRemove(old.stamp(), entryKey);
        }
    }

    @Override
    public Map<K, V> entries() {
        Map<K, V> result = new LinkedHashMap<>();
        long threshold = threshold();
        for (Map.Entry<byte[], byte[]> entry : inner.rawEntries()) {
            TtlValue<V> stored = inner.decodeValue(entry.getValue());
            V value = checked(entry.getKey(), stored, threshold);
            if (value != null) {
                result.put(inner.mapKeyOf(entry.getKey()), value);
            }
        }
        return result;
    }

    @Override
    public boolean isEmpty() {
        return entries().isEmpty();
    }

    @Override
    public void clear() {
        memoKey = null;
        long threshold = threshold();
        for (Map.Entry<byte[], byte[]> entry : inner.rawEntries()) {
            TtlValue<V> stored = inner.decodeValue(entry.getValue());
            if (stored.stamp() <= threshold) {
                removedExpired(CleanupStrategy.ON_ACCESS, inner.table(), entry.getKey(), stored.stamp(), 1);
            }
            inner.table().delete(entry.getKey());
            indexRemove(stored.stamp(), entry.getKey());
        }
    }

    @Override
    ByteTable table() {
        return inner.table();
    }
}
