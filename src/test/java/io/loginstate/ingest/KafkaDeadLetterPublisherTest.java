package io.loginstate.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.processing.Rejection;
import io.loginstate.testing.BrokerFixture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dead-letter producer against a real broker that creates no topics by itself: a missing
 * topic fails a send within its bound without blocking the caller, and a record with an oversized
 * value and headers is stored cut to fit the topic, saying so.
 */
class KafkaDeadLetterPublisherTest {

    private static final String SMALL_TOPIC = "small-dlq";
    private static final int TOPIC_MAX_BYTES = 200_000;
    private static BrokerFixture broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = BrokerFixture.start("dlq-publisher", "logins", 1, Map.of("auto.create.topics.enable", "false"));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(SMALL_TOPIC, 1, (short) 1)
                            .configs(Map.of("max.message.bytes", Integer.toString(TOPIC_MAX_BYTES)))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private static KafkaDeadLetterPublisher publisher(String topic, int maxRecordBytes) {
        KafkaDeadLetterPublisher publisher = new KafkaDeadLetterPublisher();
        publisher.open(
                new KafkaDeadLetterPublisher.Settings(topic, Duration.ofSeconds(2), maxRecordBytes),
                Map.of("bootstrap.servers", broker.bootstrapServers()));
        return publisher;
    }

    private static Rejection rejection(long offset, byte[] value, RecordHeaders headers) {
        ConsumerRecord<byte[], byte[]> source = new ConsumerRecord<>(
                "logins",
                0,
                offset,
                0L,
                TimestampType.CREATE_TIME,
                5,
                value.length,
                "alice".getBytes(StandardCharsets.UTF_8),
                value,
                headers,
                java.util.Optional.empty());
        return new Rejection(source, "TOO_LARGE", "value of " + value.length + " bytes");
    }

    @Test
    void aMissingTopicNeitherBlocksTheCallerNorTheSendForLong() throws Exception {
        KafkaDeadLetterPublisher publisher = publisher("absent-dlq", 1_000_000);
        try {
            long started = System.nanoTime();
            CompletableFuture<Void> stored = publisher.publish(rejection(7, "{".getBytes(), new RecordHeaders()));
            long callMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertThat(callMillis).as("publish returns at once").isLessThan(1_000);
            assertThat(stored).as("the send fails within its bound").failsWithin(Duration.ofSeconds(8));
        } finally {
            publisher.stop();
        }
    }

    @Test
    void oversizedValueAndHeadersAreCutToFitTheTopicAndSaySo() throws Exception {
        byte[] value = new byte[300_000];
        Arrays.fill(value, (byte) 'v');
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace", new byte[150_000]);
        headers.add("small", "kept?".getBytes(StandardCharsets.UTF_8));
        KafkaDeadLetterPublisher fitting = publisher(SMALL_TOPIC, 190_000);
        KafkaDeadLetterPublisher tooBig = publisher(SMALL_TOPIC, 1_000_000);
        try {
            assertThat(fitting.publish(rejection(1, value, headers))).succeedsWithin(Duration.ofSeconds(20));
            assertThat(tooBig.publish(rejection(2, value, headers)))
                    .as("refused by the topic: sent again cut to the fallback size")
                    .succeedsWithin(Duration.ofSeconds(20));
        } finally {
            fitting.stop();
            tooBig.stop();
        }
        List<ConsumerRecord<byte[], byte[]>> stored = consume(SMALL_TOPIC, 2);
        assertThat(stored).hasSize(2);
        for (ConsumerRecord<byte[], byte[]> letter : stored) {
            assertThat(text(letter, KafkaDeadLetterPublisher.REASON)).isEqualTo("TOO_LARGE");
            assertThat(text(letter, KafkaDeadLetterPublisher.VALUE_TRUNCATED_FROM))
                    .isEqualTo("300000");
            assertThat(text(letter, KafkaDeadLetterPublisher.HEADERS_TRUNCATED_FROM))
                    .isEqualTo(Long.toString(150_000 + "trace".length() + 16 + 5 + "small".length() + 16));
            assertThat(letter.key()).isEqualTo("alice".getBytes(StandardCharsets.UTF_8));
            assertThat(letter.value()).isNotEmpty();
            long size = letter.serializedValueSize() + letter.serializedKeySize();
            for (Header header : letter.headers()) {
                size += header.key().length() + (header.value() == null ? 0 : header.value().length);
            }
            int budget = letter.offset() == 0 ? 190_000 : KafkaDeadLetterPublisher.FALLBACK_BYTES;
            assertThat(size).as("within the budget").isLessThanOrEqualTo(budget);
        }
    }

    private static String text(ConsumerRecord<byte[], byte[]> record, String header) {
        Header found = record.headers().lastHeader(header);
        assertThat(found).as(header).isNotNull();
        return new String(found.value(), StandardCharsets.UTF_8);
    }

    private static List<ConsumerRecord<byte[], byte[]>> consume(String topic, int count) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                1_000_000);
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<ConsumerRecord<byte[], byte[]>> records = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (records.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }
}
