package io.loginstate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.testing.BrokerFixture;
import io.loginstate.testing.RawFiles;
import io.loginstate.testing.ServiceProcess;
import io.loginstate.testing.TestProducers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TTL end to end: the packaged service, a real broker, event-time TTL with the wall-clock backstop.
 * Users are visible (with recent logins and devices) while their TTL runs, answer 404 once it has
 * passed, and their ids leave every file of the state directory within the deletion deadline.
 * Events that arrive already past their TTL are never visible.
 */
class TtlExpiryIT {

    private static final String TOPIC = "logins";
    private static final int PARTITIONS = 2;
    private static final Duration TTL = Duration.ofSeconds(25);
    private static final Duration DEADLINE = Duration.ofSeconds(6);
    private static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(1);
    private static final int RETAINED = 2;
    private static BrokerFixture kafka;

    @BeforeAll
    static void startBroker() throws Exception {
        kafka = BrokerFixture.start("login-state-ttl", TOPIC, PARTITIONS);
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void usersExpireFromTheApiAndFromEveryLocalFile() throws Exception {
        Path stateDir = kafka.workDir().resolve("state");
        Path objectStore = kafka.workDir().resolve("checkpoints");
        Map<String, String> settings = Map.ofEntries(
                Map.entry("kafka.bootstrap.servers", kafka.bootstrapServers()),
                Map.entry("login-state.state-dir", stateDir.toString()),
                Map.entry("login-state.object-store.directory.path", objectStore.toString()),
                Map.entry("login-state.checkpoint.interval", CHECKPOINT_INTERVAL.toMillis() + "ms"),
                Map.entry("login-state.checkpoint.retained", Integer.toString(RETAINED)),
                Map.entry("login-state.ttl.duration", TTL.toSeconds() + "s"),
                Map.entry("login-state.ttl.allowed-lateness", "0s"),
                Map.entry("login-state.ttl.max-deletion-delay", DEADLINE.toSeconds() + "s"),
                Map.entry("login-state.ttl.cleanup-interval", "200ms"),
                Map.entry("mp.messaging.incoming.logins.session.timeout.ms", "6000"),
                Map.entry("mp.messaging.incoming.logins.heartbeat.interval.ms", "1000"));
        Path log = Path.of("target", "it-logs", "ttl-expiry.log");
        List<String> fresh = List.of("expiring-alice-0001", "expiring-bob-0002", "expiring-carol-0003");
        long now = System.currentTimeMillis();
        produce("replayed-dave-0004", now - Duration.ofDays(40).toMillis(), "old-agent");
        for (String user : fresh) {
            produce(user, now - 2_000, "agent/1");
            produce(user, now - 1_000, "agent/2");
        }
        long expiresAt = now - 1_000 + TTL.toMillis();

        try (ServiceProcess service = ServiceProcess.start(settings, List.of(), log)) {
            awaitApplied(service, 7);
            for (String user : fresh) {
                ServiceProcess.Answer answer = service.get("/users/" + user);
                assertThat(answer.status()).as(answer.body()).isEqualTo(200);
                assertThat(answer.json().path("loginCount").asLong()).isEqualTo(2);
                assertThat(answer.json().path("recentLogins")).hasSize(2);
                assertThat(answer.json().path("devices")).hasSize(2);
            }
            assertThat(service.get("/users/replayed-dave-0004").status())
                    .as("an event past its TTL on arrival")
                    .isEqualTo(404);
            // A graceful stop flushes: the ids are now in the files, so their absence later means something.
            assertThat(service.stop(Duration.ofSeconds(60))).isIn(0, 143);
        }
        assertThat(RawFiles.containing(stateDir, fresh.get(0))).isNotEmpty();
        assertThat(RawFiles.containing(objectStore, fresh.get(0)))
                .as("the final checkpoint holds the ids")
                .isNotEmpty();
        assertThat(RawFiles.containing(stateDir, "replayed-dave-0004")).isEmpty();

        try (ServiceProcess service = ServiceProcess.start(settings, List.of(), log)) {
            awaitApplied(service, 7);
            assertThat(System.currentTimeMillis())
                    .as("the restart must happen within the TTL")
                    .isLessThan(expiresAt);
            ServiceProcess.Answer afterRestart = service.get("/users/" + fresh.get(1));
            assertThat(afterRestart.status()).as(afterRestart.body()).isEqualTo(200);

            await().atMost(TTL.plusSeconds(30))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> fresh.stream()
                            .allMatch(user -> service.get("/users/" + user).status() == 404));
            assertThat(System.currentTimeMillis()).as("not before the TTL").isGreaterThanOrEqualTo(expiresAt);

            await().atMost(DEADLINE.plusSeconds(10))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> fresh.stream()
                            .allMatch(
                                    user -> RawFiles.containing(stateDir, user).isEmpty()));
            assertThat(System.currentTimeMillis())
                    .as("ids gone from every file within the deadline")
                    .isLessThanOrEqualTo(expiresAt + DEADLINE.toMillis() + 3_000);

            // The checkpoints' bound: deadline + interval x retained (plus an upload's time).
            long storeBound = DEADLINE.toMillis() + CHECKPOINT_INTERVAL.toMillis() * RETAINED;
            await().atMost(Duration.ofMillis(storeBound + 10_000))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> fresh.stream()
                            .allMatch(user ->
                                    RawFiles.containing(objectStore, user).isEmpty()));
            assertThat(System.currentTimeMillis())
                    .as("ids gone from every object of the store within the bound")
                    .isLessThanOrEqualTo(expiresAt + storeBound + 3_000);
            assertThat(RawFiles.containing(objectStore, "\"offset\""))
                    .as("the store still holds a manifest")
                    .isNotEmpty();

            String metrics = service.get("/q/metrics").body();
            // Checkpoints drain expired entries too (strategy on-snapshot); together they removed all.
            assertThat(
                            sum(
                                    metrics,
                                    "login_state_ttl_expired_removed_total\\{[^}]*strategy=\"(?:incremental|on-snapshot)\"[^}]*}"))
                    .as("entries removed by incremental and snapshot cleanup")
                    .isEqualTo(3 * 5);
            assertThat(sum(metrics, "login_state_ttl_purges_total\\{[^}]*}")).isPositive();
            assertThat(metrics).contains("login_state_ttl_oldest_unpurged_expired_age_seconds");
        }
    }

    private static double sum(String metrics, String series) {
        Matcher matcher = Pattern.compile("(?m)^" + series + " ([0-9.eE+-]+)$").matcher(metrics);
        double total = 0;
        while (matcher.find()) {
            total += Double.parseDouble(matcher.group(1));
        }
        return total;
    }

    private static void produce(String user, long timestamp, String userAgent) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = TestProducers.bytes(kafka.bootstrapServers())) {
            String json =
                    "{\"userId\":\"" + user + "\",\"timestamp\":" + timestamp + ",\"userAgent\":\"" + userAgent + "\"}";
            producer.send(new ProducerRecord<>(
                            TOPIC, user.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)))
                    .get();
        }
    }

    private static void awaitApplied(ServiceProcess service, long records) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> service.progress().partitions() == PARTITIONS
                        && service.progress().nextOffsets() == records);
        await().atMost(Duration.ofSeconds(30)).until(service::ready);
    }
}
