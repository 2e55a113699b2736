package io.loginstate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.objectstore.DirectoryObjectStore;
import io.loginstate.savepoint.SavepointCatalog;
import io.loginstate.savepoint.SavepointManifest;
import io.loginstate.testing.BrokerFixture;
import io.loginstate.testing.ExpectedLogins;
import io.loginstate.testing.ServiceProcess;
import io.loginstate.testing.TestProducers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged service as a separate JVM against a real broker: state survives a graceful restart
 * and a SIGKILL from the local RocksDB state, and processing resumes from the stored position
 * without applying any record twice.
 */
class ServiceRestartIT {

    private static final String TOPIC = "logins";
    private static final int PARTITIONS = 4;
    private static final int USERS = 300;
    private static final Duration PROCESSING_TIMEOUT = Duration.ofSeconds(120);

    private static BrokerFixture kafka;
    private final ExpectedLogins expected = new ExpectedLogins();
    private final Random random = new Random(7);
    private long produced;
    // Recent enough that no login expires under the default 30-day TTL during the test.
    private long clock = Instant.now().minus(Duration.ofDays(2)).toEpochMilli();

    @BeforeAll
    static void startBroker() throws Exception {
        kafka = BrokerFixture.start("login-state-restart", TOPIC, PARTITIONS);
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void stateSurvivesRestartsAndProcessingResumesWithoutDoubleCounting() throws Exception {
        Map<String, String> settings = Map.of(
                "kafka.bootstrap.servers",
                kafka.bootstrapServers(),
                "login-state.state-dir",
                kafka.workDir().resolve("state").toString(),
                "login-state.object-store.directory.path",
                kafka.workDir().resolve("checkpoints").toString(),
                // A killed member holds its partitions until its session expires: keep that short.
                "mp.messaging.incoming.logins.session.timeout.ms",
                "6000",
                "mp.messaging.incoming.logins.heartbeat.interval.ms",
                "1000",
                "login-state.savepoint.on-shutdown",
                "true");
        Path log = Path.of("target", "it-logs", "restart.log");

        produce(4_000);
        try (ServiceProcess service = ServiceProcess.start(settings, List.of(), log)) {
            awaitAllApplied(service);
            assertEveryUser(service);
            stopGracefully(service);
        }
        String savepoint = assertShutdownSavepointAt(4_000);

        produce(3_000);
        try (ServiceProcess service = ServiceProcess.start(settings, List.of(), log)) {
            awaitAllApplied(service);
            // Resumed from the stored positions: only the new records were applied by this run.
            assertThat(service.progress().appliedRecords()).isEqualTo(3_000);
            assertEveryUser(service);
            service.kill();
        }

        produce(20_000);
        try (ServiceProcess service = ServiceProcess.start(settings, List.of(), log)) {
            long before = produced - 20_000;
            await().atMost(PROCESSING_TIMEOUT).until(() -> service.progress().nextOffsets() > before + 5_000);
            service.kill();
        }
        try (ServiceProcess service = ServiceProcess.start(settings, List.of(), log)) {
            awaitAllApplied(service);
            assertEveryUser(service);
            stopGracefully(service);
        }

        // A new deployment on the other backend starts from the first shutdown savepoint: every
        // partition at the savepoint's offsets, then the rest of the topic applied on top, once.
        Map<String, String> restored = new java.util.HashMap<>(settings);
        restored.put(
                "login-state.state-dir",
                kafka.workDir().resolve("state-restored").toString());
        restored.put("login-state.state.backend", "heap");
        restored.put("login-state.checkpoint.deployment-id", "restored");
        restored.put("mp.messaging.incoming.logins.group.id", "login-state-restored");
        restored.put("login-state.savepoint.on-shutdown", "false");
        restored.put("login-state.restore.savepoint", savepoint);
        try (ServiceProcess service = ServiceProcess.start(restored, List.of(), log)) {
            awaitAllApplied(service);
            assertThat(service.progress().appliedRecords())
                    .as("started at the savepoint's offsets")
                    .isEqualTo(produced - 4_000);
            assertEveryUser(service);
            stopGracefully(service);
        }
    }

    /** SIGTERM: the JVM exits with 143 after Quarkus has shut down and every partition is closed. */
    private static void stopGracefully(ServiceProcess service) throws Exception {
        long closedBefore = closedPartitions(service.log());
        assertThat(service.stop(Duration.ofSeconds(60))).isIn(0, 143);
        assertThat(closedPartitions(service.log()) - closedBefore).isEqualTo(PARTITIONS);
    }

    /** The graceful stop wrote a complete shutdown savepoint of every partition, at the offsets applied. */
    private static String assertShutdownSavepointAt(long records) throws IOException {
        Path root = kafka.workDir().resolve("checkpoints");
        List<String> ids;
        try (var listed = Files.list(root.resolve("savepoints"))) {
            ids = listed.map(path -> path.getFileName().toString())
                    .filter(id -> id.startsWith("shutdown-"))
                    .toList();
        }
        assertThat(ids).hasSize(1);
        try (DirectoryObjectStore store = new DirectoryObjectStore(root)) {
            SavepointManifest manifest =
                    new SavepointCatalog(store).manifest(ids.get(0)).orElseThrow();
            assertThat(manifest.parts()).hasSize(PARTITIONS);
            assertThat(manifest.parts().stream()
                            .mapToLong(SavepointManifest.PartEntry::nextOffset)
                            .sum())
                    .isEqualTo(records);
        }
        return ids.get(0);
    }

    private static long closedPartitions(Path log) throws IOException {
        try (var lines = Files.lines(log)) {
            return lines.filter(line -> line.contains("closed at offset")).count();
        }
    }

    private void produce(int events) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = TestProducers.bytes(kafka.bootstrapServers())) {
            for (int i = 0; i < events; i++) {
                String user = "user-" + random.nextInt(USERS);
                clock += 1000;
                long timestamp = clock - random.nextInt(3_600_000);
                boolean success = random.nextInt(4) != 0;
                String json = ExpectedLogins.eventJson(user, Long.toString(timestamp), success ? "SUCCESS" : "FAILURE");
                producer.send(new ProducerRecord<>(
                        TOPIC, user.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)));
                expected.record(user, timestamp, success);
            }
            producer.flush();
        }
        produced += events;
    }

    private void awaitAllApplied(ServiceProcess service) {
        await().atMost(PROCESSING_TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> service.progress().partitions() == PARTITIONS
                        && service.progress().nextOffsets() == produced);
        await().atMost(Duration.ofSeconds(30)).until(service::ready);
    }

    private void assertEveryUser(ServiceProcess service) {
        for (String user : expected.users().keySet()) {
            ServiceProcess.Answer answer = service.get("/users/" + user);
            assertThat(answer.status()).as(user + ": " + answer.body()).isEqualTo(200);
            assertThat(answer.json().path("loginCount").asLong()).as(user).isEqualTo(expected.loginCount(user));
            assertThat(answer.json().path("failedLoginCount").asLong())
                    .as(user)
                    .isEqualTo(expected.failedLoginCount(user));
            assertThat(
                            answer.json().path("lastLogin").isNull()
                                    ? null
                                    : answer.json().path("lastLogin").asText())
                    .as(user)
                    .isEqualTo(expected.lastLogin(user));
            assertThat(answer.json().path("firstSeen").asText()).as(user).isEqualTo(expected.firstSeen(user));
        }
    }
}
