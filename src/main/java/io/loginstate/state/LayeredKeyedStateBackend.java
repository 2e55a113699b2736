package io.loginstate.state;

import io.loginstate.state.api.CleanupStrategy;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.KeyedStateBackend;
import io.loginstate.state.api.KeyedStateStore;
import io.loginstate.state.api.ListState;
import io.loginstate.state.api.MapState;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.StateSnapshot;
import io.loginstate.state.api.TtlMetrics;
import io.loginstate.state.api.ValueState;
import io.loginstate.state.plain.KeyContext;
import io.loginstate.state.plain.ValueFormat;
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.store.StoreSnapshot;
import io.loginstate.state.ttl.DeletionTracker;
import io.loginstate.state.ttl.ExpiryIndex;
import io.loginstate.state.ttl.KeyEraser;
import io.loginstate.state.ttl.TtlCleaner;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.state.ttl.TtlContext;
import io.loginstate.state.ttl.TtlStateFactory;
import io.loginstate.state.ttl.TtlStatistics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * The keyed state backend of one partition, as layers: the application's states (TTL decorators
 * over plain states, or plain states alone) over a byte-level {@link ByteStore}, with the
 * partition's event time and TTL cleanup.
 */
public final class LayeredKeyedStateBackend implements KeyedStateBackend {

    static final byte[] MAX_EVENT_TIME_KEY = "ttl/max-event-timestamp".getBytes(StandardCharsets.UTF_8);
    private static final byte[] INPUT_PARTITIONS_KEY = "input/partitions".getBytes(StandardCharsets.UTF_8);

    private final ByteStore store;
    private final Map<String, StateDescriptor<?>> descriptors = new LinkedHashMap<>();
    private final Map<String, Object> states = new HashMap<>();
    private final KeyContext keys = new KeyContext();
    private final EventTimeClock time;
    private final TtlStatistics statistics = new TtlStatistics();
    private final DeletionTracker deletions = new DeletionTracker();
    private final TtlContext ttlContext;
    private final TtlStateFactory factory;
    private final TtlCleaner cleaner;
    private final KeyEraser eraser;
    private long storedFutureEventTime = EventTimeClock.NO_TIME;
    private long futureStampsRepaired;
    /** Concurrent snapshots and reads hold it shared; close holds it exclusively (Flink's ResourceGuard). */
    private final ReentrantReadWriteLock guard = new ReentrantReadWriteLock();

    private boolean closed;

    public LayeredKeyedStateBackend(
            ByteStore store,
            List<StateDescriptor<?>> stateDescriptors,
            EventTimeClock time,
            TtlCleanupSettings settings) {
        this.store = store;
        this.time = time;
        this.ttlContext =
                new TtlContext(time, new ExpiryIndex(store.table(ExpiryIndex.TABLE)), deletions, statistics, settings);
        this.factory = new TtlStateFactory(store, ttlContext);
        this.cleaner = new TtlCleaner(ttlContext, settings);
        this.eraser = new KeyEraser(store, ttlContext);
        ByteTable meta = store.table(ByteStore.META_TABLE);
        StateLayout.check(store, meta);
        byte[] maxEventTime = meta.get(MAX_EVENT_TIME_KEY);
        if (maxEventTime != null && time.restore(ValueFormat.getLong(maxEventTime, 0))) {
            // Written while event time was unbounded: held at the bound now, and so are the stamps.
            storedFutureEventTime = ValueFormat.getLong(maxEventTime, 0);
            stageMaxEventTime(meta);
            futureStampsRepaired = factory.repairFutureStamps(stateDescriptors, time.maxEventTimestamp());
        }
        deletions.restore(meta);
        for (StateDescriptor<?> descriptor : stateDescriptors) {
            if (descriptors.put(descriptor.name(), descriptor) != null) {
                throw new IllegalArgumentException("Two states named '" + descriptor.name() + "'");
            }
            boolean newlyEnabled = factory.ttlNewlyEnabled(descriptor);
            Object state = factory.create(descriptor, keys, false);
            factory.reconcile(descriptor, newlyEnabled);
            states.put(descriptor.name(), state);
            cleaner.register(state);
        }
        // TTL switched on or off since the last run: record it before any input is applied.
        store.commit(store.position().orElse(-1));
    }

    /** The tables a backend must have for these states. */
    public static List<String> tableNames(List<StateDescriptor<?>> stateDescriptors) {
        List<String> names = new ArrayList<>();
        names.add(ByteStore.META_TABLE);
        names.add(ExpiryIndex.TABLE);
        stateDescriptors.forEach(descriptor -> names.add(descriptor.name()));
        return names;
    }

    @Override
    public void setCurrentKey(byte[] key) {
        keys.setCurrentKey(key);
    }

    @Override
    public <T> ValueState<T> valueState(StateDescriptor<ValueState<T>> descriptor) {
        return state(descriptor, StateDescriptor.Kind.VALUE);
    }

    @Override
    public <T> ListState<T> listState(StateDescriptor<ListState<T>> descriptor) {
        return state(descriptor, StateDescriptor.Kind.LIST);
    }

    @Override
    public <K, V> MapState<K, V> mapState(StateDescriptor<MapState<K, V>> descriptor) {
        return state(descriptor, StateDescriptor.Kind.MAP);
    }

    @SuppressWarnings("unchecked")
    private <S> S state(StateDescriptor<?> descriptor, StateDescriptor.Kind kind) {
        Object state = states.get(descriptor.name());
        if (state == null || descriptors.get(descriptor.name()).kind() != kind) {
            throw new IllegalArgumentException(
                    "No " + kind + " state '" + descriptor.name() + "' was declared for " + store.name());
        }
        return (S) state;
    }

    @Override
    public EventTimeClock time() {
        return time;
    }

    @Override
    public TtlMetrics ttlMetrics() {
        return statistics;
    }

    @Override
    public OptionalLong position() {
        return store.position();
    }

    /** The byte store under the states. */
    public ByteStore store() {
        return store;
    }

    @Override
    public int cleanupIncrementally() {
        return cleaner.hasTtlStates() ? cleaner.runIncremental() : 0;
    }

    @Override
    public void commit(long position) {
        ByteTable meta = store.table(ByteStore.META_TABLE);
        stageMaxEventTime(meta);
        deletions.stage(meta);
        store.commit(position);
    }

    private void stageMaxEventTime(ByteTable meta) {
        if (time.maxEventTimestamp() != EventTimeClock.NO_TIME) {
            byte[] value = new byte[Long.BYTES];
            ValueFormat.putLong(value, 0, time.maxEventTimestamp());
            meta.put(MAX_EVENT_TIME_KEY, value);
        }
    }

    /**
     * How many partitions the input had when this state was first built (recorded by
     * {@link #recordInputPartitions}); empty for state that never recorded it. Keys are spread over
     * partitions by their count, so state built for one count does not hold the keys of another.
     */
    public OptionalInt inputPartitions() {
        byte[] stored = store.committedTable(ByteStore.META_TABLE).get(INPUT_PARTITIONS_KEY);
        return stored == null ? OptionalInt.empty() : OptionalInt.of((int) ValueFormat.getLong(stored, 0));
    }

    /** Records the input's partition count, committed at the current position; between transactions. */
    public void recordInputPartitions(int partitions) {
        byte[] value = new byte[Long.BYTES];
        ValueFormat.putLong(value, 0, partitions);
        store.table(ByteStore.META_TABLE).put(INPUT_PARTITIONS_KEY, value);
        commit(store.position().orElse(-1));
    }

    /**
     * The highest event time found stored on open if it lay beyond wall clock + skew (the state
     * was then repaired), else {@link EventTimeClock#NO_TIME}.
     */
    public long storedFutureEventTime() {
        return storedFutureEventTime;
    }

    /** Entries and list elements re-stamped on open because their stamps lay beyond the bound. */
    public long futureStampsRepaired() {
        return futureStampsRepaired;
    }

    @Override
    public void abort() {
        store.abort();
        byte[] maxEventTime = store.committedTable(ByteStore.META_TABLE).get(MAX_EVENT_TIME_KEY);
        time.restore(maxEventTime == null ? EventTimeClock.NO_TIME : ValueFormat.getLong(maxEventTime, 0));
        // Cached reads of the TTL states may describe aborted writes.
        ttlContext.invalidateCaches();
    }

    @Override
    public boolean erase(byte[] key) {
        return eraser.erase(key, descriptors.values());
    }

    @Override
    public long unpurgedDeletionsSince() {
        return deletions.oldestExpiredAt();
    }

    @Override
    public boolean maintain() {
        boolean changed = false;
        if (cleaner.hasTtlStates()) {
            if (cleaner.runIncremental() > 0) {
                commit(store.position().orElse(-1));
                changed = true;
            }
            cleaner.refreshGauges();
            if (cleaner.backlogDue() && cleaner.drain(CleanupStrategy.INCREMENTAL, this::commitAtPosition) > 0) {
                cleaner.refreshGauges();
                changed = true;
            }
        }
        // Erased data of plain states has a deadline too.
        if (cleaner.enforceDeadline(store)) {
            commit(store.position().orElse(-1));
            changed = true;
        }
        return changed;
    }

    /** Entries expired at this moment are removed (and committed) first, so no restore ever sees them. */
    @Override
    public StateSnapshot snapshot(Path target) {
        drainExpired();
        store.snapshot(target);
        return new StateSnapshot(target, store.position().orElse(-1), time.watermark());
    }

    @Override
    public void drainExpired() {
        if (cleaner.hasTtlStates()) {
            cleaner.drain(CleanupStrategy.ON_SNAPSHOT, this::commitAtPosition);
        }
    }

    /** Commits removals of expired entries: the input position does not move. */
    private void commitAtPosition() {
        commit(store.position().orElse(-1));
    }

    /** See {@link ByteStore#snapshotConcurrently}; position and watermark are read back from the snapshot. */
    @Override
    public StateSnapshot snapshotConcurrently(Path target) {
        guard.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException(store.name() + " is closed");
            }
            return snapshotOf(target, store.snapshotConcurrently(target));
        } finally {
            guard.readLock().unlock();
        }
    }

    private StateSnapshot snapshotOf(Path target, StoreSnapshot stored) {
        byte[] maxEventTime = stored.meta(MAX_EVENT_TIME_KEY);
        long watermark =
                maxEventTime == null ? EventTimeClock.NO_TIME : time.watermarkOf(ValueFormat.getLong(maxEventTime, 0));
        return new StateSnapshot(target, stored.position(), watermark);
    }

    @Override
    public long oldestUnpurgedExpiredAgeMillis() {
        long oldest = deletions.oldestExpiredAt();
        long waiting = statistics.oldestWaitingExpiredAt();
        if (oldest == EventTimeClock.NO_TIME || (waiting != EventTimeClock.NO_TIME && waiting < oldest)) {
            oldest = waiting;
        }
        return oldest == EventTimeClock.NO_TIME ? 0 : Math.max(0, time.wallClockMillis() - oldest);
    }

    @Override
    public <T> Optional<T> read(Function<KeyedStateStore, T> reader) {
        guard.readLock().lock();
        try {
            return closed ? Optional.empty() : Optional.ofNullable(reader.apply(readView()));
        } finally {
            guard.readLock().unlock();
        }
    }

    /** A view for other threads: committed data, TTL applied, never writes; see {@link #read}. */
    public KeyedStateStore readView() {
        return new ReadOnlyStates(descriptors, factory);
    }

    /** Waits for concurrent snapshots and reads to end, then flushes and closes the store; idempotent. */
    @Override
    public void close() {
        guard.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                store.close();
            }
        } finally {
            guard.writeLock().unlock();
        }
    }
}
