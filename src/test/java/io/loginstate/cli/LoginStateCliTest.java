package io.loginstate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.loginstate.checkpoint.CheckpointCatalog;
import io.loginstate.checkpoint.CheckpointLayout;
import io.loginstate.checkpoint.CheckpointManifest;
import io.loginstate.checkpoint.OwnershipFence;
import io.loginstate.cli.CliStores.Run;
import io.loginstate.cli.CliStores.Store;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.state.api.Serializers;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.api.ValueState;
import io.loginstate.testing.CheckpointWriter;
import io.loginstate.testing.ManualClock;
import io.loginstate.testing.ObjectStores;
import io.loginstate.testing.ObjectStores.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The operator command line over checkpoints the production checkpointer wrote from real RocksDB
 * state, in a directory and in a real S3-compatible server, run in-process as picocli runs it:
 * what it lists, shows and verifies, how it reports damage, and how it refuses wrong arguments.
 */
class LoginStateCliTest {

    @RegisterExtension
    static final ObjectStores STORES = new ObjectStores("cli-checkpoints");

    private static final String DEPLOYMENT = "test-deployment";
    private static final StateDescriptor<ValueState<String>> PROFILE =
            StateDescriptor.value("profile", Serializers.STRING).withTtl(TtlConfig.of(Duration.ofHours(1)));
    private static final List<StateDescriptor<?>> DESCRIPTORS = List.of(PROFILE);

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(System.currentTimeMillis());
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private CheckpointWriter writer;

    @BeforeEach
    void writer() {
        writer = new CheckpointWriter(dir, clock);
    }

    @AfterEach
    void release() throws Exception {
        writer.close();
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private Store open(Kind kind) {
        Store opened = CliStores.open(STORES, kind, dir.resolve("store"));
        toClose.add(opened.store());
        return opened;
    }

    /**
     * Partition 0 of {@code logins} with checkpoints at offsets 100 and 150, partition 1 with one
     * at offset 70, written by the production checkpointer (owner epoch 5) from RocksDB state.
     */
    private void writeCheckpoints(ObjectStore store) throws Exception {
        writer.write(store, 0, 5, 100, 150);
        writer.write(store, 1, 5, 70);
    }

    private Run run(Map<String, String> environment, List<String> args) {
        return CliStores.run(clock, environment, args);
    }

    private Run run(Store store, String... args) {
        return CliStores.run(clock, store, args);
    }

    private static CheckpointLayout layout(int partition) {
        return CheckpointLayout.of(DEPLOYMENT, "logins", partition);
    }

    private static OwnershipFence.Latest latest(ObjectStore store, int partition) {
        return new OwnershipFence(store, layout(partition).partitionPrefix())
                .read()
                .orElseThrow();
    }

    private static CheckpointCatalog.Contents contents(ObjectStore store, int partition) {
        return new CheckpointCatalog(store).contents(CheckpointCatalog.partition(DEPLOYMENT, "logins", partition));
    }

    private static CheckpointManifest latestManifest(ObjectStore store, int partition) {
        return contents(store, partition)
                .manifest(latest(store, partition).checkpoint())
                .orElseThrow();
    }

    private static void flipByte(ObjectStore store, String key, int at) {
        byte[] bytes = store.get(key).orElseThrow();
        bytes[at] ^= 0x01;
        store.put(key, bytes);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void listShowsEachPartitionsLatestCheckpointWithItsOffsetOwnerAndRetainedCount(Kind kind) throws Exception {
        Store store = open(kind);
        writeCheckpoints(store.store());

        Run list = run(store, "checkpoints", "list");

        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.err()).isEmpty();
        List<String> lines = list.out().lines().toList();
        assertThat(lines.get(1)).contains("DEPLOYMENT", "PARTITION", "CHECKPOINT", "OFFSET", "EPOCH", "RETAINED");
        String partition0 = CheckpointCatalog.idText(latest(store.store(), 0).checkpoint());
        String partition1 = CheckpointCatalog.idText(latest(store.store(), 1).checkpoint());
        assertThat(lines.get(2).split("\\s+"))
                .startsWith(DEPLOYMENT, "0", partition0, "150")
                .contains("5", "2");
        assertThat(lines.get(3).split("\\s+"))
                .startsWith(DEPLOYMENT, "1", partition1, "70")
                .contains("5", "1");
        assertThat(lines).hasSize(4);

        Run json = run(store, "checkpoints", "list", "--json");
        assertThat(json.exitCode()).isZero();
        JsonNode rows = Json.MAPPER.readTree(json.out());
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).path("offset").asLong()).isEqualTo(150);
        assertThat(rows.get(0).path("latest").path("epoch").asLong()).isEqualTo(5);
        assertThat(rows.get(0).path("retained").asInt()).isEqualTo(2);
        assertThat(rows.get(1).path("partition").asInt()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void readsTheStoreFromTheServicesEnvironmentVariables(Kind kind) throws Exception {
        Store store = open(kind);
        writeCheckpoints(store.store());
        Map<String, String> environment = new LinkedHashMap<>(store.environment());
        environment.put("LOGIN_STATE_GROUP_ID", DEPLOYMENT);

        Run list = run(environment, List.of("checkpoints", "list"));

        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out()).contains(DEPLOYMENT + "  0", DEPLOYMENT + "  1");

        environment.put("LOGIN_STATE_GROUP_ID", "another-deployment");
        assertThat(run(environment, List.of("checkpoints", "list")).out())
                .as("the deployment comes from the consumer group, as in the service")
                .contains("No checkpoints of topic 'logins' of deployment 'another-deployment'");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void inspectShowsTheWholeManifestAndTheOwnerClaim(Kind kind) throws Exception {
        Store store = open(kind);
        writeCheckpoints(store.store());
        CheckpointManifest manifest = latestManifest(store.store(), 0);
        OwnershipFence.Latest latest = latest(store.store(), 0);

        Run inspect = run(store, "checkpoints", "inspect", "--partition", "0");

        assertThat(inspect.exitCode()).as(inspect.err()).isZero();
        assertThat(inspect.out())
                .contains("Checkpoint " + CheckpointCatalog.idText(manifest.checkpointId()))
                .contains(contents(store.store(), 0).manifestKey(manifest.checkpointId()))
                .contains("yes, the latest")
                .contains("epoch 5, claim " + latest.claim())
                .contains("150 (the next offset to apply)")
                .contains("checksum " + manifest.checksum())
                .contains("test = true");
        for (CheckpointManifest.FileEntry file : manifest.files()) {
            assertThat(inspect.out())
                    .containsPattern(
                            file.name() + "\\s.*\\s" + file.size() + "\\s+" + file.crc32c() + "\\s+" + file.key());
        }

        long earlier = latest.previous().get(0);
        Run json = run(
                store,
                "checkpoints",
                "inspect",
                "--partition",
                "0",
                "--checkpoint",
                CheckpointCatalog.idText(earlier),
                "--json");
        assertThat(json.exitCode()).as(json.err()).isZero();
        JsonNode node = Json.MAPPER.readTree(json.out());
        assertThat(node.path("published").asBoolean()).isTrue();
        assertThat(node.path("latest").path("checkpoint").asLong()).isEqualTo(latest.checkpoint());
        assertThat(node.path("manifest").path("offset").asLong()).isEqualTo(100);
        assertThat(node.path("manifest").path("files"))
                .hasSize(contents(store.store(), 0)
                        .manifest(earlier)
                        .orElseThrow()
                        .files()
                        .size());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void verifyPassesThenNamesAFlippedTableFileAndADeletedObjectAndExitsWith1(Kind kind) throws Exception {
        Store store = open(kind);
        writeCheckpoints(store.store());

        Run clean = run(store, "checkpoints", "verify");
        assertThat(clean.exitCode()).as(clean.out() + clean.err()).isZero();
        assertThat(clean.out())
                .contains("3 checkpoints in 2 partitions: all OK")
                .doesNotContain("DAMAGED");

        CheckpointManifest manifest = latestManifest(store.store(), 0);
        CheckpointManifest.FileEntry table = manifest.files().stream()
                .filter(f -> f.name().endsWith(".sst"))
                .filter(f -> f.key().startsWith(layout(0).partitionPrefix() + "/files/"))
                .findFirst()
                .orElseThrow();
        flipByte(store.store(), table.key(), (int) (table.size() / 2));
        CheckpointManifest.FileEntry deleted = latestManifest(store.store(), 1).files().stream()
                .filter(f -> !f.name().endsWith(".sst") && f.size() > 0)
                .findFirst()
                .orElseThrow();
        store.store().delete(deleted.key());

        Run damaged = run(store, "checkpoints", "verify");

        assertThat(damaged.exitCode()).isEqualTo(1);
        assertThat(damaged.out())
                .contains(table.key() + " has CRC-32C ")
                .contains(deleted.key() + " is missing")
                .containsPattern("checkpoint " + CheckpointCatalog.idText(manifest.checkpointId())
                        + " \\(latest\\) offset 150  DAMAGED")
                .contains("DAMAGED");

        Run quick = run(store, "checkpoints", "verify", "--quick");
        assertThat(quick.exitCode())
                .as("sizes only: the deleted object is still found")
                .isEqualTo(1);
        assertThat(quick.out()).contains(deleted.key() + " is missing").doesNotContain(table.key());

        Run one = run(store, "checkpoints", "verify", "--partition", "1");
        assertThat(one.out()).doesNotContain("logins-0");
        assertThat(one.exitCode()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aManifestWithAFlippedBitIsOneLineNamingItsKeyAndExit1(Kind kind) throws Exception {
        Store store = open(kind);
        writeCheckpoints(store.store());
        long id = latest(store.store(), 0).checkpoint();
        String key = contents(store.store(), 0).manifestKey(id);
        byte[] bytes = store.store().get(key).orElseThrow();
        int offsetAt =
                new String(bytes, StandardCharsets.UTF_8).indexOf("\"offset\" : 150") + "\"offset\" : 1".length();
        flipByte(store.store(), key, offsetAt);

        Run inspect = run(store, "checkpoints", "inspect", "--partition", "0");

        assertThat(inspect.exitCode()).isEqualTo(1);
        assertThat(inspect.out()).isEmpty();
        assertThat(inspect.err().lines()).hasSize(1);
        assertThat(inspect.err())
                .startsWith("login-state-cli: '" + key + "' is not a readable checkpoint manifest")
                .contains("is damaged")
                .doesNotContain("\tat ");

        Run verbose = run(store, "checkpoints", "inspect", "--partition", "0", "--verbose");
        assertThat(verbose.exitCode()).isEqualTo(1);
        assertThat(verbose.err()).contains("\tat io.loginstate.");

        Run list = run(store, "checkpoints", "list");
        assertThat(list.exitCode()).isEqualTo(1);
        assertThat(list.err().lines()).hasSize(1).allMatch(line -> line.contains(key));

        Run verify = run(store, "checkpoints", "verify");
        assertThat(verify.exitCode()).isEqualTo(1);
        assertThat(verify.out()).contains(key).contains("1 DAMAGED");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aDamagedLatestAndAMissingCheckpointAreNamedWithExit1(Kind kind) throws Exception {
        Store store = open(kind);
        writeCheckpoints(store.store());
        String latestKey = contents(store.store(), 1).latestKey();
        store.store().put(latestKey, "{\"epoch\":5}".getBytes(StandardCharsets.UTF_8));

        Run list = run(store, "checkpoints", "list");
        assertThat(list.exitCode()).isEqualTo(1);
        assertThat(list.out()).containsPattern(DEPLOYMENT + "\\s+0\\s+1-2\\s+150\\s");
        assertThat(list.out()).containsPattern(DEPLOYMENT + "\\s+1\\s.*DAMAGED");
        assertThat(list.err().lines())
                .singleElement()
                .asString()
                .contains("'" + latestKey + "' is not a LATEST record (no 'checkpoint')");

        Run verify = run(store, "checkpoints", "verify");
        assertThat(verify.exitCode()).isEqualTo(1);
        assertThat(verify.out())
                .contains("LATEST  DAMAGED", latestKey)
                .contains("checkpoint 1-1 (publication unknown) offset 70  OK")
                .contains("3 checkpoints in 2 partitions: 1 LATEST DAMAGED");

        long unknown = CheckpointCatalog.parseId("7-1");
        Run inspect = run(store, "checkpoints", "inspect", "--partition", "0", "--checkpoint", "7-1");
        assertThat(inspect.exitCode()).isEqualTo(1);
        assertThat(inspect.err().lines())
                .singleElement()
                .asString()
                .contains("'" + contents(store.store(), 0).manifestKey(unknown) + "' is missing")
                .contains("1-1, 1-2");
    }

    @Test
    void checkpointsOfSeveralDeploymentsAndOfTheLayoutBeforeDeploymentsAreToldApart() throws Exception {
        Store store = open(Kind.DIRECTORY);
        writeCheckpoints(store.store());
        writer.writeLegacy(store.store(), 0, 2, 30);

        Run list = run(store, "checkpoints", "list");
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out().lines().skip(2))
                .as("the deployment's partitions, then the layout before deployment ids")
                .hasSize(3)
                .satisfies(
                        rows -> assertThat(rows.get(2)).matches("\\(before deployment ids\\)\\s+0\\s+1-1\\s+30\\s.*"));

        Run ambiguous = run(store, "checkpoints", "inspect", "--partition", "0");
        assertThat(ambiguous.exitCode()).isEqualTo(2);
        assertThat(ambiguous.err())
                .startsWith("Partition 0 has checkpoints in several deployments (" + DEPLOYMENT
                        + ", (before deployment ids)): name one with --deployment");

        Run named = run(store, "checkpoints", "inspect", "--partition", "0", "--deployment", DEPLOYMENT);
        assertThat(named.exitCode()).as(named.err()).isZero();
        assertThat(named.out()).contains("150 (the next offset to apply)");

        Run verify = run(store, "checkpoints", "verify", "--partition", "0");
        assertThat(verify.exitCode()).as(verify.out()).isZero();
        assertThat(verify.out())
                .contains("logins-0, deployment (before deployment ids) (logins/0/)")
                .contains("3 checkpoints in 2 partitions: all OK");
    }

    @Test
    void wrongOrMissingArgumentsExitWith2AndTheUsage() throws Exception {
        Store store = open(Kind.DIRECTORY);
        writeCheckpoints(store.store());

        for (List<String> args : List.<List<String>>of(
                List.of(),
                List.of("checkpoints"),
                List.of("checkpoints", "frobnicate"),
                List.of(
                        "checkpoints",
                        "inspect",
                        "--store",
                        "directory",
                        "--dir",
                        dir.resolve("store").toString()),
                List.of("checkpoints", "list", "--store", "ftp", "--dir", dir.toString()),
                List.of("checkpoints", "list", "--store", "directory"),
                List.of(
                        "checkpoints",
                        "list",
                        "--store",
                        "directory",
                        "--dir",
                        dir.resolve("nowhere").toString()),
                List.of("checkpoints", "list", "--store", "s3", "--access-key-id", "only-the-id"),
                List.of("checkpoints", "verify", "--partition", "one", "--dir", dir.toString()),
                List.of(
                        "checkpoints",
                        "inspect",
                        "--partition",
                        "0",
                        "--checkpoint",
                        "latest",
                        "--dir",
                        dir.resolve("store").toString()))) {
            Run run = run(Map.of(), args);
            assertThat(run.exitCode()).as("%s: %s", args, run.err()).isEqualTo(2);
            assertThat(run.out()).as("%s", args).isEmpty();
            assertThat(run.err()).as("%s", args).contains("Usage: login-state-cli");
        }
        assertThat(run(Map.of(), List.of("checkpoints", "list", "--store", "directory"))
                        .err())
                .startsWith("--store directory needs --dir PATH");
        assertThat(run(Map.of(), List.of("checkpoints", "list", "--help")).exitCode())
                .isZero();
    }
}
