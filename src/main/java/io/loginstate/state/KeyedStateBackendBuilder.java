package io.loginstate.state;

import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.CachingStore;
import io.loginstate.state.ttl.TtlCleanupSettings;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;

/**
 * Puts a partition's state stack together, in one place: the byte store, the write-back cache
 * over it, and the keyed states with TTL and event time over that.
 */
public final class KeyedStateBackendBuilder {

    private final List<StateDescriptor<?>> descriptors;
    private InstantSource clock = InstantSource.system();
    private Duration allowedLateness = Duration.ZERO;
    private boolean wallClockBackstop = true;
    private Duration maxFutureSkew = Duration.ofMinutes(5);
    private TtlCleanupSettings cleanup = TtlCleanupSettings.DEFAULTS;
    private long cacheBytes;

    private KeyedStateBackendBuilder(List<StateDescriptor<?>> descriptors) {
        this.descriptors = List.copyOf(descriptors);
    }

    public static KeyedStateBackendBuilder of(List<StateDescriptor<?>> descriptors) {
        return new KeyedStateBackendBuilder(descriptors);
    }

    /** The tables a store must have for these states. */
    public List<String> tableNames() {
        return LayeredKeyedStateBackend.tableNames(descriptors);
    }

    public KeyedStateBackendBuilder clock(InstantSource value) {
        this.clock = value;
        return this;
    }

    public KeyedStateBackendBuilder eventTime(Duration lateness, boolean backstop, Duration futureSkew) {
        this.allowedLateness = lateness;
        this.wallClockBackstop = backstop;
        this.maxFutureSkew = futureSkew;
        return this;
    }

    public KeyedStateBackendBuilder cleanup(TtlCleanupSettings value) {
        this.cleanup = value;
        return this;
    }

    /** Heap bytes of recently used entries kept in front of the store; 0 keeps only a transaction's writes. */
    public KeyedStateBackendBuilder cacheBytes(long value) {
        this.cacheBytes = value;
        return this;
    }

    /** A new event-time clock as the backends of this builder get it (not yet restored from any state). */
    public EventTimeClock newEventTimeClock() {
        return new EventTimeClock(clock, allowedLateness, wallClockBackstop, maxFutureSkew);
    }

    /** Writes savepoint parts of these states with this builder's clock settings. */
    public StateExport exporter() {
        return new StateExport(descriptors, this::newEventTimeClock);
    }

    /** Reads savepoint parts into stores for backends of this builder. */
    public StateImport importer() {
        return new StateImport(descriptors, this::newEventTimeClock, cleanup);
    }

    /** The state over {@code store}, which it owns from now on (closed with it, or at once if this fails). */
    public LayeredKeyedStateBackend build(ByteStore store) {
        try {
            return new LayeredKeyedStateBackend(
                    new CachingStore(store, cacheBytes), descriptors, newEventTimeClock(), cleanup);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }
}
