package io.loginstate.ingest;

import io.loginstate.config.LoginStateConfig;
import io.loginstate.processing.DeadLetterSink;
import io.loginstate.processing.Rejection;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes rejected records to the dead-letter topic: the original key, value and headers, plus
 * headers naming the reason and the source position. A value the broker refuses as too large is
 * stored truncated, with its original size in a header, rather than blocking the partition.
 */
@ApplicationScoped
public class KafkaDeadLetterPublisher implements DeadLetterSink {

    public static final String REASON = "dlq.reason";
    public static final String MESSAGE = "dlq.message";
    public static final String SOURCE_TOPIC = "dlq.source.topic";
    public static final String SOURCE_PARTITION = "dlq.source.partition";
    public static final String SOURCE_OFFSET = "dlq.source.offset";
    public static final String VALUE_TRUNCATED_FROM = "dlq.value.truncated-from";
    private static final int TRUNCATED_VALUE_BYTES = 64 * 1024;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    @Inject
    LoginStateConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private KafkaProducer<byte[], byte[]> producer;

    @PostConstruct
    void start() {
        Map<String, Object> props = new HashMap<>(KafkaClientConfig.common(kafkaConfig));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "login-state-dlq");
        producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public CompletableFuture<Void> publish(Rejection rejection) {
        CompletableFuture<Void> stored = new CompletableFuture<>();
        ConsumerRecord<byte[], byte[]> source = rejection.record();
        send(deadLetter(rejection, source.value(), false), stored, rejection);
        return stored;
    }

    private void send(ProducerRecord<byte[], byte[]> record, CompletableFuture<Void> stored, Rejection rejection) {
        producer.send(record, (metadata, error) -> {
            if (error == null) {
                stored.complete(null);
            } else if (error instanceof RecordTooLargeException
                    && record.value() != null
                    && record.value().length > TRUNCATED_VALUE_BYTES) {
                send(deadLetter(rejection, record.value(), true), stored, rejection);
            } else {
                stored.completeExceptionally(error);
            }
        });
    }

    private ProducerRecord<byte[], byte[]> deadLetter(Rejection rejection, byte[] value, boolean truncate) {
        ConsumerRecord<byte[], byte[]> source = rejection.record();
        RecordHeaders headers = new RecordHeaders();
        for (Header header : source.headers()) {
            headers.add(header);
        }
        headers.add(REASON, utf8(rejection.reason()));
        headers.add(MESSAGE, utf8(rejection.message()));
        headers.add(SOURCE_TOPIC, utf8(source.topic()));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(source.partition())));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(source.offset())));
        byte[] body = value;
        if (truncate) {
            headers.add(VALUE_TRUNCATED_FROM, utf8(Integer.toString(value.length)));
            body = Arrays.copyOf(value, TRUNCATED_VALUE_BYTES);
        }
        return new ProducerRecord<>(config.deadLetterTopic(), null, null, source.key(), body, headers);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @PreDestroy
    void stop() {
        if (producer != null) {
            producer.close(CLOSE_TIMEOUT);
        }
    }
}
