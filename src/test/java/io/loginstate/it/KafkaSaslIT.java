package io.loginstate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.loginstate.embedded.EmbeddedKafkaBroker;
import io.loginstate.support.Directories;
import io.loginstate.testing.CheckpointedCluster;
import io.loginstate.testing.LoginStream;
import io.loginstate.testing.S3ProxyServer;
import io.loginstate.testing.ServiceLog;
import io.loginstate.testing.ServiceProcess;
import io.loginstate.testing.TestProducers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka and S3 security pass through from the environment, as a pod gets it from its ConfigMap and
 * Secret, with no code for it in the service: a broker whose client listener requires SASL/PLAIN,
 * and the packaged service configured only through {@code KAFKA_*} variables (security protocol,
 * mechanism, JAAS login) and {@code LOGIN_STATE_OBJECT_STORE_*} variables (S3 endpoint, bucket and
 * keys). Every client of the service (the consumer, the dead-letter producer, the admin client)
 * must authenticate: the stream is applied exactly, a bad record reaches the dead-letter topic,
 * and checkpoints reach S3. A client without SASL is refused by the same listener.
 */
class KafkaSaslIT {

    private static final String TOPIC = "logins";
    private static final int PARTITIONS = 4;
    private static final String USER = "login-state";
    private static final String PASSWORD = "sasl-secret-3c7e19";
    private static final String BUCKET = "login-state-sasl";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static Path workDir;
    private static EmbeddedKafkaBroker broker;
    private static S3ProxyServer s3;
    private static int saslPort;

    @BeforeAll
    static void start() throws Exception {
        workDir = Files.createTempDirectory("login-state-sasl");
        int plainPort = EmbeddedKafkaBroker.freePort();
        saslPort = EmbeddedKafkaBroker.freePort();
        int controllerPort = EmbeddedKafkaBroker.freePort();
        Map<String, String> overrides = new HashMap<>();
        overrides.put(
                "listeners",
                "PLAINTEXT://127.0.0.1:" + plainPort + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort
                        + ",CONTROLLER://127.0.0.1:" + controllerPort);
        overrides.put(
                "advertised.listeners",
                "PLAINTEXT://127.0.0.1:" + plainPort + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort);
        overrides.put(
                "listener.security.protocol.map",
                "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
        overrides.put("sasl.enabled.mechanisms", "PLAIN");
        overrides.put(
                "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_" + USER + "=\"" + PASSWORD
                        + "\";");
        broker = EmbeddedKafkaBroker.start(workDir.resolve("kafka"), plainPort, controllerPort, overrides);
        broker.createTopic(TOPIC, PARTITIONS);
        broker.createTopic("logins-dlq", 1);
        s3 = S3ProxyServer.start(BUCKET);
    }

    @AfterAll
    static void stop() {
        if (s3 != null) {
            s3.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (workDir != null) {
            Directories.deleteRecursively(workDir);
        }
    }

    @Test
    void theListenerRefusesClientsWithoutSasl() {
        Map<String, Object> plain = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + saslPort,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(plain)) {
            assertThatThrownBy(() -> admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS))
                    .as("a client without SASL on the SASL listener")
                    .isNotNull();
        }
    }

    @Test
    void theServiceAuthenticatesEveryClientFromTheEnvironmentAlone() throws Exception {
        long seed = new Random().nextLong();
        System.out.println("KafkaSaslIT seed " + seed);
        Map<String, String> environment = new HashMap<>();
        environment.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + saslPort);
        environment.put("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
        environment.put("KAFKA_SASL_MECHANISM", "PLAIN");
        environment.put(
                "KAFKA_SASL_JAAS_CONFIG",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + USER + "\" password=\""
                        + PASSWORD + "\";");
        environment.put("LOGIN_STATE_OBJECT_STORE_TYPE", "s3");
        environment.put("LOGIN_STATE_OBJECT_STORE_S3_ENDPOINT", s3.endpoint().toString());
        environment.put("LOGIN_STATE_OBJECT_STORE_S3_BUCKET", BUCKET);
        environment.put("LOGIN_STATE_OBJECT_STORE_S3_REGION", S3ProxyServer.REGION);
        environment.put("LOGIN_STATE_OBJECT_STORE_S3_PATH_STYLE_ACCESS", "true");
        environment.put("LOGIN_STATE_OBJECT_STORE_S3_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY_ID);
        environment.put("LOGIN_STATE_OBJECT_STORE_S3_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_ACCESS_KEY);
        environment.put("LOGIN_STATE_STATE_DIR", workDir.resolve("state").toString());
        environment.put("LOGIN_STATE_CHECKPOINT_INTERVAL", "1s");
        environment.put("LOGIN_STATE_API_AUTH", "none");

        ServiceLog log = CheckpointedCluster.freshLog("sasl.log");
        int port = EmbeddedKafkaBroker.freePort();
        int events = 2_000;
        try (LoginStream stream = LoginStream.generate(new Random(seed), events, 200);
                ServiceProcess service =
                        ServiceProcess.startAsConfigured(Map.of(), environment, List.of(), log.file(), port)) {
            // The test's own producer uses the broker's plaintext listener.
            stream.send(broker.bootstrapServers(), TOPIC, 0, events, 200);
            try (KafkaProducer<byte[], byte[]> producer = TestProducers.bytes(broker.bootstrapServers())) {
                producer.send(new ProducerRecord<>(
                                TOPIC,
                                0,
                                "bad".getBytes(StandardCharsets.UTF_8),
                                "not json".getBytes(StandardCharsets.UTF_8)))
                        .get();
            }
            await("every event applied over SASL")
                    .atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> service.progress().partitions() == PARTITIONS
                            && service.progress().nextOffsets() == events + 1);
            await("ready").atMost(TIMEOUT).until(service::ready);
            stream.assertEveryUser(service);

            List<ConsumerRecord<byte[], byte[]>> deadLetters = readDeadLetters();
            assertThat(deadLetters).as("the bad record, published over SASL").hasSize(1);
            assertThat(new String(deadLetters.get(0).value(), StandardCharsets.UTF_8))
                    .isEqualTo("not json");

            await("checkpoints in S3")
                    .atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() ->
                            service.get("/partitions?scope=local").json().findValues("lastCheckpointAgeMs").stream()
                                            .filter(age -> !age.isNull())
                                            .count()
                                    == PARTITIONS);
        }
        assertThat(Files.readString(log.file())).doesNotContain(PASSWORD);
    }

    private static List<ConsumerRecord<byte[], byte[]>> readDeadLetters() {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.GROUP_ID_CONFIG, "sasl-dlq-reader");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("logins-dlq"));
            await("the dead letter").atMost(TIMEOUT).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return !records.isEmpty();
            });
        }
        return records;
    }
}
