package io.loginstate.state.ttl;

import io.loginstate.state.api.CleanupStrategy;
import io.loginstate.state.api.ValueState;
import io.loginstate.state.plain.PlainValueState;
import io.loginstate.state.store.ByteTable;

/** A value state whose value expires a TTL after its stamp. */
final class TtlValueState<T> extends AbstractTtlState implements ValueState<T> {

    private final PlainValueState<TtlValue<T>> inner;
    // The last value read or written, so a read-modify-write reads storage once.
    private byte[] memoKey;
    private long memoGeneration;
    private TtlValue<T> memo;

    TtlValueState(TtlStateSpec spec, PlainValueState<TtlValue<T>> inner) {
        super(spec);
        this.inner = inner;
    }

    @Override
    public T value() {
        byte[] key = inner.entryKey();
        TtlValue<T> stored = load(key);
        if (stored == null) {
            return null;
        }
        if (stored.stamp() <= threshold()) {
            if (!readOnly) {
                inner.clear();
                indexRemove(stored.stamp(), key);
                removedExpired(CleanupStrategy.ON_ACCESS, inner.table(), key, stored.stamp(), 1);
                remember(key, null);
            }
            return returnExpired ? stored.value() : null;
        }
        if (updateOnRead && !readOnly) {
            long stamp = Math.max(stampNow(), stored.stamp());
            if (stamp != stored.stamp()) {
                TtlValue<T> refreshed = new TtlValue<>(stored.value(), stamp);
                inner.update(refreshed);
                remember(key, refreshed);
            }
        }
        return stored.value();
    }

    @Override
    public void update(T value) {
        if (value == null) {
            clear();
            return;
        }
        byte[] key = inner.entryKey();
        TtlValue<T> old = load(key);
        long threshold = threshold();
        long stamp = stampNow();
        boolean oldLive = old != null && old.stamp() > threshold;
        if (old != null) {
            if (!oldLive) {
                removedExpired(CleanupStrategy.ON_ACCESS, inner.table(), key, old.stamp(), 1);
            } else {
                stamp = Math.max(stamp, old.stamp());
            }
        }
        if (stamp <= threshold) {
            // Already past its TTL (a late or replayed event): storing it would resurrect expired data.
            if (old != null) {
                inner.clear();
                indexRemove(old.stamp(), key);
            }
            remember(key, null);
            return;
        }
        TtlValue<T> written = new TtlValue<>(value, stamp);
        inner.update(written);
        if (!oldLive) {
            indexAdd(stamp, key);
        }
        remember(key, written);
    }

    @Override
    public void clear() {
        byte[] key = inner.entryKey();
        TtlValue<T> old = load(key);
        if (old != null) {
            inner.clear();
            indexRemove(old.stamp(), key);
        }
        remember(key, null);
    }

    private TtlValue<T> load(byte[] key) {
        if (key == memoKey && memoGeneration == context.generation) {
            return memo;
        }
        TtlValue<T> stored = inner.value();
        remember(key, stored);
        return stored;
    }

    private void remember(byte[] key, TtlValue<T> value) {
        if (readOnly) {
            return;
        }
        memoKey = key;
        memoGeneration = context.generation;
        memo = value;
    }

    @Override
    ByteTable table() {
        return inner.table();
    }
}
