package io.loginstate.savepoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loginstate.objectstore.ObjectInfo;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.objectstore.Versioned;
import io.loginstate.state.portable.PortableReader;
import io.loginstate.state.portable.PortableWriter;
import io.loginstate.support.Crc32c;
import io.loginstate.testing.ManualClock;
import io.loginstate.testing.ObjectStores;
import io.loginstate.testing.ObjectStores.Kind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SavepointEraserTest {

    @RegisterExtension
    static final ObjectStores STORES = new ObjectStores("erasure");

    private static final String ID = "sp-1";
    private static final String TOPIC = "logins";
    private static final List<String> TABLES = List.of("last-login", "devices");
    /** The users of each partition; alice is the one erased. */
    private static final List<List<String>> USERS =
            List.of(List.of("user-alice", "user-bob"), List.of("user-carol", "user-dave"), List.of("user-erin"));

    private static final long NEXT_OFFSET = 100;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);

    @TempDir
    Path dir;

    private ObjectStore store;

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void erasingAUserRewritesItsPartOnlyAndLeavesNoTraceOfIt(Kind kind) {
        store = STORES.open(kind, dir.resolve("store"));
        writeSavepoint(store);
        Map<Integer, List<Rec>> before = readAll(store);
        assertThat(traces(store, "user-alice")).isNotEmpty();

        SavepointEraser.EraseResult result = eraser(store).erase(ID, 0, key("user-alice"), Long.MAX_VALUE);

        assertThat(result.outcome()).isEqualTo(SavepointEraser.Outcome.REWRITTEN);
        assertThat(result.recordsRemoved()).isEqualTo(3);
        assertErasedAndOthersExact(store, before);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void anUnknownUserRewritesNothingAndANewerPartIsSkipped(Kind kind) {
        store = STORES.open(kind, dir.resolve("store"));
        writeSavepoint(store);
        SavepointManifest manifest = new SavepointCatalog(store).manifest(ID).orElseThrow();

        SavepointEraser eraser = eraser(store);
        assertThat(eraser.erase(ID, 0, key("user-nobody"), Long.MAX_VALUE).outcome())
                .isEqualTo(SavepointEraser.Outcome.NOT_PRESENT);
        assertThat(eraser.erase(ID, 0, key("user-alice"), NEXT_OFFSET - 1).outcome())
                .isEqualTo(SavepointEraser.Outcome.SKIPPED_NEWER);

        assertThat(new SavepointCatalog(store).manifest(ID)).contains(manifest);
        assertThat(traces(store, "user-alice")).isNotEmpty();
        assertThat(eraser.erase(ID, 0, key("user-alice"), NEXT_OFFSET).rewritten())
                .isTrue();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aCrashAfterTheNewPartOrAfterTheManifestIsFinishedByTheNextRun(Kind kind) {
        store = STORES.open(kind, dir.resolve("store"));
        writeSavepoint(store);
        Map<Integer, List<Rec>> before = readAll(store);

        ObjectStore failingManifest = failing(store, op -> op.startsWith("replace:"));
        assertThatThrownBy(() -> eraser(failingManifest).erase(ID, 0, key("user-alice"), Long.MAX_VALUE))
                .isInstanceOf(IllegalStateException.class);
        assertThat(store.list(SavepointLayout.prefix(ID)).stream()
                        .filter(o -> o.key().endsWith(".part")))
                .hasSize(4);
        assertThat(eraser(store).erase(ID, 0, key("user-alice"), Long.MAX_VALUE).rewritten())
                .isTrue();
        assertErasedAndOthersExact(store, before);

        writeSavepoint(store, "sp-2");
        ObjectStore failingAfterManifest = failing(store, op -> op.startsWith("put:") || op.startsWith("delete:"));
        assertThatThrownBy(() -> eraser(failingAfterManifest).erase("sp-2", 0, key("user-alice"), Long.MAX_VALUE))
                .isInstanceOf(IllegalStateException.class);
        assertThat(eraser(store)
                        .erase("sp-2", 0, key("user-alice"), Long.MAX_VALUE)
                        .outcome())
                .isEqualTo(SavepointEraser.Outcome.NOT_PRESENT);
        assertErasedAndOthersExact(store, before);

        assertThat(eraser(store).eraseEverywhere(0, key("user-alice"), Long.MAX_VALUE))
                .extracting(SavepointEraser.EraseResult::outcome)
                .containsExactly(SavepointEraser.Outcome.NOT_PRESENT, SavepointEraser.Outcome.NOT_PRESENT);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void anOpenSavepointIsPendingAndDeleteModeRewritesAPinnedOne(Kind kind) {
        store = STORES.open(kind, dir.resolve("store"));
        writeSavepoint(store);
        store.delete(SavepointLayout.manifest(ID));
        assertThat(eraser(store).erase(ID, 0, key("user-alice"), Long.MAX_VALUE).outcome())
                .isEqualTo(SavepointEraser.Outcome.PENDING);

        writeSavepoint(store, "sp-2");
        writeSavepoint(store, "sp-3");
        new SavepointCatalog(store).pin("sp-3", true);
        SavepointEraser eraser = eraser(store);
        assertThat(eraser.delete("sp-2", 0, key("user-alice"), Long.MAX_VALUE).outcome())
                .isEqualTo(SavepointEraser.Outcome.DELETED);
        assertThat(store.list(SavepointLayout.prefix("sp-2"))).isEmpty();
        assertThat(eraser.delete("sp-3", 0, key("user-alice"), Long.MAX_VALUE).outcome())
                .isEqualTo(SavepointEraser.Outcome.REWRITTEN);
        assertThat(new SavepointCatalog(store).request("sp-3").orElseThrow().pinned())
                .isTrue();
    }

    private SavepointEraser eraser(ObjectStore objects) {
        return new SavepointEraser(new SavepointCatalog(objects), clock, dir.resolve("work"));
    }

    /** Every part of every complete savepoint verifies; alice is gone from partition 0, the rest exact. */
    private void assertErasedAndOthersExact(ObjectStore objects, Map<Integer, List<Rec>> before) {
        SavepointCatalog catalog = new SavepointCatalog(objects);
        for (String id : catalog.listAll().keySet()) {
            Map<Integer, List<Rec>> after = readAll(objects, id);
            for (int p = 0; p < USERS.size(); p++) {
                List<Rec> expected = before.get(p).stream()
                        .filter(rec -> !rec.key().equals("user-alice"))
                        .toList();
                assertThat(after.get(p)).as("partition %d of %s", p, id).isEqualTo(expected);
                PartSummary summary = catalog.summary(id, TOPIC, p).orElseThrow();
                SavepointManifest.PartEntry entry =
                        catalog.manifest(id).orElseThrow().part(p);
                assertThat(summary.key()).isEqualTo(entry.key());
                assertThat(summary.crc32c()).isEqualTo(entry.crc32c());
                assertThat(entry.records()).isEqualTo(expected.size());
            }
        }
        assertThat(traces(objects, "user-alice")).isEmpty();
        assertThat(traces(objects, "user-bob")).isNotEmpty();
    }

    /** The objects under savepoints/ whose bytes, or whose decoded records, hold {@code user}. */
    private static List<String> traces(ObjectStore objects, String user) {
        List<String> found = new ArrayList<>();
        for (ObjectInfo object : objects.list(SavepointLayout.ROOT)) {
            byte[] bytes = objects.get(object.key()).orElseThrow();
            boolean raw = new String(bytes, StandardCharsets.ISO_8859_1).contains(user);
            boolean decoded = object.key().endsWith(".part")
                    && decode(bytes, object.key()).stream()
                            .anyMatch(rec -> rec.toString().contains(user));
            if (raw || decoded) {
                found.add(object.key());
            }
        }
        return found;
    }

    private Map<Integer, List<Rec>> readAll(ObjectStore objects) {
        return readAll(objects, ID);
    }

    /** Every part through {@link SavepointSource}, which checks size and CRC-32C against the manifest. */
    private Map<Integer, List<Rec>> readAll(ObjectStore objects, String id) {
        SavepointCatalog catalog = new SavepointCatalog(objects);
        SavepointSource source = new SavepointSource(catalog, id, Duration.ofDays(1), clock);
        SavepointManifest manifest = source.check(TOPIC, "murmur2", USERS.size());
        Map<Integer, List<Rec>> records = new TreeMap<>();
        for (int p = 0; p < USERS.size(); p++) {
            Path file = dir.resolve("read-" + id + "-" + p);
            source.download(manifest, p, file);
            records.put(p, decode(file));
        }
        return records;
    }

    private static List<Rec> decode(Path file) {
        try {
            return decode(java.nio.file.Files.readAllBytes(file), file.toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<Rec> decode(byte[] bytes, String source) {
        List<Rec> records = new ArrayList<>();
        try (PortableReader reader = new PortableReader(new ByteArrayInputStream(bytes), source)) {
            while (reader.next()) {
                records.add(new Rec(
                        reader.table(),
                        new String(reader.key(), StandardCharsets.UTF_8),
                        new String(reader.subKey(), StandardCharsets.UTF_8),
                        new String(reader.value(), StandardCharsets.UTF_8)));
            }
        }
        return records;
    }

    private record Rec(int table, String key, String subKey, String value) {}

    private static byte[] key(String user) {
        return user.getBytes(StandardCharsets.UTF_8);
    }

    private void writeSavepoint(ObjectStore objects) {
        writeSavepoint(objects, ID);
    }

    /** A complete savepoint as the coordinator leaves one: request, parts, summaries, manifest. */
    private void writeSavepoint(ObjectStore objects, String id) {
        SavepointCatalog catalog = new SavepointCatalog(objects);
        Instant now = clock.instant();
        assertThat(catalog.create(new SavepointRequest(
                        SavepointRequest.FORMAT_VERSION, id, TOPIC, USERS.size(), "murmur2", "d1", now, "test", false)))
                .isTrue();
        List<SavepointManifest.PartEntry> entries = new ArrayList<>();
        for (int p = 0; p < USERS.size(); p++) {
            Map<String, String> header = Map.of(
                    "savepoint.id", id, "partition", Integer.toString(p), "next-offset", Long.toString(NEXT_OFFSET));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PortableWriter writer = new PortableWriter(out, TABLES, header);
            for (String user : USERS.get(p)) {
                writer.write(0, key(user), null, key("ip 10.0.0.1 of " + user));
            }
            for (String user : USERS.get(p)) {
                writer.write(1, key(user), key("phone"), key("agent of " + user));
                writer.write(1, key(user), key("tablet"), key("agent of " + user));
            }
            long records = writer.finish().records();
            byte[] bytes = out.toByteArray();
            String partKey = SavepointLayout.part(id, TOPIC, p, 3, 7, "a1");
            objects.put(partKey, bytes);
            PartSummary summary = new PartSummary(
                    TOPIC,
                    p,
                    partKey,
                    bytes.length,
                    Crc32c.of(bytes),
                    records,
                    NEXT_OFFSET,
                    5_000,
                    "instance-" + p,
                    3,
                    7,
                    now,
                    header);
            objects.put(SavepointLayout.summary(id, TOPIC, p), summary.toJson());
            entries.add(SavepointManifest.PartEntry.of(summary));
        }
        assertThat(catalog.writeManifest(new SavepointManifest(
                        SavepointManifest.FORMAT_VERSION,
                        id,
                        TOPIC,
                        USERS.size(),
                        "murmur2",
                        now,
                        Map.of(),
                        "d1",
                        Map.of(),
                        entries,
                        null)))
                .isTrue();
    }

    /** A store that throws at the first operation {@code failOn} accepts ("put:", "replace:", "delete:" + key). */
    private static ObjectStore failing(ObjectStore delegate, Predicate<String> failOn) {
        return new ObjectStore() {
            private void check(String op) {
                if (failOn.test(op)) {
                    throw new IllegalStateException("crash at " + op);
                }
            }

            @Override
            public String name() {
                return delegate.name();
            }

            @Override
            public void put(String key, Path file) {
                delegate.put(key, file);
            }

            @Override
            public void put(String key, byte[] bytes) {
                check("put:" + key);
                delegate.put(key, bytes);
            }

            @Override
            public boolean putIfAbsent(String key, byte[] bytes) {
                return delegate.putIfAbsent(key, bytes);
            }

            @Override
            public boolean replaceIfMatch(String key, byte[] bytes, String expectedVersion) {
                check("replace:" + key);
                return delegate.replaceIfMatch(key, bytes, expectedVersion);
            }

            @Override
            public Optional<byte[]> get(String key) {
                return delegate.get(key);
            }

            @Override
            public Optional<Versioned> getVersioned(String key) {
                return delegate.getVersioned(key);
            }

            @Override
            public void download(String key, Path target) {
                delegate.download(key, target);
            }

            @Override
            public List<ObjectInfo> list(String prefix) {
                return delegate.list(prefix);
            }

            @Override
            public void delete(String key) {
                check("delete:" + key);
                delegate.delete(key);
            }

            @Override
            public boolean exists(String key) {
                return delegate.exists(key);
            }

            @Override
            public void close() {}
        };
    }
}
