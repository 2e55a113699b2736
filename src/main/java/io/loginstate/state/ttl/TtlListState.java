package io.loginstate.state.ttl;

import io.loginstate.state.api.CleanupStrategy;
import io.loginstate.state.api.ListState;
import io.loginstate.state.plain.PlainListState;
import io.loginstate.state.plain.ValueFormat;
import io.loginstate.state.store.ByteTable;
import java.util.ArrayList;
import java.util.List;

/** A list state whose elements each expire a TTL after their own stamp. */
final class TtlListState<T> extends AbstractTtlState implements ListState<T> {

    private final PlainListState<TtlValue<T>> inner;
    // Scratch of a bounded add, reused: each state instance has one writer thread.
    private int[] scratchStarts = new int[17];
    private long[] scratchStamps = new long[16];
    private boolean[] scratchLive = new boolean[16];

    TtlListState(TtlStateSpec spec, PlainListState<TtlValue<T>> inner) {
        super(spec);
        this.inner = inner;
    }

    @Override
    public List<T> get() {
        byte[] key = inner.entryKey();
        List<TtlValue<T>> stored = inner.get();
        long threshold = threshold();
        List<T> result = new ArrayList<>(stored.size());
        List<TtlValue<T>> live = new ArrayList<>(stored.size());
        for (TtlValue<T> element : stored) {
            if (element.stamp() > threshold) {
                live.add(element);
                result.add(element.value());
            } else if (returnExpired) {
                result.add(element.value());
            }
        }
        if (readOnly) {
            return result;
        }
        if (live.size() < stored.size()) {
            dropExpired(key, stored, live, threshold);
        }
        if (updateOnRead && !live.isEmpty()) {
            long now = stampNow();
            List<TtlValue<T>> refreshed = new ArrayList<>(live.size());
            for (TtlValue<T> element : live) {
                refreshed.add(new TtlValue<>(element.value(), Math.max(now, element.stamp())));
            }
            replace(key, live, refreshed);
        }
        return result;
    }

    @Override
    public void add(T element) {
        add(element, Integer.MAX_VALUE);
    }

    /**
     * Works on the stored bytes: element stamps are read in place and only the new element is
     * serialized, so adding to a list costs one read, one array copy and one write.
     */
    @Override
    public void add(T element, int maxElements) {
        if (element == null) {
            throw new IllegalArgumentException("A list element must not be null");
        }
        byte[] key = inner.entryKey();
        byte[] stored = inner.table().get(key);
        long threshold = threshold();
        long stamp = stampNow();
        boolean storeNew = stamp > threshold && maxElements > 0;
        int count = PlainListState.count(stored);
        if (scratchStamps.length < count) {
            scratchStarts = new int[count + 1];
            scratchStamps = new long[count];
            scratchLive = new boolean[count];
        }
        int[] starts = scratchStarts;
        long[] stamps = scratchStamps;
        boolean[] live = scratchLive;
        long oldestStored = Long.MAX_VALUE;
        int liveCount = 0;
        int offset = 0;
        for (int i = 0; i < count; i++) {
            starts[i] = offset;
            stamps[i] = ValueFormat.stamp(stored, offset + 4, fallbackStamp);
            oldestStored = Math.min(oldestStored, stamps[i]);
            live[i] = stamps[i] > threshold;
            if (live[i]) {
                liveCount++;
            } else {
                removedExpired(CleanupStrategy.ON_ACCESS, inner.table(), key, stamps[i], 1);
            }
            offset += 4 + PlainListState.lengthAt(stored, offset);
        }
        starts[count] = offset;
        if (!storeNew && liveCount == count) {
            return;
        }
        // Keep the newest live elements that fit next to the new one.
        int keep = Math.min(liveCount, storeNew ? maxElements - 1 : liveCount);
        int skip = liveCount - keep;
        byte[] added = storeNew ? inner.serializeElement(new TtlValue<>(element, stamp)) : null;
        int size = storeNew ? 4 + added.length : 0;
        long oldestKept = storeNew ? stamp : Long.MAX_VALUE;
        for (int i = 0, seen = 0; i < count; i++) {
            if (live[i] && seen++ >= skip) {
                size += starts[i + 1] - starts[i];
                oldestKept = Math.min(oldestKept, stamps[i]);
            }
        }
        if (size == 0) {
            inner.table().delete(key);
            return;
        }
        byte[] next = new byte[size];
        int at = 0;
        for (int i = 0, seen = 0; i < count; i++) {
            if (live[i] && seen++ >= skip) {
                System.arraycopy(stored, starts[i], next, at, starts[i + 1] - starts[i]);
                at += starts[i + 1] - starts[i];
            }
        }
        if (storeNew) {
            PlainListState.putLength(next, at, added.length);
            System.arraycopy(added, 0, next, at + 4, added.length);
        }
        inner.table().put(key, next);
        // The list is filed at or below its oldest element; a new filing only if it got older.
        if (count == 0 || bucket(oldestKept) < bucket(oldestStored)) {
            indexAdd(oldestKept, key);
        }
    }

    @Override
    public void update(List<T> elements) {
        byte[] key = inner.entryKey();
        List<TtlValue<T>> stored = inner.get();
        long threshold = threshold();
        long stamp = stampNow();
        List<TtlValue<T>> written = new ArrayList<>();
        if (elements != null && stamp > threshold) {
            for (T element : elements) {
                written.add(new TtlValue<>(element, stamp));
            }
        }
        trackExpired(key, stored, threshold);
        replace(key, stored, written);
    }

    @Override
    public void clear() {
        byte[] key = inner.entryKey();
        List<TtlValue<T>> stored = inner.get();
        trackExpired(key, stored, threshold());
        replace(key, stored, List.of());
    }

    private static <T> List<TtlValue<T>> liveOf(List<TtlValue<T>> stored, long threshold) {
        List<TtlValue<T>> live = new ArrayList<>(stored.size());
        for (TtlValue<T> element : stored) {
            if (element.stamp() > threshold) {
                live.add(element);
            }
        }
        return live;
    }

    private void dropExpired(byte[] key, List<TtlValue<T>> stored, List<TtlValue<T>> live, long threshold) {
        trackExpired(key, stored, threshold);
        replace(key, stored, live);
    }

    private void trackExpired(byte[] key, List<TtlValue<T>> stored, long threshold) {
        for (TtlValue<T> element : stored) {
            if (element.stamp() <= threshold) {
                removedExpired(CleanupStrategy.ON_ACCESS, inner.table(), key, element.stamp(), 1);
            }
        }
    }

    /**
     * Writes {@code next} in place of {@code previous}. The list stays filed at or below its
     * oldest element: a new filing is needed only if {@code next} has an older element than
     * {@code previous} had (or {@code previous} was empty).
     */
    private void replace(byte[] key, List<TtlValue<T>> previous, List<TtlValue<T>> next) {
        inner.update(next);
        if (next.isEmpty()) {
            if (!previous.isEmpty()) {
                indexRemove(oldest(previous), key);
            }
            return;
        }
        long oldest = oldest(next);
        if (previous.isEmpty() || bucket(oldest) < bucket(oldest(previous))) {
            indexAdd(oldest, key);
        }
    }

    private static <T> long oldest(List<TtlValue<T>> elements) {
        long oldest = Long.MAX_VALUE;
        for (TtlValue<T> element : elements) {
            oldest = Math.min(oldest, element.stamp());
        }
        return oldest;
    }

    @Override
    int purge(byte[] entryKey, long indexStamp, CleanupStrategy strategy) {
        byte[] raw = inner.table().get(entryKey);
        if (raw == null) {
            return 0;
        }
        List<TtlValue<T>> stored = inner.decode(raw);
        long threshold = threshold();
        List<TtlValue<T>> live = liveOf(stored, threshold);
        int removed = stored.size() - live.size();
        if (!live.isEmpty()) {
            indexAdd(oldest(live), entryKey);
        }
        if (removed == 0) {
            return 0;
        }
        if (live.isEmpty()) {
            inner.table().delete(entryKey);
        } else {
            inner.table().put(entryKey, inner.encode(live));
        }
        for (TtlValue<T> element : stored) {
            if (element.stamp() <= threshold) {
                removedExpired(strategy, inner.table(), entryKey, element.stamp(), 1);
            }
        }
        return removed;
    }

    @Override
    ByteTable table() {
        return inner.table();
    }
}
