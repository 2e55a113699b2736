package io.loginstate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.loginstate.cli.CliStores.Run;
import io.loginstate.cli.CliStores.Store;
import io.loginstate.login.LoginApplication;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.processing.BatchOutcome;
import io.loginstate.processing.KeyPartitioner;
import io.loginstate.savepoint.ForgedManifests;
import io.loginstate.savepoint.OwnedPartitions;
import io.loginstate.savepoint.PartExporter;
import io.loginstate.savepoint.SavepointCatalog;
import io.loginstate.savepoint.SavepointCoordinator;
import io.loginstate.savepoint.SavepointManifest;
import io.loginstate.savepoint.SavepointSource;
import io.loginstate.savepoint.SavepointStatus;
import io.loginstate.state.KeyedStateBackendBuilder;
import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.StateExport;
import io.loginstate.state.StateImport;
import io.loginstate.state.api.StateSnapshot;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.heap.HeapStore;
import io.loginstate.state.ttl.TtlCleanupSettings;
import io.loginstate.testing.ExpectedLogins;
import io.loginstate.testing.ManualClock;
import io.loginstate.testing.ObjectStores;
import io.loginstate.testing.ObjectStores.Kind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@code savepoints} commands over a savepoint the production coordinator took of the login
 * application's state (its handler applying login events, exported by {@link StateExport}), in a
 * directory and in a real S3-compatible server: what they list, show, verify, dump, export and
 * import, how they report damage, and how they refuse wrong arguments.
 */
class SavepointsCliTest {

    @RegisterExtension
    static final ObjectStores STORES = new ObjectStores("cli-savepoints");

    private static final String TOPIC = "logins";
    private static final int PARTITIONS = 3;
    private static final int USERS = 20;
    private static final long START = Instant.now().minus(Duration.ofDays(2)).toEpochMilli();

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(System.currentTimeMillis());
    private final LoginApplication application = new LoginApplication(TtlConfig.of(Duration.ofDays(30)), 1 << 20);
    private final KeyedStateBackendBuilder states = KeyedStateBackendBuilder.of(application.stateDescriptors())
            .clock(clock)
            .eventTime(Duration.ofMinutes(5), true, Duration.ofMinutes(5))
            .cleanup(new TtlCleanupSettings(1000, Duration.ofHours(1)));
    private final Map<Integer, HeapStore> partitions = new HashMap<>();
    private final Map<Integer, Long> positions = new HashMap<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    /** Successful and failed logins per user. */
    private final Map<String, int[]> logins = new HashMap<>();

    @AfterEach
    void release() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private Store open(Kind kind) {
        Store opened = CliStores.open(STORES, kind, dir.resolve("store"));
        toClose.add(opened.store());
        return opened;
    }

    private Run run(Store store, String... args) {
        return CliStores.run(clock, store, args);
    }

    private static String user(int u) {
        return "user-" + u;
    }

    /**
     * Login events of {@link #USERS} users (one in three failed), each on the partition murmur2 puts
     * its user on, applied by the login application's handler to heap state committed after them.
     */
    private void applyLogins(int events) {
        Map<Integer, List<ConsumerRecord<byte[], byte[]>>> log = new HashMap<>();
        for (int i = 0; i < events; i++) {
            int u = (i * 7) % USERS;
            byte[] key = user(u).getBytes(StandardCharsets.UTF_8);
            int partition = KeyPartitioner.MURMUR2.partition(key, PARTITIONS);
            List<ConsumerRecord<byte[], byte[]>> records = log.computeIfAbsent(partition, p -> new ArrayList<>());
            boolean success = i % 3 != 0;
            logins.computeIfAbsent(user(u), ignored -> new int[2])[success ? 0 : 1]++;
            String json = ExpectedLogins.eventJson(
                    user(u), Long.toString(START + i * 1_000L), success ? "SUCCESS" : "FAILURE");
            records.add(
                    new ConsumerRecord<>(TOPIC, partition, records.size(), key, json.getBytes(StandardCharsets.UTF_8)));
        }
        for (int p = 0; p < PARTITIONS; p++) {
            HeapStore store = new HeapStore(TOPIC + "-" + p, states.tableNames());
            LayeredKeyedStateBackend backend = states.build(store);
            toClose.add(backend);
            List<ConsumerRecord<byte[], byte[]>> records = log.getOrDefault(p, List.of());
            application.create(new TopicPartition(TOPIC, p), backend).applyBatch(records, new BatchOutcome());
            backend.commit(records.size());
            partitions.put(p, store);
            positions.put(p, (long) records.size());
        }
    }

    /** The coordinator of one instance owning every partition, its parts exported from the heap state. */
    private SavepointCoordinator coordinator(ObjectStore store) {
        PartExporter exporter = (topic, partition, snapshot, out, properties) -> {
            StateExport.Summary summary = states.exporter().export(partitions.get(partition), out, properties);
            return new PartExporter.PartResult(summary.portable().records(), summary.properties());
        };
        OwnedPartitions owned = new OwnedPartitions() {
            @Override
            public List<Integer> owned() {
                return IntStream.range(0, PARTITIONS).boxed().toList();
            }

            @Override
            public OptionalInt partitionCount() {
                return OptionalInt.of(PARTITIONS);
            }

            @Override
            public Owner owner(int partition) {
                return new Owner(4, 9);
            }

            @Override
            public void checkStillOwner(int partition) {}

            @Override
            public CompletableFuture<StateSnapshot> snapshot(int partition, Path directory) {
                return CompletableFuture.completedFuture(new StateSnapshot(directory, positions.get(partition), START));
            }
        };
        SavepointCoordinator coordinator = new SavepointCoordinator(
                new SavepointCatalog(store),
                exporter,
                owned,
                new SavepointCoordinator.Settings(
                        TOPIC,
                        "murmur2",
                        "test-deployment",
                        "instance-a",
                        Map.of("ttl.duration", "P30D"),
                        Duration.ofDays(7),
                        Duration.ofSeconds(2),
                        Duration.ofMinutes(10),
                        Duration.ofSeconds(10),
                        dir.resolve("work")),
                clock,
                new SimpleMeterRegistry());
        toClose.add(coordinator);
        return coordinator;
    }

    /** A complete savepoint of 300 logins; returns its id. */
    private String takeSavepoint(ObjectStore store) {
        applyLogins(300);
        SavepointCoordinator coordinator = coordinator(store);
        String id = coordinator.request();
        coordinator.poll();
        assertThat(coordinator.status(id).state()).isEqualTo(SavepointStatus.COMPLETE);
        return id;
    }

    private static SavepointManifest manifest(ObjectStore store, String id) {
        return new SavepointCatalog(store).manifest(id).orElseThrow();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void listAndInspectShowTheSavepointItsPartsAndStates(Kind kind) throws Exception {
        Store store = open(kind);
        String id = takeSavepoint(store.store());
        String open = coordinator(store.store()).request();
        SavepointManifest manifest = manifest(store.store(), id);

        Run list = run(store, "savepoints", "list");

        assertThat(list.exitCode()).as(list.err()).isZero();
        List<String> lines = list.out().lines().toList();
        assertThat(lines.get(1)).contains("ID", "STATE", "PINNED", "TOPIC", "PARTITIONS", "CREATED", "SIZE");
        String row = lines.stream().filter(l -> l.startsWith(id)).findFirst().orElseThrow();
        assertThat(row.split("\\s+")).startsWith(id, "complete", "no", TOPIC, "3/3");
        assertThat(row).endsWith("test-deployment");
        String openRow =
                lines.stream().filter(l -> l.startsWith(open)).findFirst().orElseThrow();
        assertThat(openRow.split("\\s+")).startsWith(open, "open", "no", TOPIC, "0/3");

        Run inspect = run(store, "savepoints", "inspect", "--id", id);

        assertThat(inspect.exitCode()).as(inspect.err()).isZero();
        assertThat(inspect.out())
                .contains("Savepoint " + id + " of logins, complete")
                .contains("checksum " + manifest.checksum())
                .contains("users: value, serializer login.user-login-state v2")
                .contains("recent-logins: list, serializer login.recent-login v1")
                .contains("devices: map, serializer long v1, map keys long v1")
                .contains("ttl.duration = P30D");
        for (SavepointManifest.PartEntry part : manifest.parts()) {
            assertThat(part.records()).isPositive();
            assertThat(inspect.out())
                    .containsPattern("(?m)^    " + part.partition() + "\\s+" + part.nextOffset() + "\\s.*\\s"
                            + part.records() + "\\s.*\\s" + part.size() + "\\s+" + part.crc32c()
                            + "\\s+instance-a\\s+4\\s+" + part.key() + "$");
        }

        JsonNode json = Json.MAPPER.readTree(
                run(store, "savepoints", "inspect", "--id", id, "--json").out());
        assertThat(json.path("manifest").path("parts")).hasSize(PARTITIONS);
        assertThat(json.path("manifest").path("checksum").asText()).isEqualTo(manifest.checksum());

        Run progress = run(store, "savepoints", "inspect", "--id", open);
        assertThat(progress.exitCode()).as(progress.err()).isZero();
        assertThat(progress.out()).contains(", open").contains("0 of 3 written").containsPattern("0\\s+pending");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void verifyPassesThenNamesAFlippedPartAndADeletedPartAndExitsWith1(Kind kind) {
        Store store = open(kind);
        String id = takeSavepoint(store.store());
        SavepointManifest manifest = manifest(store.store(), id);

        Run clean = run(store, "savepoints", "verify", "--id", id);
        assertThat(clean.exitCode()).as(clean.out() + clean.err()).isZero();
        assertThat(clean.out()).contains("(manifest OK)").contains("3 parts: all OK");

        String flipped = manifest.part(0).key();
        byte[] bytes = store.store().get(flipped).orElseThrow();
        bytes[bytes.length / 2] ^= 0x01;
        store.store().put(flipped, bytes);
        String deleted = manifest.part(1).key();
        store.store().delete(deleted);

        Run damaged = run(store, "savepoints", "verify", "--id", id);

        assertThat(damaged.exitCode()).isEqualTo(1);
        assertThat(damaged.out())
                .containsPattern("logins-0 offset \\d+  DAMAGED")
                .contains("the part " + flipped + " is damaged")
                .containsPattern("logins-1 offset \\d+  DAMAGED")
                .contains("the part " + deleted + " its manifest names is missing")
                .containsPattern("logins-2 offset \\d+  OK")
                .contains("3 parts: 2 DAMAGED");

        Run quick = run(store, "savepoints", "verify", "--id", id, "--quick");
        assertThat(quick.exitCode())
                .as("sizes only: the deleted part is still found")
                .isEqualTo(1);
        assertThat(quick.out())
                .contains(deleted + " the manifest names is missing")
                .doesNotContain(flipped);

        Run manifestFlipped = flipManifestAndVerify(store, id);
        assertThat(manifestFlipped.exitCode()).isEqualTo(1);
        assertThat(manifestFlipped.out())
                .contains("Savepoint " + id + "  DAMAGED")
                .contains("_manifest.json");
    }

    @Test
    void verifyReadsEachPartToItsEndBehindAMatchingChecksum() {
        Store store = open(Kind.DIRECTORY);
        String id = takeSavepoint(store.store());
        String key = manifest(store.store(), id).part(2).key();
        byte[] part = store.store().get(key).orElseThrow();
        ForgedManifests.replacePart(store.store(), id, 2, Arrays.copyOf(part, part.length - 7));

        Run quick = run(store, "savepoints", "verify", "--id", id, "--quick");
        assertThat(quick.exitCode()).as("the sizes agree").isZero();

        Run verify = run(store, "savepoints", "verify", "--id", id);

        assertThat(verify.exitCode()).isEqualTo(1);
        assertThat(verify.out())
                .containsPattern("logins-2 offset \\d+  DAMAGED")
                .contains(key + ": ")
                .contains("3 parts: 1 DAMAGED");
    }

    private Run flipManifestAndVerify(Store store, String id) {
        String key = "savepoints/" + id + "/_manifest.json";
        String text = new String(store.store().get(key).orElseThrow(), StandardCharsets.UTF_8);
        assertThat(text).contains("P30D");
        store.store().put(key, text.replace("P30D", "P31D").getBytes(StandardCharsets.UTF_8));
        return run(store, "savepoints", "verify", "--id", id);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void dumpDecodesAUsersEntriesAndSaysSoOfAnUnknownUser(Kind kind) throws Exception {
        Store store = open(kind);
        String id = takeSavepoint(store.store());
        String user = user(3);
        int[] counts = logins.get(user);
        assertThat(counts[0]).as("successes").isPositive();
        assertThat(counts[1]).as("failures").isPositive();
        int partition = KeyPartitioner.MURMUR2.partition(user.getBytes(StandardCharsets.UTF_8), PARTITIONS);

        Run dump = run(store, "savepoints", "dump", "--id", id, "--user", user);

        assertThat(dump.exitCode()).as(dump.err()).isZero();
        assertThat(dump.err()).isEmpty();
        assertThat(dump.out())
                .contains("User '" + user + "' in savepoint " + id + ", partition " + partition + " of 3 (murmur2)")
                .contains("users: 1 entry")
                .contains("logins " + counts[0] + ", failed " + counts[1])
                .contains("recent-logins: 10 entries")
                .containsPattern("\\[9\\] \\d{4}-\\d\\d-\\d\\dT.*Z (success|failure)  \\(TTL stamp \\d{4}-")
                .contains("devices: 1 entry");

        JsonNode json = Json.MAPPER.readTree(run(store, "savepoints", "dump", "--id", id, "--user", user, "--json")
                .out());
        assertThat(json.path("found").asBoolean()).isTrue();
        assertThat(json.path("partition").asInt()).isEqualTo(partition);
        assertThat(json.path("states").path("users")).hasSize(1);
        assertThat(json.path("states").path("recent-logins")).hasSize(10);
        assertThat(json.path("states").path("devices")).hasSize(1);
        assertThat(json.path("states").path("devices").get(0).path("decoded").asBoolean())
                .isTrue();
        assertThat(json.path("states").path("users").get(0).path("stamp").asLong())
                .isPositive();

        Run unknown = run(store, "savepoints", "dump", "--id", id, "--user", "nobody-here");
        assertThat(unknown.exitCode()).as(unknown.err()).isZero();
        assertThat(unknown.out()).contains("User 'nobody-here' not found in savepoint " + id);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void eraseRewritesTheSavepointWithoutTheUserAndLeavesTheOthers(Kind kind) throws Exception {
        Store store = open(kind);
        String id = takeSavepoint(store.store());
        String user = user(3);
        String other = user(4);
        int partition = KeyPartitioner.MURMUR2.partition(user.getBytes(StandardCharsets.UTF_8), PARTITIONS);
        assertThat(run(store, "savepoints", "dump", "--id", id, "--user", user).out())
                .contains("users: 1 entry");

        Run erase = run(store, "savepoints", "erase", "--user", user);

        assertThat(erase.exitCode()).as(erase.err()).isZero();
        assertThat(erase.out())
                .contains(id + ": partition " + partition + " rewritten, 12 records removed")
                .doesNotContain(user);
        assertThat(run(store, "savepoints", "verify", "--id", id).exitCode()).isZero();
        assertThat(run(store, "savepoints", "dump", "--id", id, "--user", user).out())
                .contains("User '" + user + "' not found in savepoint " + id);
        assertThat(run(store, "savepoints", "dump", "--id", id, "--user", other).out())
                .contains("users: 1 entry")
                .contains("logins " + logins.get(other)[0] + ", failed " + logins.get(other)[1]);

        Run again = run(store, "savepoints", "erase", "--user", user, "--id", id);
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.out()).contains(id + ": partition " + partition + " holds no record of the user");
        assertThat(run(store, "savepoints", "erase", "--user", user, "--id", "no-such-savepoint")
                        .exitCode())
                .isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void eraseWithTheSubjectKeyStoresAndPrintsAReceiptThatNamesNoOne(Kind kind) throws Exception {
        Store store = open(kind);
        String id = takeSavepoint(store.store());
        String user = user(5);
        String key = "cli-test-subject-key-0001";

        assertThat(run(store, "erase", "--user", user, "--subject-key", "short").exitCode())
                .isEqualTo(2);
        Run erase = run(store, "erase", "--user", user, "--subject-key", key);

        assertThat(erase.exitCode()).as(erase.err()).isZero();
        assertThat(erase.out())
                .contains(id + ": partition ")
                .contains("rewritten")
                .doesNotContain(user);
        String subject = io.loginstate.erasure.SubjectKey.of(key).subject(user);
        io.loginstate.erasure.ErasureReceipts receipts = new io.loginstate.erasure.ErasureReceipts(store.store());
        List<io.loginstate.erasure.ErasureReceipt> stored = receipts.since(java.time.Instant.EPOCH);
        assertThat(stored).hasSize(1);
        io.loginstate.erasure.ErasureReceipt receipt = stored.get(0);
        assertThat(receipt.subject()).isEqualTo(subject);
        assertThat(receipt.complete()).isTrue();
        assertThat(receipt.stateFound()).isTrue();
        assertThat(receipt.steps().purgedFromSavepoints().detail()).startsWith("1 rewritten");
        assertThat(erase.out()).contains("Receipt " + receipt.erasureId()).contains(subject);
        assertThat(run(store, "savepoints", "dump", "--id", id, "--user", user).out())
                .contains("User '" + user + "' not found in savepoint " + id);

        Run again = run(store, "erase", "--user", user, "--subject-key", key);
        assertThat(again.exitCode()).isZero();
        List<io.loginstate.erasure.ErasureReceipt> both = receipts.since(java.time.Instant.EPOCH);
        assertThat(both).hasSize(2);
        assertThat(both.get(1).erasureId()).isEqualTo(receipt.erasureId() + "-2");
        assertThat(both.get(1).stateFound()).as("nothing left to find").isFalse();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void anExportedSavepointImportsUnderANewIdVerifiesAndRestores(Kind kind) throws Exception {
        Store store = open(kind);
        String id = takeSavepoint(store.store());
        Path exported = dir.resolve("exported");

        Run export = run(store, "savepoints", "export", "--id", id, "--to", exported.toString());
        assertThat(export.exitCode()).as(export.err()).isZero();
        assertThat(exported.resolve("_manifest.json")).isRegularFile();

        Run imported = run(store, "savepoints", "import", "--from", exported.toString(), "--id", "copy-1");
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(imported.out()).contains("Savepoint imported as copy-1");

        Run verify = run(store, "savepoints", "verify", "--id", "copy-1");
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out()).contains("3 parts: all OK");

        SavepointManifest original = manifest(store.store(), id);
        SavepointManifest copy = manifest(store.store(), "copy-1");
        assertThat(copy.createdAt()).isEqualTo(original.createdAt());
        assertThat(copy.states()).isEqualTo(original.states());
        assertThat(copy.stateConfig()).isEqualTo(original.stateConfig());
        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(copy.part(p).key()).startsWith("savepoints/copy-1/");
            assertThat(copy.part(p).crc32c()).isEqualTo(original.part(p).crc32c());
            assertThat(copy.part(p).records()).isEqualTo(original.part(p).records());
            assertThat(copy.part(p).nextOffset()).isEqualTo(original.part(p).nextOffset());
        }

        // Restores as the service restores a savepoint: checked against the topic, each part imported.
        SavepointSource source =
                new SavepointSource(new SavepointCatalog(store.store()), "copy-1", Duration.ofDays(7), clock);
        SavepointManifest checked = source.check(TOPIC, "murmur2", PARTITIONS);
        for (int p = 0; p < PARTITIONS; p++) {
            Path part = dir.resolve("restore-" + p);
            source.download(checked, p, part);
            StateImport.Summary summary;
            try (InputStream in = Files.newInputStream(part);
                    HeapStore target = new HeapStore("restored-" + p, states.tableNames())) {
                summary = states.importer().importPart(in, part.toString(), target);
            }
            assertThat(summary.nextOffset()).isEqualTo(positions.get(p));
            assertThat(summary.recordsPerState().values().stream()
                            .mapToLong(Long::longValue)
                            .sum())
                    .isEqualTo(original.part(p).records());
        }

        Run overExport = run(store, "savepoints", "export", "--id", "copy-1", "--to", exported.toString());
        assertThat(overExport.exitCode())
                .as("not into a directory holding another export")
                .isEqualTo(2);
        assertThat(overExport.err()).contains("exists and is not an empty directory");

        Run again = run(store, "savepoints", "import", "--from", exported.toString(), "--id", "copy-1");
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("already has a savepoint copy-1");
    }

    /** The savepoint of 3 partitions rewritten for 5: every record once, each user where murmur2 now puts it. */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void resplitWritesAVerifiedSavepointForMorePartitionsWithEveryUserWhereItNowGoes(Kind kind) throws Exception {
        Store store = open(kind);
        String id = takeSavepoint(store.store());

        Run resplit = run(store, "savepoints", "resplit", "--id", id, "--partitions", "5");

        assertThat(resplit.exitCode()).as(resplit.err()).isZero();
        String target = id + "-p5";
        assertThat(resplit.out()).contains("Wrote savepoint " + target + ": 5 partitions");
        SavepointManifest before = manifest(store.store(), id);
        SavepointManifest after = manifest(store.store(), target);
        assertThat(after.partitions()).isEqualTo(5);
        assertThat(after.parts().stream()
                        .mapToLong(SavepointManifest.PartEntry::records)
                        .sum())
                .isEqualTo(before.parts().stream()
                        .mapToLong(SavepointManifest.PartEntry::records)
                        .sum());
        for (int p = 0; p < 5; p++) {
            assertThat(after.part(p).nextOffset())
                    .isEqualTo(p < PARTITIONS ? before.part(p).nextOffset() : 0);
        }
        Run verify = run(store, "savepoints", "verify", "--id", target);
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        for (int u = 0; u < 12; u++) {
            String user = user(u);
            int partition = KeyPartitioner.MURMUR2.partition(user.getBytes(StandardCharsets.UTF_8), 5);
            Run dump = run(store, "savepoints", "dump", "--id", target, "--user", user);
            assertThat(dump.out())
                    .as(user)
                    .contains("partition " + partition + " of 5 (murmur2)")
                    .contains("logins " + logins.get(user)[0] + ", failed " + logins.get(user)[1]);
        }

        Run fewer = run(store, "savepoints", "resplit", "--id", id, "--partitions", "2");
        assertThat(fewer.exitCode()).isEqualTo(1);
        assertThat(fewer.err()).contains("only grow");
        Run again = run(store, "savepoints", "resplit", "--id", id, "--partitions", "5");
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("exists already");
        Run noCount = run(store, "savepoints", "resplit", "--id", id);
        assertThat(noCount.exitCode()).isEqualTo(2);
    }

    @Test
    void wrongOrMissingArgumentsExitWith2AndTheUsage() {
        Store store = open(Kind.DIRECTORY);
        String root = dir.resolve("store").toString();
        for (List<String> args : List.<List<String>>of(
                List.of("savepoints"),
                List.of("savepoints", "frobnicate", "--dir", root),
                List.of("savepoints", "inspect", "--dir", root),
                List.of("savepoints", "inspect", "--id", "not an id!", "--dir", root),
                List.of("savepoints", "verify", "--dir", root),
                List.of("savepoints", "dump", "--id", "x", "--dir", root),
                List.of("savepoints", "export", "--id", "x", "--dir", root),
                List.of("savepoints", "import", "--from", dir.resolve("nowhere").toString(), "--dir", root))) {
            Run run = CliStores.run(clock, Map.of(), args);
            assertThat(run.exitCode()).as("%s: %s", args, run.err()).isEqualTo(2);
            assertThat(run.out()).as("%s", args).isEmpty();
            assertThat(run.err()).as("%s", args).contains("Usage: login-state-cli");
        }
        Run missing = run(store, "savepoints", "inspect", "--id", "no-such-savepoint");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("No savepoint no-such-savepoint in");
    }
}
