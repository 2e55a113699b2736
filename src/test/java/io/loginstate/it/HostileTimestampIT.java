package io.loginstate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.testing.BrokerFixture;
import io.loginstate.testing.ExpectedLogins;
import io.loginstate.testing.PrometheusScrape;
import io.loginstate.testing.ServiceProcess;
import io.loginstate.testing.TestProducers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged service against a real broker, fed hostile clocks: after one far-future event per
 * partition in every timestamp form the service accepts (epoch number, digit string, ISO-8601 with
 * {@code Z} and with an offset), every other user is still exact and later events still apply.
 * The far-future records, a time of day made of letters and a time before 1970 are in the
 * dead-letter topic with their reasons; an event already past its TTL is dropped and counted.
 */
class HostileTimestampIT {

    private static final String TOPIC = "logins";
    private static final int PARTITIONS = 4;
    private static final int USERS = 200;
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    /** 2200-01-01T00:00:00Z. */
    private static final long YEAR_2200 = 7_258_118_400_000L;

    private static BrokerFixture kafka;
    private final ExpectedLogins expected = new ExpectedLogins();
    /** test-id header of each hostile record → the reason it must be dead-lettered with. */
    private final Map<String, String> deadLettered = new HashMap<>();

    private long produced;

    @BeforeAll
    static void startBroker() throws Exception {
        kafka = BrokerFixture.start("login-state-hostile-time", TOPIC, PARTITIONS);
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void farFutureAndMalformedClocksNeitherHideUsersNorStopLaterEvents() throws Exception {
        Map<String, String> settings = Map.of(
                "kafka.bootstrap.servers", kafka.bootstrapServers(),
                "login-state.state-dir", kafka.workDir().resolve("state").toString(),
                "login-state.object-store.directory.path",
                        kafka.workDir().resolve("checkpoints").toString());
        long now = System.currentTimeMillis();
        Random random = new Random(16);
        try (ServiceProcess service = ServiceProcess.start(
                        settings, List.of(), Path.of("target", "it-logs", "hostile-timestamp.log"));
                KafkaProducer<byte[], byte[]> producer = TestProducers.bytes(kafka.bootstrapServers())) {
            for (int user = 0; user < USERS; user++) {
                send(
                        producer,
                        good("user-" + user, now - Duration.ofHours(3).toMillis() + random.nextInt(60_000), random));
            }
            awaitApplied(service);

            int expiredOnArrival = 0;
            for (int partition = 0; partition < PARTITIONS; partition++) {
                String user = "hostile-" + partition;
                hostile(producer, partition, user, Long.toString(YEAR_2200), "TIMESTAMP_IN_FUTURE");
                hostile(producer, partition, user, "\"" + (YEAR_2200 + 1) + "\"", "TIMESTAMP_IN_FUTURE");
                hostile(producer, partition, user, "\"2999-01-01T00:00:00Z\"", "TIMESTAMP_IN_FUTURE");
                hostile(producer, partition, user, "\"2999-01-01T00:00:00+02:00\"", "TIMESTAMP_IN_FUTURE");
                hostile(producer, partition, user, "\"2026-11-21Tab:cd:efZ\"", "INVALID_TIMESTAMP");
                hostile(producer, partition, user, "-86400000", "TIMESTAMP_BEFORE_EPOCH");
                hostile(producer, partition, user, "\"1960-01-01T00:00:00Z\"", "TIMESTAMP_BEFORE_EPOCH");
                // Valid, but 40 days old: past the 30-day TTL on arrival, so dropped and counted.
                String old = ExpectedLogins.eventJson(
                        user, Long.toString(now - Duration.ofDays(40).toMillis()), "SUCCESS");
                send(producer, new ProducerRecord<>(TOPIC, partition, bytes(user), bytes(old)));
                expiredOnArrival++;
            }
            for (int user = 0; user < USERS; user++) {
                send(
                        producer,
                        good("user-" + user, now - Duration.ofHours(1).toMillis() + random.nextInt(60_000), random));
            }
            producer.flush();
            awaitApplied(service);

            List<String> wrong = new ArrayList<>();
            for (String user : expected.users().keySet()) {
                ServiceProcess.Answer answer = service.get("/users/" + user);
                if (answer.status() != 200
                        || answer.json().path("loginCount").asLong() != expected.loginCount(user)
                        || answer.json().path("failedLoginCount").asLong() != expected.failedLoginCount(user)
                        || !Objects.equals(
                                answer.json().path("lastLogin").isNull()
                                        ? null
                                        : answer.json().path("lastLogin").asText(),
                                expected.lastLogin(user))
                        || !answer.json().path("firstSeen").asText().equals(expected.firstSeen(user))) {
                    wrong.add(user + ": " + answer.status() + " " + answer.body());
                }
            }
            assertThat(wrong).as("%d of %d users wrong", wrong.size(), USERS).isEmpty();
            for (int partition = 0; partition < PARTITIONS; partition++) {
                assertThat(service.get("/users/hostile-" + partition).status())
                        .as("hostile-" + partition)
                        .isEqualTo(404);
            }

            Map<String, String> reasons = readDeadLetterReasons(deadLettered.size());
            assertThat(reasons).containsExactlyInAnyOrderEntriesOf(deadLettered);
            assertThat(PrometheusScrape.of(service).sum("login_state_records_dropped_total"))
                    .isEqualTo(expiredOnArrival);
            double bound = (System.currentTimeMillis() + Duration.ofMinutes(5).toMillis()) / 1000.0;
            assertThat(PrometheusScrape.of(service).values("login_state_event_time_watermark_timestamp_seconds"))
                    .hasSize(PARTITIONS)
                    .allSatisfy(watermark -> assertThat(watermark).isLessThanOrEqualTo(bound));
        }
    }

    private ProducerRecord<byte[], byte[]> good(String user, long timestamp, Random random) {
        boolean success = random.nextInt(4) != 0;
        expected.record(user, timestamp, success);
        String ts = switch (random.nextInt(3)) {
            case 0 -> Long.toString(timestamp);
            case 1 -> "\"" + Instant.ofEpochMilli(timestamp) + "\"";
            default -> "\"" + Instant.ofEpochMilli(timestamp).atOffset(ZoneOffset.ofHours(-5)) + "\"";
        };
        return new ProducerRecord<>(
                TOPIC, bytes(user), bytes(ExpectedLogins.eventJson(user, ts, success ? "SUCCESS" : "FAILURE")));
    }

    private void hostile(
            KafkaProducer<byte[], byte[]> producer, int partition, String user, String timestamp, String reason)
            throws Exception {
        String testId = "hostile-" + deadLettered.size();
        deadLettered.put(testId, reason);
        RecordHeaders headers = new RecordHeaders();
        headers.add("test-id", bytes(testId));
        send(
                producer,
                new ProducerRecord<>(
                        TOPIC,
                        partition,
                        bytes(user),
                        bytes(ExpectedLogins.eventJson(user, timestamp, "SUCCESS")),
                        headers));
    }

    private void send(KafkaProducer<byte[], byte[]> producer, ProducerRecord<byte[], byte[]> record) throws Exception {
        producer.send(record).get();
        produced++;
    }

    private void awaitApplied(ServiceProcess service) {
        await().atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> service.progress().partitions() == PARTITIONS
                        && service.progress().nextOffsets() == produced);
    }

    private static Map<String, String> readDeadLetterReasons(int expected) {
        Map<String, String> reasons = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition dlq = new TopicPartition("logins-dlq", 0);
            consumer.assign(List.of(dlq));
            consumer.seekToBeginning(List.of(dlq));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    reasons.put(header(record, "test-id"), header(record, "dlq.reason"));
                }
                return reasons.size() >= expected;
            });
        }
        return reasons;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
