package io.loginstate.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.testing.BrokerFixture;
import io.loginstate.testing.TestProducers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Stored positions against the log of a real broker: moved log start, recreated topic, either policy. */
class OffsetGapsTest {

    private static BrokerFixture kafka;
    private static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        kafka = BrokerFixture.start("login-state-offset-gaps", "logins", 1);
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        admin = Admin.create(props);
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /** Log start and end offset of the topic's partition 0, as the service's consumer reads them. */
    private static long[] log(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            return new long[] {
                consumer.beginningOffsets(List.of(partition)).get(partition),
                consumer.endOffsets(List.of(partition)).get(partition)
            };
        }
    }

    private static void produce(String topic, int records) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = TestProducers.bytes(kafka.bootstrapServers())) {
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(topic, 0, null, ("r" + i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    private static double gaps(SimpleMeterRegistry registry, String kind) {
        var counter = registry.find("login_state.offset.gaps")
                .tag("partition", "0")
                .tag("kind", kind)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aPositionBelowTheLogStartContinuesThereOrFailsAsConfigured() throws Exception {
        String topic = "retained";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        produce(topic, 10);
        TopicPartition partition = new TopicPartition(topic, 0);
        admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(6)))
                .all()
                .get();
        long[] log = log(topic);
        assertThat(log).containsExactly(6, 10);

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        OffsetGaps continuing = new OffsetGaps(OffsetGaps.BelowLogStart.CONTINUE, registry);
        assertThat(continuing.check(partition, OptionalLong.of(3), log[0], log[1]))
                .isEqualTo(new OffsetGaps.Decision(6, null));
        assertThat(gaps(registry, "below_log_start")).isEqualTo(1);

        OffsetGaps failing = new OffsetGaps(OffsetGaps.BelowLogStart.FAIL, registry);
        OffsetGaps.Decision refused = failing.check(partition, OptionalLong.of(3), log[0], log[1]);
        assertThat(refused.refused()).isTrue();
        assertThat(refused.refusal())
                .contains("offset 3", "starts at 6", "3 offsets were never applied", "below-log-start=fail");
        assertThat(gaps(registry, "below_log_start")).isEqualTo(2);

        // Positions inside the log, at its start, at its end, or new state: no gap.
        assertThat(failing.check(partition, OptionalLong.of(6), log[0], log[1]).startAt())
                .isEqualTo(6);
        assertThat(failing.check(partition, OptionalLong.of(10), log[0], log[1]).startAt())
                .isEqualTo(10);
        assertThat(failing.check(partition, OptionalLong.empty(), log[0], log[1])
                        .startAt())
                .isEqualTo(6);
        assertThat(gaps(registry, "below_log_start")).isEqualTo(2);
        assertThat(gaps(registry, "beyond_end")).isZero();
    }

    @Test
    void aPositionBeyondTheEndOfARecreatedTopicIsRefusedWhateverThePolicy() throws Exception {
        String topic = "recreated";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        produce(topic, 10);
        admin.deleteTopics(List.of(topic)).all().get();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            return true;
        });
        produce(topic, 4);
        long[] log = log(topic);
        assertThat(log).containsExactly(0, 4);

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        for (OffsetGaps.BelowLogStart policy : OffsetGaps.BelowLogStart.values()) {
            OffsetGaps.Decision decision = new OffsetGaps(policy, registry)
                    .check(new TopicPartition(topic, 0), OptionalLong.of(10), log[0], log[1]);
            assertThat(decision.refused()).as("%s", policy).isTrue();
            assertThat(decision.refusal())
                    .contains("state ends at offset 10", "log ends at 4", "login-state.checkpoint.deployment-id");
        }
        assertThat(gaps(registry, "beyond_end")).isEqualTo(2);
    }
}
