package io.loginstate.state;

import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.plain.PlainListState;
import io.loginstate.state.plain.ValueFormat;
import io.loginstate.state.portable.PortableSummary;
import io.loginstate.state.portable.PortableWriter;
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.store.Keys;
import io.loginstate.state.ttl.ExpiryRule;
import io.loginstate.state.ttl.TtlStateFactory;
import java.io.OutputStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Writes the committed keyed state of a partition as a savepoint part (docs/SAVEPOINT-FORMAT.md):
 * one portable table per state, in descriptor order, records in (key, subKey) order.
 *
 * <p>Expired entries are left out. The decision is the TTL layer's own ({@link ExpiryRule}, via
 * {@link TtlStateFactory#expiryRule}): a fresh clock is restored to the maximum event time stored
 * with the state, exactly as a backend opening that state restores it, so the horizon is the same
 * (event time, the wall-clock backstop, the bound on future event time), and a stamp at or before
 * horizon minus TTL is dropped. That is every entry the TTL decorators would hide or cleanup would
 * remove now, whether or not cleanup reached it, and so also every entry the physical-deletion
 * deadline (which counts from expiry) concerns. The store is only read, never written: it may be
 * a snapshot opened for the export.
 */
public final class StateExport {

    private static final int SCAN_CHUNK = 1024;
    /** Entries per key-length range a map export holds at once. */
    private static final int MAP_CHUNK = 256;

    private static final byte[] EMPTY = new byte[0];

    private final List<StateDescriptor<?>> descriptors;
    private final Supplier<EventTimeClock> clocks;

    /**
     * @param descriptors the application's states, in the order the part lists them
     * @param clocks a new clock per export, configured as the backend's (wall clock, lateness,
     *     backstop, future skew); see {@link KeyedStateBackendBuilder#newEventTimeClock}
     */
    public StateExport(List<StateDescriptor<?>> descriptors, Supplier<EventTimeClock> clocks) {
        this.descriptors = List.copyOf(descriptors);
        this.clocks = clocks;
    }

    /** What an export wrote. */
    public record Summary(
            Map<String, Long> recordsPerState,
            long expiredDropped,
            long nextOffset,
            long maxEventTime,
            long watermark,
            PortableSummary portable,
            Map<String, String> properties) {}

    /**
     * Writes the committed state of {@code store} to {@code out} (not closed), with the caller's
     * {@code properties} (topic, partition, savepoint id...) next to the part's own.
     */
    public Summary export(ByteStore store, OutputStream out, Map<String, String> properties) {
        ByteTable meta = store.committedTable(ByteStore.META_TABLE);
        StateLayout.checkReadable(store, meta);
        EventTimeClock time = clocks.get();
        byte[] storedMax = meta.get(LayeredKeyedStateBackend.MAX_EVENT_TIME_KEY);
        long maxEventTime = storedMax == null ? EventTimeClock.NO_TIME : ValueFormat.getLong(storedMax, 0);
        time.restore(maxEventTime);
        long nextOffset = store.position().orElse(-1);

        List<String> names = descriptors.stream().map(StateDescriptor::name).toList();
        Map<String, String> header = header(properties, meta, time, maxEventTime, nextOffset);
        PortableWriter writer = new PortableWriter(out, names, header);
        Map<String, Long> records = new LinkedHashMap<>();
        long dropped = 0;
        for (int index = 0; index < descriptors.size(); index++) {
            StateDescriptor<?> descriptor = descriptors.get(index);
            Optional<ExpiryRule> rule = TtlStateFactory.expiryRule(descriptor, time, meta);
            Counts counts = new Counts();
            ByteTable table = store.committedTable(descriptor.name());
            switch (descriptor.kind()) {
                case VALUE -> exportValues(table, rule, writer, index, counts);
                case LIST -> exportLists(table, rule, writer, index, counts);
                case MAP -> exportMap(table, rule, writer, index, counts);
            }
            records.put(descriptor.name(), counts.written);
            dropped += counts.expired;
        }
        PortableSummary portable = writer.finish();
        return new Summary(
                records,
                dropped,
                nextOffset,
                maxEventTime,
                time.watermarkOf(maxEventTime),
                portable,
                Map.copyOf(header));
    }

    private Map<String, String> header(
            Map<String, String> properties, ByteTable meta, EventTimeClock time, long maxEventTime, long nextOffset) {
        Map<String, String> header = new LinkedHashMap<>();
        properties.forEach((name, value) -> {
            if (PartProperties.reserved(name)) {
                throw new IllegalArgumentException("The property '" + name + "' is the part's own");
            }
            header.put(name, value);
        });
        header.put(PartProperties.PART_VERSION_KEY, Integer.toString(PartProperties.PART_VERSION));
        header.put(PartProperties.LAYOUT_VERSION, Integer.toString(StateLayout.VERSION));
        header.put(PartProperties.NEXT_OFFSET, Long.toString(nextOffset));
        header.put(PartProperties.MAX_EVENT_TIME, PartProperties.time(maxEventTime));
        header.put(PartProperties.WATERMARK, PartProperties.time(time.watermarkOf(maxEventTime)));
        header.put(
                PartProperties.EXPORTED_AT,
                Instant.ofEpochMilli(time.wallClockMillis()).toString());
        for (StateDescriptor<?> descriptor : descriptors) {
            header.putAll(PartProperties.describe(descriptor, TtlStateFactory.enabledAt(meta, descriptor.name())));
        }
        return header;
    }

    /** Records written and expired values left out, of one state. */
    private static final class Counts {
        long written;
        long expired;
    }

    private static boolean expired(Optional<ExpiryRule> rule, byte[] stored, int offset) {
        return rule.isPresent()
                && rule.get()
                        .expired(ValueFormat.stamp(stored, offset, rule.get().fallbackStamp()));
    }

    private static void exportValues(
            ByteTable table, Optional<ExpiryRule> rule, PortableWriter writer, int index, Counts counts) {
        scan(table, entry -> {
            if (expired(rule, entry.getValue(), 0)) {
                counts.expired++;
            } else {
                writer.write(index, entry.getKey(), EMPTY, entry.getValue());
                counts.written++;
            }
        });
    }

    /** One record per live element, numbered from 0 in list order. */
    private static void exportLists(
            ByteTable table, Optional<ExpiryRule> rule, PortableWriter writer, int index, Counts counts) {
        scan(table, entry -> {
            byte[] stored = entry.getValue();
            int element = 0;
            for (int offset = 0; offset < stored.length; ) {
                int length = PlainListState.lengthAt(stored, offset);
                if (expired(rule, stored, offset + 4)) {
                    counts.expired++;
                } else {
                    byte[] value = Arrays.copyOfRange(stored, offset + 4, offset + 4 + length);
                    writer.write(index, entry.getKey(), elementIndex(element++), value);
                    counts.written++;
                }
                offset += 4 + length;
            }
        });
    }

    private static void exportMap(
            ByteTable table, Optional<ExpiryRule> rule, PortableWriter writer, int index, Counts counts) {
        MapEntryMerge entries = new MapEntryMerge(table, MAP_CHUNK);
        while (entries.hasNext()) {
            MapEntryMerge.Entry entry = entries.next();
            if (expired(rule, entry.value(), 0)) {
                counts.expired++;
            } else {
                writer.write(index, entry.key(), entry.mapKey(), entry.value());
                counts.written++;
            }
        }
    }

    /** A list element's subKey: its index as 4 bytes, big-endian. */
    static byte[] elementIndex(int index) {
        byte[] bytes = new byte[4];
        PlainListState.putLength(bytes, 0, index);
        return bytes;
    }

    private static void scan(ByteTable table, Consumer<Map.Entry<byte[], byte[]>> action) {
        byte[] from = EMPTY;
        List<Map.Entry<byte[], byte[]>> chunk;
        do {
            chunk = table.scan(from, null, SCAN_CHUNK);
            chunk.forEach(action);
            if (!chunk.isEmpty()) {
                from = Keys.successor(chunk.get(chunk.size() - 1).getKey());
            }
        } while (chunk.size() == SCAN_CHUNK);
    }
}
