package io.loginstate.login;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.state.Backends;
import io.loginstate.state.KeyedStateBackendBuilder;
import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.StateImport;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.plain.ValueFormat;
import io.loginstate.state.portable.PortableReader;
import io.loginstate.state.store.ByteStore;
import io.loginstate.testing.ManualClock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A savepoint part written with version 1 of the users serializer (format-1 aggregates) imports
 * into the current build: every user reads back exactly, and the stored aggregates are format 2.
 * The part under {@code src/test/resources/savepoints/v1/} was written by {@link
 * SavepointV1Fixture#main}; {@link #theCommittedPartIsWhatTheFixtureWrites} keeps the two in step.
 */
class SavepointV1FixtureTest {

    @TempDir
    Path dir;

    private static byte[] committedPart() throws IOException {
        try (InputStream in = SavepointV1FixtureTest.class.getResourceAsStream(SavepointV1Fixture.RESOURCE)) {
            assertThat(in).as(SavepointV1Fixture.RESOURCE).isNotNull();
            return in.readAllBytes();
        }
    }

    private static List<String> records(byte[] part) {
        List<String> records = new ArrayList<>();
        HexFormat hex = HexFormat.of();
        try (PortableReader reader = new PortableReader(new ByteArrayInputStream(part), "fixture")) {
            records.add(reader.tables() + " " + reader.properties());
            while (reader.next()) {
                records.add(reader.table() + " " + hex.formatHex(reader.key()) + " " + hex.formatHex(reader.subKey())
                        + " " + hex.formatHex(reader.value()));
            }
        }
        return records;
    }

    @Test
    void theCommittedPartIsWhatTheFixtureWrites() throws IOException {
        byte[] part = committedPart();
        assertThat(records(part)).isEqualTo(records(SavepointV1Fixture.write()));
        try (PortableReader reader = new PortableReader(new ByteArrayInputStream(part), "fixture")) {
            assertThat(reader.properties())
                    .containsEntry("state.users.serializer", "login.user-login-state")
                    .containsEntry("state.users.serializer-version", "1");
            while (reader.next()) {
                if (reader.tableName().equals("users")) {
                    assertThat(reader.value()).hasSize(ValueFormat.STAMP_BYTES + 33);
                    assertThat(reader.value()[ValueFormat.STAMP_BYTES]).isEqualTo((byte) 1);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Backends.class,
            names = {"HEAP", "ROCKSDB"})
    void versionOneImportsAndEveryUserReadsBackExactly(Backends kind) throws IOException {
        ManualClock clock = new ManualClock(SavepointV1Fixture.EXPORTED_AT + 60_000);
        LoginStates states = new LoginStates(SavepointV1Fixture.TTL);
        List<StateDescriptor<?>> descriptors = states.all();
        ByteStore store = kind.open(dir.resolve("db"), LayeredKeyedStateBackend.tableNames(descriptors));
        KeyedStateBackendBuilder builder = KeyedStateBackendBuilder.of(descriptors)
                .clock(clock)
                .eventTime(Duration.ZERO, true, Duration.ofMinutes(5))
                .cleanup(SavepointV1Fixture.SETTINGS);
        StateImport.Summary summary =
                builder.importer().importPart(new ByteArrayInputStream(committedPart()), "logins-0.part", store);
        assertThat(summary.upgraded()).isEqualTo(SavepointV1Fixture.USERS);
        assertThat(summary.expiredDropped()).isZero();

        try (LayeredKeyedStateBackend backend = builder.build(store)) {
            assertThat(backend.position()).hasValue(SavepointV1Fixture.NEXT_OFFSET);
            for (int i = 0; i < SavepointV1Fixture.USERS; i++) {
                byte[] key = SavepointV1Fixture.user(i).getBytes(StandardCharsets.UTF_8);
                backend.setCurrentKey(key);
                UserLoginState user = backend.valueState(states.user).value();
                int logins = SavepointV1Fixture.logins(i);
                int failures = SavepointV1Fixture.failures(i);
                assertThat(user.loginCount()).as("logins of user %d", i).isEqualTo(logins);
                assertThat(user.failedLoginCount()).as("failures of user %d", i).isEqualTo(failures);
                assertThat(user.firstSeen()).isEqualTo(SavepointV1Fixture.eventTime(i, 0));
                assertThat(user.lastLogin())
                        .isEqualTo(logins == 0 ? UserLoginState.NONE : SavepointV1Fixture.eventTime(i, logins - 1));
                int events = logins + failures;
                List<RecentLogin> recent = new ArrayList<>();
                for (int event = Math.max(0, events - LoginStates.RECENT_LOGINS); event < events; event++) {
                    recent.add(new RecentLogin(SavepointV1Fixture.eventTime(i, event), event < logins));
                }
                assertThat(backend.listState(states.recentLogins).get()).isEqualTo(recent);
                assertThat(backend.mapState(states.devices).entries()).hasSize(Math.min(3, (logins + 6) / 7));

                byte[] stored = store.committedTable("users").get(key);
                byte[] payload = Arrays.copyOfRange(stored, ValueFormat.payloadOffset(stored, 0), stored.length);
                assertThat(payload[0]).as("format of user %d", i).isEqualTo((byte) 2);
                assertThat(payload).hasSize(user.encodedSize()).isEqualTo(user.encode());
            }
        }
    }
}
