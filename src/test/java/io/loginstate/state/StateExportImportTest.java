package io.loginstate.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loginstate.state.api.Bytes;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.ListState;
import io.loginstate.state.api.MapState;
import io.loginstate.state.api.Serializers;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.StateSerializer;
import io.loginstate.state.api.TimeCharacteristic;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.api.ValueState;
import io.loginstate.state.plain.ValueFormat;
import io.loginstate.state.portable.PortableFormatException;
import io.loginstate.state.portable.PortableReader;
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.ttl.ExpiryIndex;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.testing.ManualClock;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Savepoint parts: export and import over every backend, with a manual clock. Users are written
 * in two rounds (wall clock {@link #BASE} and {@link #BASE} + 600, TTL 1000 ms), the state is
 * snapshotted, and exported at {@link #BASE} + 1100, when everything of the first round has
 * expired and nothing of the second.
 */
class StateExportImportTest {

    private static final long BASE = 1_700_000_000_000L;
    private static final long SECOND_ROUND = BASE + 600;
    private static final long EXPORT_TIME = BASE + 1100;
    private static final long POSITION = 42;
    private static final Duration TTL = Duration.ofMillis(1000);
    private static final TtlCleanupSettings SETTINGS = new TtlCleanupSettings(1000, Duration.ofHours(1));
    private static final int USERS = 120;

    private static final StateDescriptor<ValueState<String>> PROFILE =
            StateDescriptor.value("profile", Serializers.STRING).withTtl(TtlConfig.of(TTL));
    private static final StateDescriptor<ListState<String>> EVENTS = StateDescriptor.list("events", Serializers.STRING)
            .withTtl(TtlConfig.of(TTL).withTimeCharacteristic(TimeCharacteristic.EVENT_TIME));
    private static final StateDescriptor<MapState<String, String>> ATTRIBUTES = StateDescriptor.map(
                    "attributes", Serializers.STRING, Serializers.STRING)
            .withTtl(TtlConfig.of(TTL));
    private static final StateDescriptor<ValueState<Long>> PLAIN = StateDescriptor.value("plain", Serializers.LONG);
    private static final List<StateDescriptor<?>> STATES = List.of(PROFILE, EVENTS, ATTRIBUTES, PLAIN);

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(BASE);
    private final List<AutoCloseable> open = new ArrayList<>();
    private int stores;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Fixtures

    private EventTimeClock newClock() {
        return new EventTimeClock(clock, Duration.ZERO, true, Duration.ofMinutes(5));
    }

    private StateExport exporter(List<StateDescriptor<?>> states) {
        return new StateExport(states, this::newClock);
    }

    private StateImport importer(List<StateDescriptor<?>> states) {
        return new StateImport(states, this::newClock, SETTINGS);
    }

    private ByteStore newStore(Backends backend, List<StateDescriptor<?>> states) {
        ByteStore store = backend.open(dir.resolve("store-" + ++stores), LayeredKeyedStateBackend.tableNames(states));
        open.add(store);
        return store;
    }

    private LayeredKeyedStateBackend backendOver(ByteStore store) {
        LayeredKeyedStateBackend backend = new LayeredKeyedStateBackend(store, STATES, newClock(), SETTINGS);
        open.add(backend);
        return backend;
    }

    private static String user(int i) {
        return switch (i % 4) {
            case 0 -> "u" + i;
            case 1 -> "user-" + i;
            case 2 -> "a-much-longer-user-identifier-" + i;
            default -> "\u00fc" + i;
        };
    }

    private static String mapKey(int j) {
        return j % 3 == 0 ? "m" + j : "longer-map-key-" + j;
    }

    private static int mapSize(int i) {
        return 1 + i % 5;
    }

    /** A source backend holding both rounds of writes, committed at {@link #POSITION}. */
    private LayeredKeyedStateBackend writeSource(Backends kind) {
        LayeredKeyedStateBackend source = backendOver(newStore(kind, STATES));
        clock.set(BASE);
        source.time().advance(BASE - 100);
        for (int i = 0; i < USERS; i++) {
            source.setCurrentKey(bytes(user(i)));
            source.listState(EVENTS).add("old-" + i);
            if (i % 2 == 0) {
                source.valueState(PROFILE).update("p" + i);
            }
            for (int j = 0; j < mapSize(i); j += 2) {
                source.mapState(ATTRIBUTES).put(mapKey(j), "v" + j);
            }
        }
        source.commit(POSITION - 1);
        clock.set(SECOND_ROUND);
        source.time().advance(SECOND_ROUND);
        for (int i = 0; i < USERS; i++) {
            source.setCurrentKey(bytes(user(i)));
            if (i % 5 != 0) {
                source.listState(EVENTS).add("new-" + i);
            }
            if (i % 2 == 1) {
                source.valueState(PROFILE).update("p" + i);
            }
            for (int j = 1; j < mapSize(i); j += 2) {
                source.mapState(ATTRIBUTES).put(mapKey(j), "v" + j);
            }
            source.valueState(PLAIN).update((long) i);
        }
        source.commit(POSITION);
        return source;
    }

    /** Snapshots the source now and opens the snapshot as a store, as a savepoint task would. */
    private ByteStore snapshotOf(Backends kind, LayeredKeyedStateBackend source) {
        Path snapshot = dir.resolve("snapshot-" + ++stores);
        source.snapshot(snapshot);
        ByteStore store = kind.restore(
                snapshot, dir.resolve("restored-" + stores), source.store().tableNames());
        open.add(store);
        return store;
    }

    private static byte[] export(StateExport export, ByteStore store) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        export.export(store, out, Map.of("topic", "logins", "partition", "3"));
        return out.toByteArray();
    }

    private StateImport.Summary importInto(ByteStore target, byte[] part) {
        return importer(STATES).importPart(new ByteArrayInputStream(part), "test.part", target);
    }

    /** What every user holds through the state API at {@link #EXPORT_TIME}: the second round only. */
    private static Map<String, String> expectedState() {
        Map<String, String> expected = new TreeMap<>();
        for (int i = 0; i < USERS; i++) {
            Map<String, String> attributes = new TreeMap<>();
            for (int j = 1; j < mapSize(i); j += 2) {
                attributes.put(mapKey(j), "v" + j);
            }
            expected.put(
                    user(i),
                    (i % 2 == 1 ? "p" + i : null) + " " + (i % 5 != 0 ? List.of("new-" + i) : List.of()) + " "
                            + attributes + " " + i);
        }
        return expected;
    }

    private static Map<String, String> stateOf(LayeredKeyedStateBackend backend) {
        Map<String, String> state = new TreeMap<>();
        for (int i = 0; i < USERS; i++) {
            backend.setCurrentKey(bytes(user(i)));
            state.put(
                    user(i),
                    backend.valueState(PROFILE).value() + " "
                            + backend.listState(EVENTS).get() + " "
                            + new TreeMap<>(backend.mapState(ATTRIBUTES).entries()) + " "
                            + backend.valueState(PLAIN).value());
        }
        return state;
    }

    /** The records the documentation says the part holds, in the documented order. */
    private static List<String> expectedRecords() {
        List<String> records = new ArrayList<>();
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            keys.add(bytes(user(i)));
        }
        keys.sort(Arrays::compareUnsigned);
        for (byte[] key : keys) {
            int i = indexOf(key);
            if (i % 2 == 1) {
                records.add(record(0, key, new byte[0], ValueFormat.stamped(SECOND_ROUND, bytes("p" + i))));
            }
        }
        for (byte[] key : keys) {
            int i = indexOf(key);
            if (i % 5 != 0) {
                records.add(record(1, key, new byte[4], ValueFormat.stamped(SECOND_ROUND, bytes("new-" + i))));
            }
        }
        for (byte[] key : keys) {
            int i = indexOf(key);
            List<byte[]> mapKeys = new ArrayList<>();
            for (int j = 1; j < mapSize(i); j += 2) {
                mapKeys.add(bytes(mapKey(j)));
            }
            mapKeys.sort(Arrays::compareUnsigned);
            for (byte[] mapKey : mapKeys) {
                String j = new String(mapKey, StandardCharsets.UTF_8).replaceAll("\\D", "");
                records.add(record(2, key, mapKey, ValueFormat.stamped(SECOND_ROUND, bytes("v" + j))));
            }
        }
        for (byte[] key : keys) {
            byte[] value = new byte[Long.BYTES];
            Bytes.putLong(value, 0, indexOf(key));
            records.add(record(3, key, new byte[0], ValueFormat.plain(value)));
        }
        return records;
    }

    private static int indexOf(byte[] key) {
        return Integer.parseInt(new String(key, StandardCharsets.UTF_8).replaceAll("\\D", ""));
    }

    private static String record(int table, byte[] key, byte[] subKey, byte[] value) {
        HexFormat hex = HexFormat.of();
        return table + " " + hex.formatHex(key) + " " + hex.formatHex(subKey) + " " + hex.formatHex(value);
    }

    private static List<String> recordsOf(byte[] part) {
        List<String> records = new ArrayList<>();
        try (PortableReader reader = new PortableReader(new ByteArrayInputStream(part), "test.part")) {
            while (reader.next()) {
                records.add(record(reader.table(), reader.key(), reader.subKey(), reader.value()));
            }
        }
        return records;
    }

    private static Map<String, String> propertiesOf(byte[] part) {
        try (PortableReader reader = new PortableReader(new ByteArrayInputStream(part), "test.part")) {
            assertThat(reader.tables()).containsExactly("profile", "events", "attributes", "plain");
            return new LinkedHashMap<>(reader.properties());
        }
    }

    /** Every committed entry of the states' tables, as hex. */
    private static Map<String, List<String>> rawTables(ByteStore store) {
        Map<String, List<String>> tables = new LinkedHashMap<>();
        for (StateDescriptor<?> state : STATES) {
            tables.put(state.name(), raw(store.committedTable(state.name())));
        }
        return tables;
    }

    private static List<String> raw(ByteTable table) {
        List<String> entries = new ArrayList<>();
        for (Map.Entry<byte[], byte[]> entry : table.scan(new byte[0], null, 100_000)) {
            entries.add(HexFormat.of().formatHex(entry.getKey()) + "="
                    + HexFormat.of().formatHex(entry.getValue()));
        }
        return entries;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertEmpty(ByteStore store) {
        assertThat(store.position()).as("no position committed").isEmpty();
        for (String table : store.tableNames()) {
            assertThat(store.committedTable(table).scan(new byte[0], null, 1))
                    .as("table %s", table)
                    .isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Round trips

    @ParameterizedTest
    @EnumSource(Backends.class)
    void exportHoldsExactlyTheLiveRecordsInTheDocumentedOrder(Backends kind) {
        LayeredKeyedStateBackend source = writeSource(kind);
        ByteStore snapshot = snapshotOf(kind, source);
        clock.set(EXPORT_TIME);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StateExport.Summary summary = exporter(STATES).export(snapshot, out, Map.of("topic", "logins"));
        byte[] part = out.toByteArray();

        assertThat(recordsOf(part)).containsExactlyElementsOf(expectedRecords());
        Map<String, String> properties = propertiesOf(part);
        assertThat(properties)
                .containsEntry("topic", "logins")
                .containsEntry("next-offset", "42")
                .containsEntry("max-event-time", Long.toString(SECOND_ROUND))
                .containsEntry("watermark", Long.toString(SECOND_ROUND))
                .containsEntry("exported-at", "2023-11-14T22:13:21.100Z")
                .containsEntry("state.profile.kind", "value")
                .containsEntry("state.profile.serializer", "string")
                .containsEntry("state.profile.serializer-version", "1")
                .containsEntry("state.profile.ttl", "PT1S ON_CREATE_AND_WRITE NEVER_RETURN_EXPIRED PROCESSING_TIME")
                .containsEntry("state.profile.ttl-enabled-at", Long.toString(BASE))
                .containsEntry("state.events.kind", "list")
                .containsEntry("state.events.ttl", "PT1S ON_CREATE_AND_WRITE NEVER_RETURN_EXPIRED EVENT_TIME")
                .containsEntry("state.attributes.kind", "map")
                .containsEntry("state.attributes.map-key-serializer", "string")
                .containsEntry("state.attributes.map-key-serializer-version", "1")
                .containsEntry("state.plain.kind", "value")
                .containsEntry("state.plain.serializer", "long")
                .containsEntry("state.plain.ttl", "none")
                .doesNotContainKey("state.plain.ttl-enabled-at");
        long expiredMapEntries = 0;
        for (int i = 0; i < USERS; i++) {
            expiredMapEntries += (mapSize(i) + 1) / 2;
        }
        assertThat(summary.expiredDropped()).isEqualTo(USERS / 2 + USERS + expiredMapEntries);
        assertThat(summary.nextOffset()).isEqualTo(POSITION);
        assertThat(summary.watermark()).isEqualTo(SECOND_ROUND);
        assertThat(summary.portable().records()).isEqualTo(expectedRecords().size());
        assertThat(summary.portable().bytes()).isEqualTo(part.length);
        assertThat(summary.recordsPerState()).containsEntry("plain", (long) USERS);
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void importRestoresEveryUserAndTheExpiryIndexKeepsWorking(Backends kind) {
        LayeredKeyedStateBackend source = writeSource(kind);
        ByteStore snapshot = snapshotOf(kind, source);
        clock.set(EXPORT_TIME);
        byte[] part = export(exporter(STATES), snapshot);

        ByteStore target = newStore(kind, STATES);
        StateImport.Summary summary = importInto(target, part);
        assertThat(summary.nextOffset()).isEqualTo(POSITION);
        assertThat(summary.expiredDropped()).isZero();
        assertThat(summary.properties()).containsEntry("partition", "3");
        LayeredKeyedStateBackend imported = backendOver(target);

        assertThat(imported.position()).hasValue(POSITION);
        assertThat(imported.time().maxEventTimestamp()).isEqualTo(SECOND_ROUND);
        assertThat(stateOf(imported)).isEqualTo(expectedState()).isEqualTo(stateOf(source));
        source.drainExpired();
        imported.drainExpired();
        assertThat(rawTables(imported.store()))
                .as("the source, once cleanup has removed what expired, holds what the import holds")
                .isEqualTo(rawTables(source.store()));

        clock.set(SECOND_ROUND + 1000 + 100);
        assertThat(imported.cleanupIncrementally()).as("index entries visited").isPositive();
        imported.commit(POSITION);
        source.drainExpired();
        Map<String, List<String>> left = rawTables(imported.store());
        assertThat(left.get("profile")).isEmpty();
        assertThat(left.get("events")).isEmpty();
        assertThat(left.get("attributes")).isEmpty();
        assertThat(left.get("plain")).hasSize(USERS);
        assertThat(raw(imported.store().committedTable(ExpiryIndex.TABLE))).isEmpty();
        assertThat(left).isEqualTo(rawTables(source.store()));
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void entriesExpiredSinceTheExportAreNotImported(Backends kind) {
        LayeredKeyedStateBackend source = writeSource(kind);
        clock.set(EXPORT_TIME);
        byte[] part = export(exporter(STATES), snapshotOf(kind, source));

        clock.set(SECOND_ROUND + 1000);
        ByteStore target = newStore(kind, STATES);
        StateImport.Summary summary = importInto(target, part);

        assertThat(summary.expiredDropped()).isEqualTo(expectedRecords().size() - USERS);
        Map<String, List<String>> tables = rawTables(target);
        assertThat(tables.get("profile")).isEmpty();
        assertThat(tables.get("events")).isEmpty();
        assertThat(tables.get("attributes")).isEmpty();
        assertThat(tables.get("plain")).hasSize(USERS);
        assertThat(raw(target.committedTable(ExpiryIndex.TABLE))).isEmpty();
    }

    @Test
    void rocksDbStateImportedIntoHeapAndBackIsEqual() {
        LayeredKeyedStateBackend source = writeSource(Backends.ROCKSDB);
        clock.set(EXPORT_TIME);
        byte[] fromRocks = export(exporter(STATES), snapshotOf(Backends.ROCKSDB, source));

        ByteStore heap = newStore(Backends.HEAP, STATES);
        importInto(heap, fromRocks);
        byte[] fromHeap = export(exporter(STATES), heap);
        ByteStore rocks = newStore(Backends.ROCKSDB, STATES);
        importInto(rocks, fromHeap);

        assertThat(recordsOf(fromHeap)).isEqualTo(recordsOf(fromRocks));
        assertThat(propertiesOf(fromHeap)).isEqualTo(propertiesOf(fromRocks));
        assertThat(rawTables(rocks)).isEqualTo(rawTables(heap));
        assertThat(raw(rocks.committedTable(ExpiryIndex.TABLE))).isEqualTo(raw(heap.committedTable(ExpiryIndex.TABLE)));
        assertThat(stateOf(backendOver(rocks))).isEqualTo(expectedState());
    }

    // ---------------------------------------------------------------------------------------------
    // Refusals

    /** The string serializer under another id or version. */
    private static StateSerializer<String> stringAs(String id, int version) {
        return new StateSerializer<>() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public int version() {
                return version;
            }

            @Override
            public byte[] serialize(String value) {
                return Serializers.STRING.serialize(value);
            }

            @Override
            public String deserialize(byte[] bytes, int offset, int length) {
                return Serializers.STRING.deserialize(bytes, offset, length);
            }
        };
    }

    private byte[] smallPart(Backends kind, List<StateDescriptor<?>> states) {
        ByteStore store = newStore(kind, states);
        LayeredKeyedStateBackend backend = new LayeredKeyedStateBackend(store, states, newClock(), SETTINGS);
        for (int i = 0; i < 5; i++) {
            backend.setCurrentKey(bytes(user(i)));
            backend.valueState(PROFILE).update("p" + i);
            backend.listState(EVENTS).add("e" + i);
        }
        backend.commit(7);
        return export(exporter(states), store);
    }

    private void assertRefused(Backends kind, byte[] part, List<StateDescriptor<?>> now, String... message) {
        ByteStore target = newStore(kind, now);
        assertThatThrownBy(() -> importer(now).importPart(new ByteArrayInputStream(part), "test.part", target))
                .isInstanceOf(StateImportException.class)
                .hasMessageContainingAll(message);
        assertEmpty(target);
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void aStateWhoseKindChangedIsRefused(Backends kind) {
        byte[] part = smallPart(kind, List.of(PROFILE, EVENTS));
        StateDescriptor<?> profileAsList = StateDescriptor.list("profile", Serializers.STRING);
        assertRefused(kind, part, List.of(profileAsList, EVENTS), "'profile'", "value state", "list state");
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void anUnknownSerializerIsRefused(Backends kind) {
        byte[] part = smallPart(kind, List.of(PROFILE, EVENTS));
        StateDescriptor<?> otherEvents = StateDescriptor.list("events", stringAs("other-strings", 1));
        assertRefused(kind, part, List.of(PROFILE, otherEvents), "'events'", "'string'", "unknown");
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void aNewerSerializerVersionIsRefused(Backends kind) {
        StateDescriptor<?> newerEvents = StateDescriptor.list("events", stringAs("string", 3))
                .withTtl(EVENTS.ttl().get());
        byte[] part = smallPart(kind, List.of(PROFILE, newerEvents));
        assertRefused(kind, part, List.of(PROFILE, EVENTS), "'events'", "version 3", "version 1");
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void aStateNoLongerDeclaredIsLeftOut(Backends kind) {
        byte[] part = smallPart(kind, List.of(PROFILE, EVENTS));
        ByteStore target = newStore(kind, List.of(EVENTS));
        StateImport.Summary summary =
                importer(List.of(EVENTS)).importPart(new ByteArrayInputStream(part), "test.part", target);
        assertThat(summary.droppedStates()).containsExactly("profile");
        assertThat(summary.recordsPerState()).containsExactly(Map.entry("events", 5L));
        assertThat(target.position()).hasValue(7);
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void aDamagedPartIsRefusedNamingItsSource(Backends kind) {
        byte[] part = smallPart(kind, List.of(PROFILE, EVENTS));
        byte[] damaged = part.clone();
        damaged[damaged.length / 2] ^= 0x10;
        byte[] cut = Arrays.copyOf(part, part.length - 3);
        for (byte[] bad : List.of(damaged, cut)) {
            ByteStore target = newStore(kind, List.of(PROFILE, EVENTS));
            assertThatThrownBy(() -> importer(List.of(PROFILE, EVENTS))
                            .importPart(new ByteArrayInputStream(bad), "partition-3.part", target))
                    .isInstanceOf(PortableFormatException.class)
                    .hasMessageContaining("partition-3.part");
            assertEmpty(target);
        }
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void aStoreWithStateIsRefused(Backends kind) {
        byte[] part = smallPart(kind, List.of(PROFILE, EVENTS));
        ByteStore target = newStore(kind, List.of(PROFILE, EVENTS));
        new LayeredKeyedStateBackend(target, List.of(PROFILE, EVENTS), newClock(), SETTINGS);
        assertThatThrownBy(() -> importer(List.of(PROFILE, EVENTS))
                        .importPart(new ByteArrayInputStream(part), "test.part", target))
                .isInstanceOf(StateImportException.class)
                .hasMessageContaining("test.part");
    }

    /** Strings whose version 2 is upper case: version 1 payloads are upper-cased by the upgrade. */
    private static StateSerializer<String> caps(int version) {
        return new StateSerializer<>() {
            @Override
            public String id() {
                return "caps";
            }

            @Override
            public int version() {
                return version;
            }

            @Override
            public byte[] upgrade(int fromVersion, byte[] payload) {
                assertThat(fromVersion).isEqualTo(1);
                return new String(payload, StandardCharsets.UTF_8)
                        .toUpperCase(Locale.ROOT)
                        .getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public byte[] serialize(String value) {
                return Serializers.STRING.serialize(value);
            }

            @Override
            public String deserialize(byte[] bytes, int offset, int length) {
                return Serializers.STRING.deserialize(bytes, offset, length);
            }
        };
    }

    private static List<StateDescriptor<?>> capsStates(int version) {
        return List.of(
                StateDescriptor.value("profile", caps(version)).withTtl(TtlConfig.of(TTL)),
                StateDescriptor.list("events", caps(version)),
                StateDescriptor.map("attributes", caps(version), caps(version)).withTtl(TtlConfig.of(TTL)));
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void payloadsOfAnOlderSerializerVersionAreUpgradedOnImport(Backends kind) {
        List<StateDescriptor<?>> v1 = capsStates(1);
        ByteStore source = newStore(kind, v1);
        LayeredKeyedStateBackend writer = new LayeredKeyedStateBackend(source, v1, newClock(), SETTINGS);
        for (int i = 0; i < 6; i++) {
            writer.setCurrentKey(bytes(user(i)));
            writer.valueState(PartTypes.<ValueState<String>>of(v1.get(0))).update("p" + i);
            writer.listState(PartTypes.<ListState<String>>of(v1.get(1))).add("e" + i);
            writer.listState(PartTypes.<ListState<String>>of(v1.get(1))).add("f" + i);
            writer.mapState(PartTypes.<MapState<String, String>>of(v1.get(2))).put("k" + i, "v" + i);
        }
        writer.commit(9);
        byte[] part = export(exporter(v1), source);

        List<StateDescriptor<?>> v2 = capsStates(2);
        ByteStore target = newStore(kind, v2);
        StateImport.Summary summary = importer(v2).importPart(new ByteArrayInputStream(part), "test.part", target);
        assertThat(summary.upgraded()).as("values, elements and map values").isEqualTo(6 * 4);
        LayeredKeyedStateBackend imported = new LayeredKeyedStateBackend(target, v2, newClock(), SETTINGS);
        open.add(imported);
        for (int i = 0; i < 6; i++) {
            imported.setCurrentKey(bytes(user(i)));
            assertThat(imported.valueState(PartTypes.<ValueState<String>>of(v2.get(0)))
                            .value())
                    .isEqualTo("P" + i);
            assertThat(imported.listState(PartTypes.<ListState<String>>of(v2.get(1)))
                            .get())
                    .containsExactly("E" + i, "F" + i);
            assertThat(imported.mapState(PartTypes.<MapState<String, String>>of(v2.get(2)))
                            .entries())
                    .containsExactly(Map.entry("K" + i, "V" + i));
        }
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void mapKeysThatUpgradeToTheSameKeyAreRefused(Backends kind) {
        List<StateDescriptor<?>> v1 = capsStates(1);
        ByteStore source = newStore(kind, v1);
        LayeredKeyedStateBackend writer = new LayeredKeyedStateBackend(source, v1, newClock(), SETTINGS);
        writer.setCurrentKey(bytes(user(1)));
        writer.mapState(PartTypes.<MapState<String, String>>of(v1.get(2))).put("k1", "lower");
        writer.mapState(PartTypes.<MapState<String, String>>of(v1.get(2))).put("K1", "upper");
        writer.commit(9);
        byte[] part = export(exporter(v1), source);
        assertRefused(kind, part, capsStates(2), "'attributes'", "upgrade to the same key");
    }

    /** Typed views of descriptors built in a list. */
    private static final class PartTypes {
        @SuppressWarnings("unchecked")
        static <S> StateDescriptor<S> of(StateDescriptor<?> descriptor) {
            return (StateDescriptor<S>) descriptor;
        }
    }
}
