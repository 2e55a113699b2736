package io.loginstate.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.ingest.KafkaDeadLetterPublisher;
import io.loginstate.processing.KeyPartitioner;
import io.loginstate.processing.PartitionProcessor;
import io.loginstate.processing.ProcessorRegistry;
import io.loginstate.testing.ExpectedLogins;
import io.loginstate.testing.KafkaBrokerResource;
import io.loginstate.testing.RecordingObserver;
import io.loginstate.testing.TestProducers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The whole pipeline against a real KRaft broker: good and malformed events interleaved on all
 * partitions, every user's state checked exactly through the query API, every malformed record
 * found in the dead-letter topic with its reason, partitions applied in parallel and in order.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaBrokerResource.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LoginPipelineTest {

    private static final int USERS = 400;
    private static final int GOOD_EVENTS = 10_000;
    /** Events span the last days: well inside the default 30-day TTL, whenever the test runs. */
    private static final long BASE_TIME =
            Instant.now().minus(Duration.ofDays(3)).toEpochMilli();

    private static final ExpectedLogins EXPECTED = new ExpectedLogins();
    /** test-id header of each malformed record → the reason it must be rejected with. */
    private static final Map<String, String> MALFORMED = new HashMap<>();
    /** user → partition the producer's default partitioner placed it on. */
    private static final Map<String, Integer> USER_PARTITION = new HashMap<>();

    private static long produced;

    @Inject
    ProcessorRegistry registry;

    @Inject
    RecordingObserver observer;

    @Test
    @Order(1)
    void appliesEveryGoodEventAndDeadLettersEveryBadOne() throws Exception {
        observer.armOverlapProbe();
        Random random = new Random(42);
        List<Future<?>> sends = new ArrayList<>();
        Map<String, Future<RecordMetadata>> firstSendOfUser = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = TestProducers.bytes(KafkaBrokerResource.bootstrapServers())) {
            int malformed = 0;
            for (int i = 0; i < GOOD_EVENTS; i++) {
                String user = "user-" + random.nextInt(USERS);
                // Up to a day out of order, so lastLogin must never move back.
                long timestamp = BASE_TIME + i * 1000L - random.nextInt(86_400_000);
                boolean success = random.nextInt(5) != 0;
                String ts = switch (i % 3) {
                    case 0 -> "\"" + Instant.ofEpochMilli(timestamp) + "\"";
                    case 1 -> Long.toString(timestamp);
                    default -> "\"" + Instant.ofEpochMilli(timestamp).atOffset(ZoneOffset.ofHours(2)) + "\"";
                };
                Future<RecordMetadata> send = producer.send(
                        record(user, ExpectedLogins.eventJson(user, ts, success ? "SUCCESS" : "FAILURE"), null));
                sends.add(send);
                firstSendOfUser.putIfAbsent(user, send);
                EXPECTED.record(user, timestamp, success);
                if (i % 80 == 7) {
                    sends.add(producer.send(malformedRecord(malformed++, "user-" + random.nextInt(USERS))));
                }
            }
            for (Future<?> send : sends) {
                send.get();
            }
            produced = sends.size();
            for (Map.Entry<String, Future<RecordMetadata>> e : firstSendOfUser.entrySet()) {
                USER_PARTITION.put(e.getKey(), e.getValue().get().partition());
            }
            assertThat(MALFORMED).hasSizeGreaterThanOrEqualTo(100);
        }

        await().atMost(Duration.ofSeconds(90)).until(() -> appliedUpTo() == produced);

        for (String user : EXPECTED.users().keySet()) {
            Response response = given().get("/users/{id}", user);
            assertThat(response.statusCode()).as(user).isEqualTo(200);
            assertThat(response.jsonPath().getString("userId")).isEqualTo(user);
            assertThat(response.jsonPath().getInt("partition")).as(user).isEqualTo(USER_PARTITION.get(user));
            assertThat(response.jsonPath().getLong("loginCount")).as(user).isEqualTo(EXPECTED.loginCount(user));
            assertThat(response.jsonPath().getLong("failedLoginCount"))
                    .as(user)
                    .isEqualTo(EXPECTED.failedLoginCount(user));
            assertThat(response.jsonPath().getString("lastLogin")).as(user).isEqualTo(EXPECTED.lastLogin(user));
            assertThat(response.jsonPath().getString("firstSeen")).as(user).isEqualTo(EXPECTED.firstSeen(user));
        }

        Map<String, ConsumerRecord<byte[], byte[]>> deadLetters = readDeadLetters(MALFORMED.size());
        assertThat(deadLetters.keySet()).containsExactlyInAnyOrderElementsOf(MALFORMED.keySet());
        for (Map.Entry<String, String> expected : MALFORMED.entrySet()) {
            ConsumerRecord<byte[], byte[]> dead = deadLetters.get(expected.getKey());
            assertThat(header(dead, KafkaDeadLetterPublisher.REASON))
                    .as(expected.getKey())
                    .isEqualTo(expected.getValue());
            assertThat(header(dead, KafkaDeadLetterPublisher.MESSAGE)).isNotBlank();
            assertThat(header(dead, KafkaDeadLetterPublisher.SOURCE_TOPIC)).isEqualTo(KafkaBrokerResource.TOPIC);
            assertThat(Integer.parseInt(header(dead, KafkaDeadLetterPublisher.SOURCE_PARTITION)))
                    .isBetween(0, 7);
            assertThat(Long.parseLong(header(dead, KafkaDeadLetterPublisher.SOURCE_OFFSET)))
                    .isNotNegative();
        }
    }

    @Test
    @Order(2)
    void appliesPartitionsInParallelAndEachInOffsetOrder() {
        assertThat(observer.overlapObserved())
                .as("two partitions were inside a batch at the same time")
                .isTrue();
        Set<String> threads = new HashSet<>();
        for (PartitionProcessor processor : registry.processors()) {
            int partition = processor.partition().partition();
            List<RecordingObserver.Batch> batches = observer.batches(partition);
            assertThat(batches).as("partition %d", partition).isNotEmpty();
            assertThat(batches.get(0).firstOffset()).isZero();
            for (int i = 1; i < batches.size(); i++) {
                assertThat(batches.get(i).firstOffset())
                        .as("partition %d batch %d", partition, i)
                        .isEqualTo(batches.get(i - 1).lastOffset() + 1);
            }
            assertThat(batches.get(batches.size() - 1).lastOffset() + 1)
                    .isEqualTo(processor.nextOffset().getAsLong());
            batches.forEach(batch -> threads.add(batch.thread()));
        }
        assertThat(threads).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    @Order(3)
    void answersBadRequestsWithClearErrors() {
        given().get("/users/{id}", " ").then().statusCode(400).body("error", Matchers.equalTo("INVALID_USER_ID"));
        given().get("/users/{id}", "x".repeat(300)).then().statusCode(400);
        given().get("/users/{id}", "never-seen")
                .then()
                .statusCode(404)
                .body("error", Matchers.equalTo("USER_NOT_FOUND"));
        given().get("/partitions").then().statusCode(200).body("size()", Matchers.equalTo(8));
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/started").then().statusCode(200);
        String metrics =
                given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("login_state_records_dead_lettered_total{reason=\"NOT_JSON\"}");
    }

    @Test
    @Order(4)
    void countsRecordsOnAPartitionTheirKeyDoesNotHashTo() throws Exception {
        String user = "placed-by-another-partitioner";
        byte[] key = user.getBytes(StandardCharsets.UTF_8);
        int expected = KeyPartitioner.MURMUR2.partition(key, 8);
        int elsewhere = (expected + 1) % 8;
        String label = "login_state_records_misplaced_total{partition=\"" + elsewhere + "\"}";
        double before = metric(label);
        try (KafkaProducer<byte[], byte[]> producer = TestProducers.bytes(KafkaBrokerResource.bootstrapServers())) {
            producer.send(new ProducerRecord<>(
                            KafkaBrokerResource.TOPIC,
                            elsewhere,
                            key,
                            ExpectedLogins.eventJson(user, Long.toString(BASE_TIME), "SUCCESS")
                                    .getBytes(StandardCharsets.UTF_8)))
                    .get();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> metric(label) == before + 1);
        assertThat(metric("login_state_records_misplaced_total{partition=\"" + expected + "\"}"))
                .as("records on their own partition are not counted")
                .isZero();
    }

    @Test
    @Order(5)
    void anEraseCommandOnTheTopicErasesTheUserAndLaterEventsStartAfresh() throws Exception {
        String user = "user-7";
        String neighbour = neighbourOf(user);
        assertThat(given().get("/users/{id}", user).jsonPath().getLong("loginCount"))
                .isGreaterThan(1);
        try (KafkaProducer<byte[], byte[]> producer = TestProducers.bytes(KafkaBrokerResource.bootstrapServers())) {
            producer.send(record(user, "{\"type\":\"erase\",\"erasureId\":\"pipeline-1\"}", null))
                    .get();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> given().get("/users/{id}", user).statusCode() == 404);
            long later = BASE_TIME + Duration.ofDays(1).toMillis();
            producer.send(record(user, ExpectedLogins.eventJson(user, Long.toString(later), "FAILURE"), null))
                    .get();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> given().get("/users/{id}", user).statusCode() == 200);
            Response after = given().get("/users/{id}", user);
            assertThat(after.jsonPath().getLong("loginCount")).isZero();
            assertThat(after.jsonPath().getLong("failedLoginCount")).isEqualTo(1);
            assertThat(after.jsonPath().getString("firstSeen"))
                    .isEqualTo(Instant.ofEpochMilli(later).toString());
        }
        Response other = given().get("/users/{id}", neighbour);
        assertThat(other.jsonPath().getLong("loginCount")).as(neighbour).isEqualTo(EXPECTED.loginCount(neighbour));
        assertThat(other.jsonPath().getLong("failedLoginCount")).isEqualTo(EXPECTED.failedLoginCount(neighbour));
    }

    @Test
    @Order(6)
    void deleteRecordsAnErasureHidesTheUserAtOnceAndItsReceiptReachesComplete() throws Exception {
        String user = "user-11";
        String neighbour = neighbourOf(user);
        assertThat(given().get("/users/{id}", user).statusCode()).isEqualTo(200);
        String requestedFrom = Instant.now().minusSeconds(1).toString();

        Response accepted = given().delete("/users/{id}", user);
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        String erasureId = accepted.jsonPath().getString("erasureId");
        assertThat(accepted.header("Location")).isEqualTo("/erasures/" + erasureId);
        assertThat(accepted.jsonPath().getInt("partition")).isEqualTo(USER_PARTITION.get(user));
        assertThat(accepted.jsonPath().getBoolean("stateFound")).isTrue();
        assertThat(accepted.jsonPath().getString("subject"))
                .isEqualTo(io.loginstate.erasure.SubjectKey.of("pipeline-test-subject-key")
                        .subject(user));
        assertThat(Instant.parse(accepted.jsonPath().getString("deadline")))
                .isAfter(Instant.parse(accepted.jsonPath().getString("requestedAt")));
        assertThat(accepted.asString()).doesNotContain(user);
        // Invisible from the answer on, applied or not.
        given().get("/users/{id}", user).then().statusCode(404).body("error", Matchers.equalTo("USER_NOT_FOUND"));

        try {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() ->
                            given().get("/erasures/{id}", erasureId).jsonPath().get("steps.complete") != null);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(
                    "not complete: " + given().get("/erasures/{id}", erasureId).asString(), e);
        }
        Response receipt = given().get("/erasures/{id}", erasureId);
        long commandOffset = receipt.jsonPath().getLong("commandOffset");
        assertThat(receipt.jsonPath().getLong("steps.applied.offset")).isEqualTo(commandOffset);
        List<Instant> times = new java.util.ArrayList<>();
        for (String step :
                List.of("recorded", "invisible", "applied", "purgedLocally", "purgedFromCheckpoints", "complete")) {
            times.add(Instant.parse(receipt.jsonPath().getString("steps." + step + ".at")));
        }
        assertThat(times).isSorted();
        assertThat(receipt.jsonPath().getString("checksum")).hasSize(8);
        assertThat(given().queryParam("since", requestedFrom)
                        .get("/erasures")
                        .jsonPath()
                        .getList("erasures.erasureId"))
                .contains(erasureId);
        assertThat(given().queryParam("since", Instant.now().plusSeconds(60).toString())
                        .get("/erasures")
                        .jsonPath()
                        .getList("erasures"))
                .isEmpty();

        // A user never seen is recorded all the same; the receipt says nothing was found.
        Response unknown = given().delete("/users/{id}", "never-seen-erased");
        assertThat(unknown.statusCode()).isEqualTo(202);
        assertThat(unknown.jsonPath().getBoolean("stateFound")).isFalse();
        // Repeated while open: the same receipt.
        Response repeated = given().delete("/users/{id}", "never-seen-erased");
        assertThat(repeated.jsonPath().getString("erasureId"))
                .isEqualTo(unknown.jsonPath().getString("erasureId"));

        given().delete("/users/{id}", " ").then().statusCode(400).body("error", Matchers.equalTo("INVALID_USER_ID"));
        given().get("/erasures/{id}", "-bad")
                .then()
                .statusCode(400)
                .body("error", Matchers.equalTo("INVALID_ERASURE_ID"));
        given().get("/erasures/{id}", "20000101-0000")
                .then()
                .statusCode(404)
                .body("error", Matchers.equalTo("ERASURE_NOT_FOUND"));
        given().queryParam("since", "yesterday")
                .get("/erasures")
                .then()
                .statusCode(400)
                .body("error", Matchers.equalTo("INVALID_SINCE"));

        // A login after the erasure counts alone; the neighbour on the same partition is exact.
        long later = BASE_TIME + Duration.ofDays(1).toMillis();
        try (KafkaProducer<byte[], byte[]> producer = TestProducers.bytes(KafkaBrokerResource.bootstrapServers())) {
            producer.send(record(user, ExpectedLogins.eventJson(user, Long.toString(later), "SUCCESS"), null))
                    .get();
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> given().get("/users/{id}", user).statusCode() == 200);
        Response after = given().get("/users/{id}", user);
        assertThat(after.jsonPath().getLong("loginCount")).isEqualTo(1);
        assertThat(after.jsonPath().getLong("failedLoginCount")).isZero();
        Response other = given().get("/users/{id}", neighbour);
        assertThat(other.jsonPath().getLong("loginCount")).as(neighbour).isEqualTo(EXPECTED.loginCount(neighbour));
    }

    /** Another user on the same partition as {@code user}. */
    private static String neighbourOf(String user) {
        return EXPECTED.users().keySet().stream()
                .filter(other ->
                        !other.equals(user) && USER_PARTITION.get(other).equals(USER_PARTITION.get(user)))
                .findFirst()
                .orElseThrow();
    }

    /** A sample of the Prometheus scrape, 0 if absent. */
    private static double metric(String sample) {
        String metrics =
                given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines()
                .filter(line -> line.startsWith(sample + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(sample.length() + 1)))
                .findFirst()
                .orElse(0);
    }

    private long appliedUpTo() {
        return registry.processors().stream()
                .mapToLong(p -> p.nextOffset().orElse(0))
                .sum();
    }

    private static ProducerRecord<byte[], byte[]> record(String key, String value, String testId) {
        RecordHeaders headers = new RecordHeaders();
        if (testId != null) {
            headers.add("test-id", testId.getBytes(StandardCharsets.UTF_8));
        }
        return new ProducerRecord<>(
                KafkaBrokerResource.TOPIC,
                null,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8),
                headers);
    }

    /** One malformed record of each kind in turn, keyed like real traffic so it lands among good ones. */
    private static ProducerRecord<byte[], byte[]> malformedRecord(int n, String user) {
        String id = "bad-" + n;
        String now = "\"2026-11-01T00:00:00Z\"";
        String reason;
        ProducerRecord<byte[], byte[]> record;
        switch (n % 9) {
            case 0 -> {
                reason = "NOT_JSON";
                record = record(user, "this is not json", id);
            }
            case 1 -> {
                reason = "NOT_JSON";
                record = record(user, "{\"userId\":\"" + user + "\",", id);
            }
            case 2 -> {
                reason = "MISSING_USER_ID";
                record = record(user, "{\"timestamp\":" + now + "}", id);
            }
            case 3 -> {
                reason = "MISSING_USER_ID";
                record = record(user, ExpectedLogins.eventJson("  ", now, "SUCCESS"), id);
            }
            case 4 -> {
                reason = "KEY_MISMATCH";
                record = record(user, ExpectedLogins.eventJson("someone-else", now, "SUCCESS"), id);
            }
            case 5 -> {
                reason = "INVALID_TIMESTAMP";
                record = record(user, ExpectedLogins.eventJson(user, "\"yesterday\"", "SUCCESS"), id);
            }
            case 6 -> {
                reason = "INVALID_OUTCOME";
                record = record(user, ExpectedLogins.eventJson(user, now, "MAYBE"), id);
            }
            case 7 -> {
                reason = "KEY_MISMATCH";
                record = record(null, ExpectedLogins.eventJson(user, now, "SUCCESS"), id);
            }
            default -> {
                if (n % 27 == 8) {
                    reason = "TOO_LARGE";
                    String padding = "x".repeat(1024 * 1024 + 10);
                    record = record(
                            user,
                            "{\"userId\":\"" + user + "\",\"timestamp\":" + now + ",\"pad\":\"" + padding + "\"}",
                            id);
                } else {
                    reason = "NOT_JSON";
                    record = record(user, "", id);
                }
            }
        }
        MALFORMED.put(id, reason);
        return record;
    }

    private static Map<String, ConsumerRecord<byte[], byte[]>> readDeadLetters(int expected) {
        Map<String, ConsumerRecord<byte[], byte[]>> byTestId = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        KafkaBrokerResource.bootstrapServers(),
                        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                        KafkaBrokerResource.MAX_MESSAGE_BYTES),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(new TopicPartition(KafkaBrokerResource.DLQ_TOPIC, 0)));
            consumer.seekToBeginning(List.of(new TopicPartition(KafkaBrokerResource.DLQ_TOPIC, 0)));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    byTestId.put(header(record, "test-id"), record);
                }
                return byTestId.size() >= expected;
            });
        }
        return byTestId;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
