package io.loginstate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.testing.BrokerFixture;
import io.loginstate.testing.ExpectedLogins;
import io.loginstate.testing.PrometheusScrape;
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
 * The packaged service with {@code login-state.state.backend=heap} as a separate JVM against a real
 * broker and a directory object store: the state lives on the heap only, so every start restores
 * each partition from its latest checkpoint; after a graceful stop (a final checkpoint) only the new
 * records are applied, after a SIGKILL the records since the last checkpoint are applied again from
 * the checkpoint's position, never twice on top of it. Every user ends exact, no partition keeps a
 * directory of local state, and the heap gauges are published.
 */
class HeapBackendIT {

    private static final String TOPIC = "logins";
    private static final int PARTITIONS = 4;
    private static final int USERS = 300;
    private static final Duration PROCESSING_TIMEOUT = Duration.ofSeconds(120);

    private static BrokerFixture kafka;
    private final ExpectedLogins expected = new ExpectedLogins();
    private final Random random = new Random(11);
    private long produced;
    private long clock = Instant.now().minus(Duration.ofDays(2)).toEpochMilli();

    @BeforeAll
    static void startBroker() throws Exception {
        kafka = BrokerFixture.start("login-state-heap", TOPIC, PARTITIONS);
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void theHeapStateIsRestoredFromCheckpointsAcrossAGracefulStopAndAKill() throws Exception {
        Path stateDir = kafka.workDir().resolve("state");
        Map<String, String> settings = Map.of(
                "kafka.bootstrap.servers", kafka.bootstrapServers(),
                "login-state.state.backend", "heap",
                "login-state.state-dir", stateDir.toString(),
                "login-state.object-store.directory.path",
                        kafka.workDir().resolve("checkpoints").toString(),
                "login-state.checkpoint.interval", "1s",
                "mp.messaging.incoming.logins.session.timeout.ms", "6000",
                "mp.messaging.incoming.logins.heartbeat.interval.ms", "1000");
        List<String> jvm = List.of("-Xmx256m");
        Path log = Path.of("target", "it-logs", "heap-backend.log");
        Files.deleteIfExists(log);

        produce(4_000);
        try (ServiceProcess service = ServiceProcess.start(settings, jvm, log)) {
            awaitAllApplied(service);
            assertEveryUser(service);
            PrometheusScrape metrics = PrometheusScrape.of(service);
            double budget = value(metrics, "login_state_heap_state_budget_bytes");
            assertThat(budget)
                    .as("40% of the maximum heap")
                    .isBetween(0.35 * 256 * 1024 * 1024, 0.4 * 256 * 1024 * 1024);
            assertThat(value(metrics, "login_state_heap_state_bytes"))
                    .isPositive()
                    .isLessThan(budget);
            assertNoLocalState(stateDir);
            assertThat(Files.readString(log)).contains("State backend: heap");
            stopGracefully(service);
        }

        produce(3_000);
        try (ServiceProcess service = ServiceProcess.start(settings, jvm, log)) {
            awaitAllApplied(service);
            assertThat(service.progress().appliedRecords())
                    .as("restored from the final checkpoints: only the new records applied")
                    .isEqualTo(3_000);
            assertEveryUser(service);
            assertNoLocalState(stateDir);
            produce(3_000);
            await().atMost(PROCESSING_TIMEOUT).until(() -> service.progress().nextOffsets() > produced - 1_500);
            service.kill();
        }

        try (ServiceProcess service = ServiceProcess.start(settings, jvm, log)) {
            awaitAllApplied(service);
            assertEveryUser(service);
            stopGracefully(service);
        }
        assertThat(Files.readString(log).split("restored checkpoint", -1).length - 1)
                .as("every start after the first restores every partition from the store")
                .isGreaterThanOrEqualTo(2 * PARTITIONS);
    }

    private static double value(PrometheusScrape metrics, String name) {
        return metrics.samples().stream()
                .filter(sample -> sample.name().equals(name))
                .mapToDouble(PrometheusScrape.Sample::value)
                .findFirst()
                .orElseThrow(() -> new AssertionError(name + " is not published"));
    }

    private static void assertNoLocalState(Path stateDir) throws IOException {
        for (int partition = 0; partition < PARTITIONS; partition++) {
            assertThat(stateDir.resolve(TOPIC + "-" + partition))
                    .as("the heap keeps no local state")
                    .doesNotExist();
        }
    }

    private static void stopGracefully(ServiceProcess service) throws Exception {
        assertThat(service.stop(Duration.ofSeconds(60))).isIn(0, 143);
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
            assertThat(answer.json().path("firstSeen").asText()).as(user).isEqualTo(expected.firstSeen(user));
        }
    }
}
