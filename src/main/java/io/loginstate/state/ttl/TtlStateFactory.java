package io.loginstate.state.ttl;

import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.StateSerializer;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.plain.KeyContext;
import io.loginstate.state.plain.PlainFormatSerializer;
import io.loginstate.state.plain.PlainListState;
import io.loginstate.state.plain.PlainMapState;
import io.loginstate.state.plain.PlainValueState;
import io.loginstate.state.plain.ValueFormat;
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.store.Keys;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wraps plain states in TTL decorators when their descriptor has a TTL, and keeps the stored
 * data consistent with TTL being switched on or off: switching it on records the moment (values
 * written without a stamp count from there) and files existing entries in the expiry index;
 * switching it off drops the state's index entries.
 */
public final class TtlStateFactory {

    private static final String ENABLED_AT = "ttl/enabled-at/";
    private static final int SCAN_CHUNK = 10_000;

    private final ByteStore backend;
    private final TtlContext context;
    /**
     * When TTL was switched on, per state, as the writer's states use it: set when the partition
     * opens and fixed afterwards, so the read views of queries need not read it again.
     */
    private final Map<String, Long> enabledAt = new ConcurrentHashMap<>();

    public TtlStateFactory(ByteStore backend, TtlContext context) {
        this.backend = backend;
        this.context = context;
    }

    /** Creates the state; {@code readOnly} states read committed data and never write. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Object create(StateDescriptor<?> descriptor, KeyContext keys, boolean readOnly) {
        ByteTable table = readOnly ? backend.committedTable(descriptor.name()) : backend.table(descriptor.name());
        StateSerializer value = descriptor.valueSerializer();
        if (descriptor.ttl().isEmpty()) {
            StateSerializer plain = new PlainFormatSerializer(value);
            return switch (descriptor.kind()) {
                case VALUE -> new PlainValueState(table, keys, plain);
                case LIST -> new PlainListState(table, keys, plain);
                case MAP -> new PlainMapState(table, keys, descriptor.keySerializer(), plain);
            };
        }
        long fallback = enabledAt(descriptor, readOnly);
        StateSerializer stamped = new TtlValueSerializer(value, fallback);
        TtlStateSpec spec = new TtlStateSpec(descriptor.name(), descriptor.ttl().get(), context, readOnly, fallback);
        return switch (descriptor.kind()) {
            case VALUE -> new TtlValueState(spec, new PlainValueState(table, keys, stamped));
            case LIST -> new TtlListState(spec, new PlainListState(table, keys, stamped));
            case MAP -> new TtlMapState(spec, new PlainMapState(table, keys, descriptor.keySerializer(), stamped));
        };
    }

    /**
     * Heals state stamped beyond {@code bound} (see {@link FutureStampRepair}), including the
     * moment TTL was switched on; commits. Returns the number of entries and elements re-stamped.
     */
    public long repairFutureStamps(List<StateDescriptor<?>> descriptors, long bound) {
        ByteTable meta = backend.table(ByteStore.META_TABLE);
        for (StateDescriptor<?> descriptor : descriptors) {
            byte[] enabledAt = meta.get(markerKey(descriptor.name()));
            if (enabledAt != null && ValueFormat.getLong(enabledAt, 0) > bound) {
                byte[] value = new byte[Long.BYTES];
                ValueFormat.putLong(value, 0, bound);
                meta.put(markerKey(descriptor.name()), value);
            }
        }
        return new FutureStampRepair(backend, context, bound).run(descriptors);
    }

    /** When TTL was switched on for the state; read-only callers never record it. */
    private long enabledAt(StateDescriptor<?> descriptor, boolean readOnly) {
        Long known = enabledAt.get(descriptor.name());
        if (known != null) {
            return known;
        }
        byte[] stored = backend.committedTable(ByteStore.META_TABLE).get(markerKey(descriptor.name()));
        if (stored != null) {
            long value = ValueFormat.getLong(stored, 0);
            enabledAt.put(descriptor.name(), value);
            return value;
        }
        long now = context.time.stamp(descriptor.ttl().get().timeCharacteristic());
        if (!readOnly) {
            byte[] value = new byte[Long.BYTES];
            ValueFormat.putLong(value, 0, now);
            backend.table(ByteStore.META_TABLE).put(markerKey(descriptor.name()), value);
            enabledAt.put(descriptor.name(), now);
        }
        return now;
    }

    /**
     * Brings the expiry index in line with the descriptor: files every existing entry when TTL was
     * just switched on, drops the state's index entries when it was switched off. Stages writes.
     */
    public void reconcile(StateDescriptor<?> descriptor, boolean ttlJustEnabled) {
        if (descriptor.ttl().isEmpty()) {
            ByteTable meta = backend.table(ByteStore.META_TABLE);
            if (meta.get(markerKey(descriptor.name())) != null) {
                meta.delete(markerKey(descriptor.name()));
                context.index.removeAll(descriptor.name());
            }
            return;
        }
        if (ttlJustEnabled) {
            indexExisting(descriptor);
        }
    }

    /** True if TTL is on for the state but was not when its data was last committed. */
    public boolean ttlNewlyEnabled(StateDescriptor<?> descriptor) {
        return descriptor.ttl().isPresent()
                && backend.committedTable(ByteStore.META_TABLE).get(markerKey(descriptor.name())) == null;
    }

    private void indexExisting(StateDescriptor<?> descriptor) {
        ByteTable table = backend.table(descriptor.name());
        long fallback = ValueFormat.getLong(backend.table(ByteStore.META_TABLE).get(markerKey(descriptor.name())), 0);
        long granularity = context.granularity(descriptor.ttl().get().ttlMillis());
        byte[] from = new byte[0];
        List<Map.Entry<byte[], byte[]>> chunk;
        do {
            chunk = table.scan(from, null, SCAN_CHUNK);
            for (Map.Entry<byte[], byte[]> entry : chunk) {
                for (long stamp : stamps(descriptor, entry.getValue(), fallback)) {
                    context.index.add(
                            descriptor.name(), Math.floorDiv(stamp, granularity) * granularity, entry.getKey());
                }
            }
            if (!chunk.isEmpty()) {
                from = Keys.successor(chunk.get(chunk.size() - 1).getKey());
            }
        } while (chunk.size() == SCAN_CHUNK);
    }

    private static Set<Long> stamps(StateDescriptor<?> descriptor, byte[] stored, long fallback) {
        Set<Long> stamps = new HashSet<>();
        if (descriptor.kind() != StateDescriptor.Kind.LIST) {
            stamps.add(ValueFormat.stamp(stored, 0, fallback));
            return stamps;
        }
        int offset = 0;
        while (offset < stored.length) {
            int length = ((stored[offset] & 0xFF) << 24)
                    | ((stored[offset + 1] & 0xFF) << 16)
                    | ((stored[offset + 2] & 0xFF) << 8)
                    | (stored[offset + 3] & 0xFF);
            stamps.add(ValueFormat.stamp(stored, offset + 4, fallback));
            offset += 4 + length;
        }
        return stamps;
    }

    /** When TTL was switched on for the state, as the committed or staged {@code meta} records it. */
    public static OptionalLong enabledAt(ByteTable meta, String stateName) {
        byte[] stored = meta.get(markerKey(stateName));
        return stored == null ? OptionalLong.empty() : OptionalLong.of(ValueFormat.getLong(stored, 0));
    }

    /** Stages the moment TTL was switched on for the state (as a restore of it must keep it). */
    public static void recordEnabledAt(ByteTable meta, String stateName, long at) {
        byte[] value = new byte[Long.BYTES];
        ValueFormat.putLong(value, 0, at);
        meta.put(markerKey(stateName), value);
    }

    /**
     * The expiry decision for a state over stored data whose meta table is {@code meta}, as its TTL
     * decorator makes it with {@code time}; empty if the state has no TTL. Stamp-less values count
     * from the recorded moment TTL was switched on, or from now if none is recorded (as
     * {@link #create} then records it).
     */
    public static Optional<ExpiryRule> expiryRule(StateDescriptor<?> descriptor, EventTimeClock time, ByteTable meta) {
        if (descriptor.ttl().isEmpty()) {
            return Optional.empty();
        }
        TtlConfig config = descriptor.ttl().get();
        long fallback = enabledAt(meta, descriptor.name()).orElse(time.stamp(config.timeCharacteristic()));
        return Optional.of(new ExpiryRule(config, time, fallback));
    }

    private static byte[] markerKey(String stateName) {
        return (ENABLED_AT + stateName).getBytes(StandardCharsets.UTF_8);
    }
}
