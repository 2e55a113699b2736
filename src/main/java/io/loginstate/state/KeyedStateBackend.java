package io.loginstate.state;

import io.loginstate.state.api.KeyedStateStore;
import io.loginstate.state.api.ListState;
import io.loginstate.state.api.MapState;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.ValueState;
import io.loginstate.state.ttl.CleanupStrategy;
import io.loginstate.state.ttl.DeletionTracker;
import io.loginstate.state.ttl.ExpiryIndex;
import io.loginstate.state.ttl.TtlCleaner;
import io.loginstate.state.ttl.TtlContext;
import io.loginstate.state.ttl.TtlSettings;
import io.loginstate.state.ttl.TtlStateFactory;
import io.loginstate.state.ttl.TtlStatistics;
import io.loginstate.state.ttl.TtlTimeService;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The keyed state of one partition: the application's states (plain or TTL'd) over a byte-level
 * {@link StateBackend}, the partition's event time, and TTL cleanup. Used by one thread at a time:
 * the processor opens a transaction implicitly with the first write, then {@link #commit}s it with
 * the input position or {@link #abort}s it. {@link #readView} serves other threads.
 */
public final class KeyedStateBackend implements KeyedStateStore, AutoCloseable {

    private static final byte[] MAX_EVENT_TIME_KEY = "ttl/max-event-timestamp".getBytes(StandardCharsets.UTF_8);
    private static final byte[] LAYOUT_KEY = "layout-version".getBytes(StandardCharsets.UTF_8);
    /** Version of how keyed state is laid out in tables (value format tags, index, meta keys). */
    static final int LAYOUT_VERSION = 2;

    private final StateBackend backend;
    private final Map<String, StateDescriptor<?>> descriptors = new LinkedHashMap<>();
    private final Map<String, Object> states = new HashMap<>();
    private final KeyContext keys = new KeyContext();
    private final TtlTimeService time;
    private final TtlStatistics statistics = new TtlStatistics();
    private final DeletionTracker deletions = new DeletionTracker();
    private final TtlContext ttlContext;
    private final TtlStateFactory factory;
    private final TtlCleaner cleaner;
    private long storedFutureEventTime = TtlTimeService.NO_TIME;
    private long futureStampsRepaired;

    public KeyedStateBackend(StateBackend backend, List<StateDescriptor<?>> stateDescriptors, TtlTimeService time,
                             TtlSettings settings) {
        this.backend = backend;
        this.time = time;
        this.ttlContext = new TtlContext(time, new ExpiryIndex(backend.table(ExpiryIndex.TABLE)), deletions, statistics,
                settings);
        this.factory = new TtlStateFactory(backend, ttlContext);
        this.cleaner = new TtlCleaner(ttlContext, settings);
        ByteTable meta = backend.table(StateBackend.META_TABLE);
        checkLayout(backend, meta);
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
        backend.commit(backend.position().orElse(-1));
    }

    /**
     * State written with another layout (or before layouts were recorded) cannot be read; the
     * caller can drop it and rebuild from the input.
     */
    private static void checkLayout(StateBackend backend, ByteTable meta) {
        byte[] stored = meta.get(LAYOUT_KEY);
        if (stored == null && backend.position().isPresent()) {
            throw new IncompatibleStateException(backend.name(), "has state from before layout versions were recorded");
        }
        if (stored != null && ValueFormat.getLong(stored, 0) != LAYOUT_VERSION) {
            throw new IncompatibleStateException(backend.name(), "has state of layout version "
                    + ValueFormat.getLong(stored, 0) + ", this build reads version " + LAYOUT_VERSION);
        }
        if (stored == null) {
            byte[] value = new byte[Long.BYTES];
            ValueFormat.putLong(value, 0, LAYOUT_VERSION);
            meta.put(LAYOUT_KEY, value);
        }
    }

    /** The tables a backend must have for these states. */
    public static List<String> tableNames(List<StateDescriptor<?>> stateDescriptors) {
        List<String> names = new ArrayList<>();
        names.add(StateBackend.META_TABLE);
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
            throw new IllegalArgumentException("No " + kind + " state '" + descriptor.name() + "' was declared for "
                    + backend.name());
        }
        return (S) state;
    }

    /** Event time of the partition: advance it before applying each record. */
    public TtlTimeService time() {
        return time;
    }

    public TtlStatistics statistics() {
        return statistics;
    }

    public OptionalLong position() {
        return backend.position();
    }

    public StateBackend backend() {
        return backend;
    }

    /** Removes a bounded number of expired entries within the current transaction. */
    public int cleanupIncrementally() {
        return cleaner.hasTtlStates() ? cleaner.runIncremental() : 0;
    }

    /** Makes the transaction's writes visible and durable-on-flush with the input position. */
    public void commit(long position) {
        ByteTable meta = backend.table(StateBackend.META_TABLE);
        stageMaxEventTime(meta);
        deletions.stage(meta);
        backend.commit(position);
    }

    private void stageMaxEventTime(ByteTable meta) {
        if (time.maxEventTimestamp() != TtlTimeService.NO_TIME) {
            byte[] value = new byte[Long.BYTES];
            ValueFormat.putLong(value, 0, time.maxEventTimestamp());
            meta.put(MAX_EVENT_TIME_KEY, value);
        }
    }

    /**
     * The highest event time found stored on open if it lay beyond wall clock + skew (the state
     * was then repaired), else {@link TtlTimeService#NO_TIME}.
     */
    public long storedFutureEventTime() {
        return storedFutureEventTime;
    }

    /** Entries and list elements re-stamped on open because their stamps lay beyond the bound. */
    public long futureStampsRepaired() {
        return futureStampsRepaired;
    }

    /** Drops the transaction's writes and rewinds event time to what is committed. */
    public void abort() {
        backend.abort();
        byte[] maxEventTime = backend.committedTable(StateBackend.META_TABLE).get(MAX_EVENT_TIME_KEY);
        time.restore(maxEventTime == null ? TtlTimeService.NO_TIME : ValueFormat.getLong(maxEventTime, 0));
        // Cached reads of the TTL states may describe aborted writes.
        ttlContext.invalidateCaches();
    }

    /**
     * Between batches: removes expired entries of an idle partition (committing them at the
     * current position), refreshes the gauges, and compacts deleted data when the deletion
     * deadline requires it. Returns true if it changed anything.
     */
    public boolean maintain() {
        if (!cleaner.hasTtlStates()) {
            return false;
        }
        boolean changed = false;
        if (cleaner.runIncremental() > 0) {
            commit(backend.position().orElse(-1));
            changed = true;
        }
        cleaner.refreshGauges();
        if (cleaner.backlogDue() && cleaner.drain(CleanupStrategy.INCREMENTAL) > 0) {
            commit(backend.position().orElse(-1));
            cleaner.refreshGauges();
            changed = true;
        }
        if (cleaner.enforceDeadline(backend)) {
            commit(backend.position().orElse(-1));
            changed = true;
        }
        return changed;
    }

    /**
     * Writes a snapshot of the committed state to {@code target}. Entries expired at this moment
     * are removed (and committed) first, so no restore ever sees them.
     */
    public void snapshot(Path target) {
        drainExpired();
        backend.snapshot(target);
    }

    /**
     * The part of a checkpoint that needs the writer thread: removes (and commits) the entries
     * expired at this moment, so no snapshot taken after it holds them.
     */
    public void drainExpired() {
        if (cleaner.hasTtlStates() && cleaner.drain(CleanupStrategy.ON_SNAPSHOT) > 0) {
            commit(backend.position().orElse(-1));
        }
    }

    /** Where a concurrent snapshot ends: position and event-time watermark. */
    public record SnapshotPoint(long position, long watermark) {
    }

    /**
     * A snapshot from another thread while batches go on; see {@link StateBackend#snapshotConcurrently}.
     * Returns the position and watermark the snapshot holds ({@link TtlTimeService#NO_TIME} before any event).
     */
    public SnapshotPoint snapshotConcurrently(Path target) {
        SnapshotInfo info = backend.snapshotConcurrently(target);
        byte[] maxEventTime = info.meta(MAX_EVENT_TIME_KEY);
        long watermark = maxEventTime == null ? TtlTimeService.NO_TIME : time.watermarkOf(ValueFormat.getLong(maxEventTime, 0));
        return new SnapshotPoint(info.position(), watermark);
    }

    /** Age of the oldest expired entry still present in some local file, in ms (0 if none). */
    public long oldestUnpurgedExpiredAgeMillis() {
        long oldest = deletions.oldestExpiredAt();
        long waiting = statistics.oldestWaitingExpiredAt();
        if (oldest == TtlTimeService.NO_TIME || (waiting != TtlTimeService.NO_TIME && waiting < oldest)) {
            oldest = waiting;
        }
        return oldest == TtlTimeService.NO_TIME ? 0 : Math.max(0, time.wallClockMillis() - oldest);
    }

    /** A view for other threads: committed data, TTL applied, never writes. */
    public KeyedStateStore readView() {
        return new ReadView();
    }

    @Override
    public void close() {
        backend.close();
    }

    private final class ReadView implements KeyedStateStore {
        private final KeyContext viewKeys = new KeyContext();
        private final Map<String, Object> viewStates = new HashMap<>();

        @Override
        public void setCurrentKey(byte[] key) {
            viewKeys.setCurrentKey(key);
        }

        @Override
        public <T> ValueState<T> valueState(StateDescriptor<ValueState<T>> descriptor) {
            return viewState(descriptor);
        }

        @Override
        public <T> ListState<T> listState(StateDescriptor<ListState<T>> descriptor) {
            return viewState(descriptor);
        }

        @Override
        public <K, V> MapState<K, V> mapState(StateDescriptor<MapState<K, V>> descriptor) {
            return viewState(descriptor);
        }

        @SuppressWarnings("unchecked")
        private <S> S viewState(StateDescriptor<?> descriptor) {
            StateDescriptor<?> declared = descriptors.get(descriptor.name());
            if (declared == null || declared.kind() != descriptor.kind()) {
                throw new IllegalArgumentException("No " + descriptor.kind() + " state '" + descriptor.name() + "'");
            }
            return (S) viewStates.computeIfAbsent(descriptor.name(), name -> factory.create(declared, viewKeys, true));
        }
    }
}
