package io.loginstate.state;

import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.plain.PlainListState;
import io.loginstate.state.plain.PlainMapState;
import io.loginstate.state.plain.ValueFormat;
import io.loginstate.state.portable.PortableReader;
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.ttl.DeletionTracker;
import io.loginstate.state.ttl.ExpiryIndex;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.state.ttl.TtlContext;
import io.loginstate.state.ttl.TtlStateFactory;
import io.loginstate.state.ttl.TtlStatistics;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Reads a savepoint part (docs/SAVEPOINT-FORMAT.md) into an empty store for the current states, so
 * that a {@link LayeredKeyedStateBackend} opened over it afterwards behaves as the one that wrote
 * the part: the state tables, the layout version, the maximum event time, when TTL was switched on
 * per state, and the expiry index (rebuilt by the TTL layer, as when TTL is switched on over
 * existing data). All of it is one transaction, committed at the part's next offset; any refusal
 * aborts it, so nothing of a refused part is committed.
 *
 * <p>Expired entries are left out, decided as on export ({@link StateExport}) with a fresh clock
 * restored to the part's maximum event time. Payloads of an older serializer version are upgraded
 * ({@link io.loginstate.state.api.StateSerializer#upgrade}) and every payload must read with the
 * current serializer. Refused, naming the state: a kind that changed, another serializer, a newer
 * serializer version, a value that does not read. A state of the part that is no longer declared
 * is left out with a warning (as renaming a state abandons its data); a damaged part is refused
 * with the portable reader's exception, which names the source.
 */
public final class StateImport {

    private static final Logger LOG = Logger.getLogger(StateImport.class);

    private final List<StateDescriptor<?>> descriptors;
    private final Supplier<EventTimeClock> clocks;
    private final TtlCleanupSettings settings;

    /** The clocks and settings must be the ones the backend over the store will use. */
    public StateImport(
            List<StateDescriptor<?>> descriptors, Supplier<EventTimeClock> clocks, TtlCleanupSettings settings) {
        this.descriptors = List.copyOf(descriptors);
        this.clocks = clocks;
        this.settings = settings;
    }

    /** What an import wrote; {@code recordsPerState} counts records written (entries, elements). */
    public record Summary(
            Map<String, Long> recordsPerState,
            long expiredDropped,
            long upgraded,
            List<String> droppedStates,
            long nextOffset,
            long maxEventTime,
            long watermark,
            Map<String, String> properties) {}

    /** Imports the part read from {@code in} (not closed) into {@code target}, which must be empty. */
    public Summary importPart(InputStream in, String source, ByteStore target) {
        requireEmpty(target, source);
        try (PortableReader reader = new PortableReader(in, source)) {
            try {
                return importRecords(reader, source, target);
            } catch (RuntimeException e) {
                target.abort();
                throw e;
            }
        }
    }

    private Summary importRecords(PortableReader reader, String source, ByteStore target) {
        Map<String, String> properties = reader.properties();
        checkVersions(source, properties);
        long nextOffset = PartProperties.time(source, properties, PartProperties.NEXT_OFFSET);
        long maxEventTime = PartProperties.time(source, properties, PartProperties.MAX_EVENT_TIME);
        EventTimeClock time = clocks.get();
        time.restore(maxEventTime);

        ByteTable meta = target.table(ByteStore.META_TABLE);
        StateLayout.check(target, meta);
        if (maxEventTime != EventTimeClock.NO_TIME) {
            byte[] value = new byte[Long.BYTES];
            ValueFormat.putLong(value, 0, maxEventTime);
            meta.put(LayeredKeyedStateBackend.MAX_EVENT_TIME_KEY, value);
        }
        List<String> dropped = new ArrayList<>();
        ImportedState[] states = plan(reader.tables(), properties, source, time, meta, dropped);

        ListCollector lists = new ListCollector(target);
        while (reader.next()) {
            ImportedState state = states[reader.table()];
            if (state != null) {
                apply(state, reader, target, lists);
            }
        }
        lists.flush();

        rebuildExpiryIndex(time, target);
        target.commit(nextOffset);

        return summary(states, dropped, nextOffset, maxEventTime, time, properties);
    }

    /** Files every entry of the TTL'd states in the expiry index, as switching TTL on over data does. */
    private void rebuildExpiryIndex(EventTimeClock time, ByteStore target) {
        TtlContext context = new TtlContext(
                time,
                new ExpiryIndex(target.table(ExpiryIndex.TABLE)),
                new DeletionTracker(),
                new TtlStatistics(),
                settings);
        TtlStateFactory factory = new TtlStateFactory(target, context);
        for (StateDescriptor<?> descriptor : descriptors) {
            if (descriptor.ttl().isPresent()) {
                factory.reconcile(descriptor, true);
            }
        }
    }

    private static Summary summary(
            ImportedState[] states,
            List<String> dropped,
            long nextOffset,
            long maxEventTime,
            EventTimeClock time,
            Map<String, String> properties) {
        Map<String, Long> records = new LinkedHashMap<>();
        long expired = 0;
        long upgraded = 0;
        for (ImportedState state : states) {
            if (state != null) {
                records.put(state.name(), state.written);
                expired += state.expired;
                upgraded += state.upgraded;
            }
        }
        return new Summary(
                records,
                expired,
                upgraded,
                List.copyOf(dropped),
                nextOffset,
                maxEventTime,
                time.watermarkOf(maxEventTime),
                properties);
    }

    private static void checkVersions(String source, Map<String, String> properties) {
        String version = properties.get(PartProperties.PART_VERSION_KEY);
        if (!Integer.toString(PartProperties.PART_VERSION).equals(version)) {
            throw new StateImportException(
                    source,
                    "is of savepoint part version " + version + ", this build reads version "
                            + PartProperties.PART_VERSION);
        }
        String layout = properties.get(PartProperties.LAYOUT_VERSION);
        if (!Integer.toString(StateLayout.VERSION).equals(layout)) {
            throw new StateImportException(
                    source,
                    "holds values of layout version " + layout + ", this build reads version " + StateLayout.VERSION);
        }
    }

    /**
     * The current state for each table of the part (null: left out), checked against the part's
     * descriptors; records when TTL was switched on for each current TTL'd state (the part's moment,
     * or now if the state had no TTL in the part).
     */
    private ImportedState[] plan(
            List<String> tables,
            Map<String, String> properties,
            String source,
            EventTimeClock time,
            ByteTable meta,
            List<String> dropped) {
        Map<String, StateDescriptor<?>> current = new HashMap<>();
        descriptors.forEach(descriptor -> current.put(descriptor.name(), descriptor));
        Map<String, PartProperties.PartState> inPart = new HashMap<>();
        ImportedState[] states = new ImportedState[tables.size()];
        for (int index = 0; index < tables.size(); index++) {
            String name = tables.get(index);
            PartProperties.PartState part = PartProperties.state(source, name, properties);
            if (inPart.put(name, part) != null) {
                throw new StateImportException(source, name, "is listed twice");
            }
            StateDescriptor<?> descriptor = current.get(name);
            if (descriptor == null) {
                LOG.warnf(
                        "Savepoint part %s: state '%s' is not declared by this build; its records are left out",
                        source, name);
                dropped.add(name);
                continue;
            }
            PartProperties.checkCompatible(source, part, descriptor);
        }
        for (StateDescriptor<?> descriptor : descriptors) {
            if (descriptor.ttl().isPresent()) {
                PartProperties.PartState part = inPart.get(descriptor.name());
                long enabledAt = part != null && part.ttlEnabledAt().isPresent()
                        ? part.ttlEnabledAt().getAsLong()
                        : time.stamp(descriptor.ttl().get().timeCharacteristic());
                TtlStateFactory.recordEnabledAt(meta, descriptor.name(), enabledAt);
            }
        }
        for (int index = 0; index < tables.size(); index++) {
            StateDescriptor<?> descriptor = current.get(tables.get(index));
            if (descriptor != null) {
                states[index] = new ImportedState(
                        descriptor,
                        inPart.get(descriptor.name()),
                        TtlStateFactory.expiryRule(descriptor, time, meta),
                        source);
            }
        }
        return states;
    }

    private static void apply(ImportedState state, PortableReader reader, ByteStore target, ListCollector lists) {
        long record = reader.records() - 1;
        byte[] subKey = reader.subKey();
        if (reader.key().length == 0) {
            throw state.damaged("has an empty key", record);
        }
        switch (state.descriptor.kind()) {
            case VALUE -> {
                if (subKey.length != 0) {
                    throw state.damaged("has a value record with a subKey", record);
                }
                byte[] value = state.value(reader.value(), record);
                if (!state.expired(value)) {
                    target.table(state.name()).put(reader.key(), value);
                    state.written++;
                }
            }
            case LIST -> {
                if (subKey.length != 4) {
                    throw state.damaged("has a list element whose index is not 4 bytes", record);
                }
                lists.add(state, reader.key(), state.value(reader.value(), record));
            }
            case MAP -> {
                byte[] value = state.value(reader.value(), record);
                byte[] mapKey = state.mapKey(subKey, record);
                byte[] entryKey = PlainMapState.compositeKey(reader.key(), mapKey);
                if (mapKey != subKey && target.table(state.name()).get(entryKey) != null) {
                    throw state.damaged("has two map keys of one user key that upgrade to the same key", record);
                }
                if (!state.expired(value)) {
                    target.table(state.name()).put(entryKey, value);
                    state.written++;
                }
            }
        }
    }

    private static void requireEmpty(ByteStore target, String source) {
        if (target.position().isPresent()) {
            throw new StateImportException(source, "cannot be imported into " + target.name() + ", which has state");
        }
        for (String table : target.tableNames()) {
            if (!target.table(table).scan(new byte[0], null, 1).isEmpty()) {
                throw new StateImportException(
                        source, "cannot be imported into " + target.name() + ", whose table " + table + " has data");
            }
        }
    }

    /** Gathers the elements of one list (adjacent records) and writes the live ones as one value. */
    private static final class ListCollector {
        private final ByteStore target;
        private ImportedState state;
        private byte[] key;
        private final List<byte[]> elements = new ArrayList<>();

        ListCollector(ByteStore target) {
            this.target = target;
        }

        void add(ImportedState elementState, byte[] elementKey, byte[] element) {
            if (state != elementState || !Arrays.equals(key, elementKey)) {
                flush();
                state = elementState;
                key = elementKey;
            }
            if (!elementState.expired(element)) {
                elements.add(element);
            }
        }

        void flush() {
            if (state != null && !elements.isEmpty()) {
                int size = 0;
                for (byte[] element : elements) {
                    size += 4 + element.length;
                }
                byte[] stored = new byte[size];
                int offset = 0;
                for (byte[] element : elements) {
                    PlainListState.putLength(stored, offset, element.length);
                    System.arraycopy(element, 0, stored, offset + 4, element.length);
                    offset += 4 + element.length;
                }
                target.table(state.name()).put(key, stored);
                state.written += elements.size();
            }
            elements.clear();
            state = null;
            key = null;
        }
    }
}
