package io.loginstate.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.KeyedStateStore;
import io.loginstate.state.api.ListState;
import io.loginstate.state.api.MapState;
import io.loginstate.state.api.Serializers;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.TimeCharacteristic;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.api.ValueState;
import io.loginstate.state.rocksdb.RocksDBStore;
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.ttl.ExpiryIndex;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.testing.ManualClock;
import io.loginstate.testing.RawFiles;
import io.loginstate.testing.StoredTraces;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Erasing one user key: every state (TTL'd and plain) loses everything stored under it, live or
 * expired, with its expiry-index filings, within the transaction; the deadline purge then takes
 * the erased bytes out of every local file.
 */
class KeyErasureTest {

    private static final Duration TTL = Duration.ofHours(1);
    private static final Duration DEADLINE = Duration.ofMinutes(10);
    private static final long START = 1_790_000_000_000L;
    private static final String SUBJECT = "erase-subject-4711";
    private static final String OTHER = "other-user-0815";

    private static final TtlConfig TTL_CONFIG =
            TtlConfig.of(TTL).withTimeCharacteristic(TimeCharacteristic.PROCESSING_TIME);
    private static final StateDescriptor<ValueState<String>> PROFILE =
            StateDescriptor.value("profile", Serializers.STRING).withTtl(TTL_CONFIG);
    private static final StateDescriptor<ListState<String>> LOGINS =
            StateDescriptor.list("logins", Serializers.STRING).withTtl(TTL_CONFIG);
    private static final StateDescriptor<MapState<String, Long>> DEVICES =
            StateDescriptor.map("devices", Serializers.STRING, Serializers.LONG).withTtl(TTL_CONFIG);
    private static final StateDescriptor<ValueState<String>> NOTE = StateDescriptor.value("note", Serializers.STRING);
    private static final StateDescriptor<MapState<String, String>> TAGS =
            StateDescriptor.map("tags", Serializers.STRING, Serializers.STRING);
    private static final List<StateDescriptor<?>> STATES = List.of(PROFILE, LOGINS, DEVICES, NOTE, TAGS);

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(START);
    private final EventTimeClock time = new EventTimeClock(clock, Duration.ZERO, true, EventTimeClock.UNBOUNDED_SKEW);

    private LayeredKeyedStateBackend open(Backends kind) {
        ByteStore store = kind.open(dir.resolve("db"), LayeredKeyedStateBackend.tableNames(STATES));
        return new LayeredKeyedStateBackend(store, STATES, time, new TtlCleanupSettings(50, DEADLINE));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Writes a user's data in every state; an old device is written first so it expires. */
    private void write(LayeredKeyedStateBackend state, String user) {
        state.setCurrentKey(bytes(user));
        state.valueState(PROFILE).update("profile of " + user);
        state.listState(LOGINS).add("login of " + user);
        state.listState(LOGINS).add("second login of " + user);
        state.mapState(DEVICES).put("phone-of-" + user, 1L);
        state.mapState(DEVICES).put("laptop-of-" + user, 2L);
        state.valueState(NOTE).update("note on " + user);
        state.mapState(TAGS).put("tag-a", "a of " + user);
        state.mapState(TAGS).put("tag-b", "b of " + user);
    }

    /** Table name to raw keys of the committed state that hold the user's id. */
    private static List<String> storedKeysOf(ByteStore store, String user) {
        List<String> hits = new ArrayList<>();
        for (String table : store.tableNames()) {
            for (Map.Entry<byte[], byte[]> entry : store.committedTable(table).scan(new byte[0], null, 100_000)) {
                if (RawFiles.holds(entry.getKey(), user)) {
                    hits.add(table + ":" + new String(entry.getKey(), StandardCharsets.ISO_8859_1));
                }
            }
        }
        return hits;
    }

    private static List<String> indexKeysOf(ByteStore store, String user) {
        return storedKeysOf(store, user).stream()
                .filter(key -> key.startsWith(ExpiryIndex.TABLE + ":"))
                .toList();
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void eraseRemovesEverythingOfTheUserAndNothingElse(Backends kind) {
        try (LayeredKeyedStateBackend state = open(kind)) {
            time.advance(clock.millis());
            write(state, SUBJECT);
            write(state, OTHER);
            state.commit(1);
            // An entry that expires and is not cleaned up, then one filed in a later bucket.
            clock.advance(TTL.plusMinutes(5));
            time.advance(clock.millis());
            state.setCurrentKey(bytes(SUBJECT));
            state.mapState(DEVICES).put("tablet-of-" + SUBJECT, 3L);
            state.commit(2);
            assertThat(indexKeysOf(state.store(), SUBJECT)).hasSizeGreaterThanOrEqualTo(4);
            List<String> otherBefore = storedKeysOf(state.store(), OTHER);
            assertThat(otherBefore).isNotEmpty();

            // Abort undoes an erase.
            assertThat(state.erase(bytes(SUBJECT))).isTrue();
            state.abort();
            state.setCurrentKey(bytes(SUBJECT));
            assertThat(state.valueState(NOTE).value()).isEqualTo("note on " + SUBJECT);
            assertThat(state.mapState(DEVICES).get("tablet-of-" + SUBJECT)).isEqualTo(3L);

            assertThat(state.erase(bytes(SUBJECT))).isTrue();
            state.setCurrentKey(bytes(SUBJECT));
            assertThat(state.valueState(PROFILE).value()).isNull();
            assertThat(state.listState(LOGINS).get()).isEmpty();
            assertThat(state.mapState(DEVICES).entries()).isEmpty();
            assertThat(state.valueState(NOTE).value()).isNull();
            assertThat(state.mapState(TAGS).get("tag-a")).isNull();
            state.commit(3);

            assertThat(storedKeysOf(state.store(), SUBJECT))
                    .as("keys of the subject in any table, index included")
                    .isEmpty();
            assertThat(storedKeysOf(state.store(), OTHER)).isEqualTo(otherBefore);
            assertThat(state.read(view -> readAll(view, SUBJECT))).hasValue(List.of());
            assertThat(state.read(view -> readAll(view, OTHER)))
                    .hasValue(List.of("note on " + OTHER, "{tag-a=a of " + OTHER + ", tag-b=b of " + OTHER + "}"));

            assertThat(state.erase(bytes("never-seen"))).isFalse();
            assertThat(state.erase(bytes(SUBJECT))).isFalse();

            // A new write starts from nothing.
            state.setCurrentKey(bytes(SUBJECT));
            state.listState(LOGINS).add("fresh login");
            state.mapState(TAGS).put("tag-c", "c");
            state.commit(4);
            state.setCurrentKey(bytes(SUBJECT));
            assertThat(state.listState(LOGINS).get()).containsExactly("fresh login");
            assertThat(state.mapState(TAGS).entries()).isEqualTo(Map.of("tag-c", "c"));
            assertThat(state.valueState(PROFILE).value()).isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(Backends.class)
    void aWriteAfterAnEraseDoesNotBuildOnWhatTheStatesRememberedOfTheUser(Backends kind) {
        try (LayeredKeyedStateBackend state = open(kind)) {
            byte[] subject = bytes(SUBJECT);
            time.advance(clock.millis());
            state.setCurrentKey(subject);
            state.valueState(PROFILE).update("old profile");
            state.mapState(DEVICES).put("phone", 1L);
            state.commit(1);
            // Reads the states remember, so a read-modify-write reads storage once.
            assertThat(state.valueState(PROFILE).value()).isEqualTo("old profile");
            assertThat(state.mapState(DEVICES).get("phone")).isEqualTo(1L);

            assertThat(state.erase(subject)).isTrue();
            state.setCurrentKey(subject);
            state.valueState(PROFILE).update("new profile");
            state.mapState(DEVICES).put("phone", 2L);
            state.commit(2);

            assertThat(indexKeysOf(state.store(), SUBJECT))
                    .as("the new entries are filed in the expiry index, as new entries are")
                    .hasSize(2);
            state.setCurrentKey(subject);
            assertThat(state.valueState(PROFILE).value()).isEqualTo("new profile");
            assertThat(state.mapState(DEVICES).entries()).isEqualTo(Map.of("phone", 2L));
        }
    }

    /** The user's values in the plain states (the TTL'd ones expired for the other user too). */
    private static List<String> readAll(KeyedStateStore view, String user) {
        view.setCurrentKey(bytes(user));
        List<String> found = new ArrayList<>();
        String note = view.valueState(NOTE).value();
        if (note != null) {
            found.add(note);
        }
        if (!view.mapState(TAGS).isEmpty()) {
            found.add(view.mapState(TAGS).entries().toString());
        }
        if (view.valueState(PROFILE).value() != null
                || !view.listState(LOGINS).get().isEmpty()) {
            found.add("ttl state");
        }
        return found;
    }

    @ParameterizedTest
    @EnumSource(
            value = Backends.class,
            names = {"HEAP", "ROCKSDB"})
    void erasedBytesArePurgedFromEveryLocalFileWithinTheDeadline(Backends kind) {
        Path db = dir.resolve("db");
        try (LayeredKeyedStateBackend state = open(kind)) {
            boolean files = state.store().directory() != null;
            // Two flushed generations: the subject sits in more than one file.
            for (int round = 0; round < 2; round++) {
                time.advance(clock.millis());
                write(state, SUBJECT);
                for (int user = 0; user < 200; user++) {
                    write(state, OTHER + "-" + round + "-" + user);
                }
                state.commit(1 + round);
                if (files) {
                    flush(state.store());
                }
            }
            assertThat(state.unpurgedDeletionsSince()).isEqualTo(EventTimeClock.NO_TIME);
            if (files) {
                assertThat(filesHolding(db, SUBJECT)).as("positive control").hasSizeGreaterThanOrEqualTo(2);
            }

            clock.advance(Duration.ofMinutes(1));
            long erasedAt = clock.millis();
            assertThat(state.erase(bytes(SUBJECT))).isTrue();
            state.commit(3);
            assertThat(state.unpurgedDeletionsSince()).isNotEqualTo(EventTimeClock.NO_TIME);
            assertThat(state.unpurgedDeletionsSince()).isLessThanOrEqualTo(erasedAt);

            clock.advance(DEADLINE.dividedBy(2).plusSeconds(1));
            state.maintain();
            assertThat(state.unpurgedDeletionsSince()).isEqualTo(EventTimeClock.NO_TIME);
            if (files) {
                assertThat(filesHolding(db, SUBJECT))
                        .as("files holding the erased key")
                        .isEmpty();
                flush(state.store());
                assertThat(filesHolding(db, OTHER + "-0-0")).isNotEmpty();
            }
        }
        if (Files.exists(db)) {
            assertThat(filesHolding(db, SUBJECT)).as("after close").isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Backends.class,
            names = {"HEAP", "ROCKSDB"})
    void erasedBytesOfPlainStatesArePurgedToo(Backends kind) {
        List<StateDescriptor<?>> plain = List.of(NOTE, TAGS);
        Path db = dir.resolve("db");
        ByteStore store = kind.open(db, LayeredKeyedStateBackend.tableNames(plain));
        try (LayeredKeyedStateBackend state =
                new LayeredKeyedStateBackend(store, plain, time, new TtlCleanupSettings(50, DEADLINE))) {
            time.advance(clock.millis());
            for (String user : List.of(SUBJECT, OTHER)) {
                state.setCurrentKey(bytes(user));
                state.valueState(NOTE).update("note on " + user);
                state.mapState(TAGS).put("tag", "tag of " + user);
            }
            state.commit(1);
            boolean files = store.directory() != null;
            if (files) {
                flush(store);
                assertThat(filesHolding(db, SUBJECT)).as("positive control").isNotEmpty();
            }
            long erasedAt = clock.millis();
            assertThat(state.erase(bytes(SUBJECT))).isTrue();
            state.commit(2);
            assertThat(state.unpurgedDeletionsSince()).isLessThanOrEqualTo(erasedAt);

            clock.advance(DEADLINE.dividedBy(2).plusSeconds(1));
            state.maintain();
            assertThat(state.unpurgedDeletionsSince()).isEqualTo(EventTimeClock.NO_TIME);
            if (files) {
                assertThat(filesHolding(db, SUBJECT))
                        .as("files holding the erased key")
                        .isEmpty();
                assertThat(filesHolding(db, OTHER)).isNotEmpty();
            }
            state.setCurrentKey(bytes(OTHER));
            assertThat(state.mapState(TAGS).entries()).isEqualTo(Map.of("tag", "tag of " + OTHER));
        }
    }

    private static void flush(ByteStore store) {
        ((RocksDBStore) store).flush();
    }

    /** Files holding the text in their raw bytes, or (SST files) in a decoded key. */
    private static List<String> filesHolding(Path db, String text) {
        List<String> hits = new ArrayList<>(RawFiles.containing(db, text));
        try (Stream<Path> files = Files.list(db)) {
            for (Path sst :
                    files.filter(file -> file.toString().endsWith(".sst")).toList()) {
                if (sstKeysHold(sst, text)) {
                    hits.add("decoded " + sst.getFileName());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return hits;
    }

    /**
     * Whether a decoded key or value of the SST file holds the text; a file a background flush or
     * compaction is still writing is read once it is complete (or gone).
     */
    private static boolean sstKeysHold(Path sst, String text) {
        AtomicReference<Boolean> holds = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            holds.set(tryDecode(sst, text));
            return holds.get() != null;
        });
        return holds.get();
    }

    /** Null if the file cannot be read yet. */
    private static Boolean tryDecode(Path sst, String text) {
        return StoredTraces.tableHolds(sst, text).orElse(null);
    }
}
