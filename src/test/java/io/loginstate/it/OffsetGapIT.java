package io.loginstate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import io.loginstate.testing.BrokerFixture;
import io.loginstate.testing.ExpectedLogins;
import io.loginstate.testing.PrometheusScrape;
import io.loginstate.testing.ServiceProcess;
import io.loginstate.testing.TestProducers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged service against a real broker whose log no longer fits a partition's stored
 * position: records deleted below it (retention, here forced with {@code deleteRecords}), and a
 * topic deleted and created again with fewer records than the state had applied.
 */
class OffsetGapIT {

    private static final String TOPIC = "logins";
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private static BrokerFixture kafka;
    private static Admin admin;
    private long clock = Instant.now().minus(Duration.ofDays(2)).toEpochMilli();

    @BeforeAll
    static void startBroker() throws Exception {
        kafka = BrokerFixture.start("login-state-gaps", TOPIC, 1);
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        admin = Admin.create(props);
    }

    @AfterAll
    static void stopBroker() {
        if (admin != null) {
            admin.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private Map<String, String> settings(String topic, String group) {
        return Map.of(
                "kafka.bootstrap.servers", kafka.bootstrapServers(),
                "login-state.topic", topic,
                "mp.messaging.incoming.logins.group.id", group,
                "login-state.state-dir",
                        kafka.workDir().resolve("state-" + group).toString(),
                "login-state.object-store.directory.path",
                        kafka.workDir().resolve("checkpoints").toString());
    }

    @Test
    void recordsDeletedBelowTheStoredPositionAreCountedAsAGapAndProcessingContinuesAtTheLogStart() throws Exception {
        String topic = "logins-retention";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        Map<String, String> settings = settings(topic, "gap-below");
        Path log = Path.of("target", "it-logs", "gap-below.log");
        Files.deleteIfExists(log);
        ExpectedLogins before = produce(topic, "early", 300);
        try (ServiceProcess service = ServiceProcess.start(settings, List.of(), log)) {
            awaitNextOffset(service, 300);
            assertThat(service.stop(Duration.ofSeconds(60))).isIn(0, 143);
        }
        produce(topic, "lost", 100);
        ExpectedLogins after = produce(topic, "late", 100);
        // Retention deletes past the stored position 300: records 300..399 were never applied.
        admin.deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(400)))
                .all()
                .get();

        try (ServiceProcess service = ServiceProcess.start(settings, List.of(), log)) {
            awaitNextOffset(service, 500);
            assertThat(PrometheusScrape.of(service)
                            .sum("login_state_offset_gaps_total", Map.of("partition", "0", "kind", "below_log_start")))
                    .isEqualTo(1.0);
            assertThat(service.get("/q/health/live").status()).isEqualTo(200);
            assertThat(service.get("/users/early-1").json().path("loginCount").asLong())
                    .isEqualTo(before.loginCount("early-1"));
            assertThat(service.get("/users/late-1").json().path("loginCount").asLong())
                    .isEqualTo(after.loginCount("late-1"));
            assertThat(service.get("/users/lost-1").status())
                    .as("deleted before it was applied")
                    .isEqualTo(404);
            assertThat(Files.readString(log))
                    .contains("Partition " + topic + "-0: offset gap below the log start: the state ends at offset"
                            + " 300, the log starts at 400; 100 offsets were never applied");
        }
    }

    @Test
    void aRecreatedTopicWhoseEndLiesBelowTheStoredPositionFailsThePartitionAndAppliesNothing() throws Exception {
        Map<String, String> settings = settings(TOPIC, "gap-beyond");
        Path log = Path.of("target", "it-logs", "gap-beyond.log");
        Files.deleteIfExists(log);
        ExpectedLogins old = produce(TOPIC, "old", 500);
        try (ServiceProcess service = ServiceProcess.start(settings, List.of(), log)) {
            awaitNextOffset(service, 500);
            assertThat(service.stop(Duration.ofSeconds(60))).isIn(0, 143);
        }
        admin.deleteTopics(List.of(TOPIC)).all().get();
        await().atMost(TIMEOUT).ignoreExceptions().until(() -> {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            return true;
        });
        produce(TOPIC, "new", 100);

        try (ServiceProcess service = ServiceProcess.start(settings, List.of(), log)) {
            await().atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> List.of("ACTIVE", "FAILED")
                            .contains(status(service).path("status").asText()));
            assertThat(status(service).path("status").asText())
                    .as("the old state is not continued on the new topic")
                    .isEqualTo("FAILED");
            assertThat(service.get("/q/health/live").status()).isEqualTo(503);
            assertThat(PrometheusScrape.of(service)
                            .sum("login_state_offset_gaps_total", Map.of("partition", "0", "kind", "beyond_end")))
                    .isEqualTo(1.0);
            // The new topic grows past the old state's position: still nothing goes into the old state.
            produce(TOPIC, "new", 500);
            await().atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> status(service).path("endOffset").asLong() == 600);
            assertThat(status(service).path("nextOffset").asLong()).isEqualTo(500);
            assertThat(service.get("/users/old-1").json().path("loginCount").asLong())
                    .isEqualTo(old.loginCount("old-1"));
            assertThat(Files.readString(log))
                    .contains("Partition " + TOPIC + "-0: offset gap beyond the end of the log: the state ends at"
                            + " offset 500, the log ends at 100")
                    .contains("login-state.checkpoint.deployment-id");
        }
    }

    /** {@code events} logins of users {@code <prefix>-0..19}, what the service must then show for them. */
    private ExpectedLogins produce(String topic, String prefix, int events) throws Exception {
        ExpectedLogins expected = new ExpectedLogins();
        try (KafkaProducer<byte[], byte[]> producer = TestProducers.bytes(kafka.bootstrapServers())) {
            for (int i = 0; i < events; i++) {
                String user = prefix + "-" + (i % 20);
                clock += 1000;
                String json = ExpectedLogins.eventJson(user, Long.toString(clock), "SUCCESS");
                producer.send(new ProducerRecord<>(
                        topic, user.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)));
                expected.record(user, clock, true);
            }
            producer.flush();
        }
        return expected;
    }

    private static JsonNode status(ServiceProcess service) {
        ServiceProcess.Answer answer = service.get("/partitions?scope=local");
        return answer.status() == 200 && answer.json().size() == 1
                ? answer.json().get(0)
                : NullNode.getInstance();
    }

    private static void awaitNextOffset(ServiceProcess service, long offset) {
        await().atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> service.progress().partitions() == 1
                        && service.progress().nextOffsets() == offset);
        await().atMost(Duration.ofSeconds(30)).until(service::ready);
    }
}
