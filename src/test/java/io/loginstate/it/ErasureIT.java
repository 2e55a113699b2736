package io.loginstate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.loginstate.erasure.SubjectKey;
import io.loginstate.support.Directories;
import io.loginstate.support.FaultPoints;
import io.loginstate.testing.BrokerFixture;
import io.loginstate.testing.ExpectedLogins;
import io.loginstate.testing.ServiceProcess;
import io.loginstate.testing.StoredTraces;
import io.loginstate.testing.TestProducers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Erasure on request with the packaged service, a real broker and the directory object store: a
 * user erased while events flow, the service killed with SIGKILL right after the {@code 202}
 * (before any checkpoint after the erasure is published), restored onto an empty disk from a
 * checkpoint taken before it. The user stays absent, and once the receipt says "complete" no file
 * of the state directory and no object of the store (checkpoints, savepoints, receipts) holds the
 * user's id in any form, raw, hex or decoded, while another user's state is intact and found by
 * the same scan. A login after the erasure counts alone.
 */
class ErasureIT {

    private static final String TOPIC = "logins";
    private static final int PARTITIONS = 2;
    private static final String TARGET = "erase-target-0007";
    private static final String WITNESS = "witness-user-0042";
    private static final String SUBJECT_KEY = "erasure-it-subject-key";
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private static BrokerFixture kafka;
    private final ExpectedLogins expected = new ExpectedLogins();
    private final Random random = new Random(11);
    private final AtomicLong produced = new AtomicLong();
    private final AtomicLong clock =
            new AtomicLong(Instant.now().minus(Duration.ofDays(2)).toEpochMilli());

    @BeforeAll
    static void startBroker() throws Exception {
        kafka = BrokerFixture.start("login-state-erasure", TOPIC, PARTITIONS);
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void anErasureSurvivesAKillAndARestoreFromAnOlderCheckpointAndLeavesNoTrace() throws Exception {
        Path state = kafka.workDir().resolve("state");
        Path store = kafka.workDir().resolve("store");
        Map<String, String> settings = new HashMap<>(Map.of(
                "kafka.bootstrap.servers", kafka.bootstrapServers(),
                "login-state.state-dir", state.toString(),
                "login-state.object-store.directory.path", store.toString(),
                "login-state.erasure.subject-key", SUBJECT_KEY,
                "login-state.erasure.poll-interval", "250ms",
                // The short bound: purge 2 s after the erase, a checkpoint every second, two kept.
                "login-state.ttl.max-deletion-delay", "4s",
                "login-state.checkpoint.interval", "1s",
                "login-state.checkpoint.retained", "2",
                "mp.messaging.incoming.logins.session.timeout.ms", "6000"));
        settings.put("mp.messaging.incoming.logins.heartbeat.interval.ms", "1000");
        settings.put("login-state.checkpoint.orphan-min-age", "1s");
        Path log = Path.of("target", "it-logs", "erasure.log");

        produce(List.of(TARGET, WITNESS), 40);
        produce(null, 3_000);
        String savepoint;
        try (ServiceProcess service = ServiceProcess.start(settings, List.of(), log)) {
            awaitAllApplied(service);
            assertThat(service.get("/users/" + TARGET).json().path("loginCount").asLong())
                    .isEqualTo(expected.loginCount(TARGET));
            ServiceProcess.Answer taken = service.post("/admin/savepoints");
            assertThat(taken.status()).as(taken.body()).isEqualTo(202);
            savepoint = taken.json().path("id").asText();
            await("savepoint complete")
                    .atMost(TIMEOUT)
                    .until(() -> service.get("/admin/savepoints/" + savepoint)
                            .json()
                            .path("state")
                            .asText()
                            .equals("complete"));
            assertThat(service.stop(Duration.ofSeconds(60))).isIn(0, 143);
        }
        // Positive control: the scan finds both users where they are stored.
        assertThat(StoredTraces.of(state, TARGET)).anyMatch(hit -> hit.startsWith("decoded table"));
        assertThat(StoredTraces.of(store, TARGET))
                .anyMatch(hit -> hit.startsWith("decoded table"))
                .anyMatch(hit -> hit.startsWith("decoded portable"));

        // Run 2: no checkpoint it takes is ever published (its uploads park before LATEST moves).
        String erasureId;
        Instant requestedAt;
        try (ServiceProcess service = ServiceProcess.start(
                settings, List.of("-D" + FaultPoints.PROPERTY + "=checkpoint.manifest-written"), log)) {
            awaitAllApplied(service);
            AtomicBoolean flowing = new AtomicBoolean(true);
            Thread traffic = new Thread(() -> {
                while (flowing.get()) {
                    produce(null, 50);
                }
            });
            traffic.start();
            try {
                ServiceProcess.Answer accepted = service.delete("/users/" + TARGET);
                assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
                erasureId = accepted.json().path("erasureId").asText();
                requestedAt = Instant.parse(accepted.json().path("requestedAt").asText());
                assertThat(accepted.json().path("subject").asText())
                        .isEqualTo(SubjectKey.of(SUBJECT_KEY).subject(TARGET));
                assertThat(accepted.json().path("stateFound").asBoolean()).isTrue();
                assertThat(accepted.body()).doesNotContain(TARGET);
                assertThat(service.get("/users/" + TARGET).status()).isEqualTo(404);
                service.kill();
            } finally {
                flowing.set(false);
                traffic.join();
            }
        }
        expected.forget(TARGET);

        // Run 3 on an empty disk: restored from the checkpoints of run 1, which hold the user.
        Directories.deleteRecursively(state);
        produce(null, 500);
        long appliesBefore = applies(log, erasureId);
        try (ServiceProcess service = ServiceProcess.start(settings, List.of(), log)) {
            awaitAllApplied(service);
            assertThat(service.get("/users/" + TARGET).status()).isEqualTo(404);
            assertThat(applies(log, erasureId))
                    .as("restored from a checkpoint before the erasure, the replay applied it again")
                    .isEqualTo(appliesBefore + 1);
            await("receipt complete")
                    .atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> !service.get("/erasures/" + erasureId)
                            .json()
                            .path("steps")
                            .path("complete")
                            .isMissingNode());
            JsonNode receipt = service.get("/erasures/" + erasureId).json();
            Instant complete = Instant.parse(
                    receipt.path("steps").path("complete").path("at").asText());
            System.out.printf(
                    "Erasure %s: requested %s, complete %s: %d ms (short bound, across a kill and a restore)%n",
                    erasureId,
                    requestedAt,
                    complete,
                    Duration.between(requestedAt, complete).toMillis());
            assertThat(receipt.path("steps").path("applied").path("offset").asLong())
                    .isEqualTo(receipt.path("commandOffset").asLong());
            assertThat(receipt.path("steps")
                            .path("purgedFromSavepoints")
                            .path("detail")
                            .asText())
                    .startsWith("1 rewritten");
            assertThat(receipt.toString()).doesNotContain(TARGET);
            assertEveryUser(service);
            assertThat(service.stop(Duration.ofSeconds(60))).isIn(0, 143);
        }

        assertThat(StoredTraces.of(state, TARGET)).as("state directory").isEmpty();
        assertThat(StoredTraces.of(store, TARGET)).as("object store").isEmpty();
        assertThat(StoredTraces.of(state, WITNESS)).anyMatch(hit -> hit.startsWith("decoded table"));
        assertThat(StoredTraces.of(store, WITNESS)).anyMatch(hit -> hit.startsWith("decoded portable"));

        // A login after the erasure builds new state from nothing.
        long later = clock.addAndGet(1000);
        try (KafkaProducer<byte[], byte[]> producer = TestProducers.bytes(kafka.bootstrapServers())) {
            producer.send(new ProducerRecord<>(
                            TOPIC,
                            TARGET.getBytes(StandardCharsets.UTF_8),
                            ExpectedLogins.eventJson(TARGET, Long.toString(later), "FAILURE")
                                    .getBytes(StandardCharsets.UTF_8)))
                    .get();
        }
        produced.incrementAndGet();
        try (ServiceProcess service = ServiceProcess.start(settings, List.of(), log)) {
            awaitAllApplied(service);
            JsonNode after = service.get("/users/" + TARGET).json();
            assertThat(after.path("loginCount").asLong()).isZero();
            assertThat(after.path("failedLoginCount").asLong()).isEqualTo(1);
            assertThat(after.path("firstSeen").asText())
                    .isEqualTo(Instant.ofEpochMilli(later).toString());
            service.kill();
        }
    }

    /** How often the service logged that it applied the erase command. */
    private static long applies(Path log, String erasureId) throws java.io.IOException {
        try (var lines = java.nio.file.Files.lines(log)) {
            return lines.filter(line -> line.contains("Erasure " + erasureId + " applied at offset"))
                    .count();
        }
    }

    /** {@code events} logins of random users (or of {@code users}, in turn). */
    private void produce(List<String> users, int events) {
        try (KafkaProducer<byte[], byte[]> producer = TestProducers.bytes(kafka.bootstrapServers())) {
            for (int i = 0; i < events; i++) {
                String user = users != null ? users.get(i % users.size()) : "user-" + random.nextInt(200);
                long timestamp = clock.addAndGet(1000) - random.nextInt(3_600_000);
                boolean success = random.nextInt(4) != 0;
                String json = ExpectedLogins.eventJson(user, Long.toString(timestamp), success ? "SUCCESS" : "FAILURE");
                producer.send(new ProducerRecord<>(
                        TOPIC, user.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)));
                synchronized (expected) {
                    expected.record(user, timestamp, success);
                }
            }
            producer.flush();
        }
        produced.addAndGet(events);
    }

    /** Every record produced applied (the erase command is one more), and the service ready. */
    private void awaitAllApplied(ServiceProcess service) {
        await("all applied")
                .atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> service.progress().partitions() == PARTITIONS
                        && service.progress().nextOffsets() >= produced.get());
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
        }
    }
}
