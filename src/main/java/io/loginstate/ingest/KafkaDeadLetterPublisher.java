package io.loginstate.ingest;

import io.loginstate.config.LoginStateConfig;
import io.loginstate.processing.DeadLetterSink;
import io.loginstate.processing.Rejection;
import io.loginstate.support.DaemonThreads;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes rejected records to the dead-letter topic ({@link DeadLetterRecords} says what a dead
 * letter holds and how it is cut to fit). Sends are bounded by {@code dead-letter.send-timeout}
 * and made from a thread of their own, so a missing or unreachable topic never blocks a caller:
 * the future fails within the bound instead. A dead letter the broker still refuses as too large
 * (a topic with a smaller {@code max.message.bytes}) is cut to {@link #FALLBACK_BYTES} and sent once more.
 */
@ApplicationScoped
public class KafkaDeadLetterPublisher implements DeadLetterSink {

    public static final String REASON = DeadLetterRecords.REASON;
    public static final String MESSAGE = DeadLetterRecords.MESSAGE;
    public static final String SOURCE_TOPIC = DeadLetterRecords.SOURCE_TOPIC;
    public static final String SOURCE_PARTITION = DeadLetterRecords.SOURCE_PARTITION;
    public static final String SOURCE_OFFSET = DeadLetterRecords.SOURCE_OFFSET;
    public static final String EXCEPTION = DeadLetterRecords.EXCEPTION;
    public static final String VALUE_TRUNCATED_FROM = DeadLetterRecords.VALUE_TRUNCATED_FROM;
    public static final String KEY_TRUNCATED_FROM = DeadLetterRecords.KEY_TRUNCATED_FROM;
    public static final String HEADERS_TRUNCATED_FROM = DeadLetterRecords.HEADERS_TRUNCATED_FROM;
    /** Budget of the second try of a dead letter refused as too large. */
    static final int FALLBACK_BYTES = 64 * 1024;

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    private static final int LINGER_MS = 5;

    /** Where and how dead letters are stored. */
    record Settings(String topic, Duration sendTimeout, int maxRecordBytes) {
        Settings {
            if (sendTimeout.toMillis() < 100) {
                throw new IllegalArgumentException(
                        "login-state.dead-letter.send-timeout must be at least 100ms: " + sendTimeout);
            }
            if (maxRecordBytes < DeadLetterRecords.MIN_BUDGET) {
                throw new IllegalArgumentException("login-state.dead-letter.max-record-bytes must be at least "
                        + DeadLetterRecords.MIN_BUDGET + ": " + maxRecordBytes);
            }
        }
    }

    @Inject
    LoginStateConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private Settings settings;
    private KafkaProducer<byte[], byte[]> producer;
    /** Makes the sends: {@code send} may wait for metadata up to the send timeout. */
    private ExecutorService sender;

    @PostConstruct
    void start() {
        LoginStateConfig.DeadLetter deadLetter = config.deadLetter();
        open(
                new Settings(config.deadLetterTopic(), deadLetter.sendTimeout(), deadLetter.maxRecordBytes()),
                kafkaConfig);
    }

    void open(Settings settings, Map<String, Object> kafka) {
        this.settings = settings;
        int timeout = (int) settings.sendTimeout().toMillis();
        Map<String, Object> props = new HashMap<>(KafkaClientConfig.common(kafka));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, LINGER_MS);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeout);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout - LINGER_MS);
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, settings.maxRecordBytes() + 64 * 1024);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "login-state-dlq");
        producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        sender = Executors.newSingleThreadExecutor(DaemonThreads.named("dead-letter-send-"));
    }

    @Override
    public CompletableFuture<Void> publish(Rejection rejection) {
        CompletableFuture<Void> stored = new CompletableFuture<>();
        // Queued behind sends that wait for metadata: bounded all the same.
        stored.orTimeout(2 * settings.sendTimeout().toMillis(), TimeUnit.MILLISECONDS);
        try {
            sender.execute(() -> {
                if (!stored.isDone()) {
                    send(
                            DeadLetterRecords.of(settings.topic(), rejection, settings.maxRecordBytes()),
                            stored,
                            settings.maxRecordBytes() > FALLBACK_BYTES ? rejection : null);
                }
            });
        } catch (RejectedExecutionException e) {
            stored.completeExceptionally(new IllegalStateException("the dead-letter producer is closed", e));
        }
        return stored;
    }

    /** @param shrinkable the record may be sent once more, smaller, if the broker refuses its size */
    private void send(ProducerRecord<byte[], byte[]> record, CompletableFuture<Void> stored, Rejection shrinkable) {
        try {
            producer.send(record, (metadata, error) -> {
                if (error == null) {
                    stored.complete(null);
                } else if (error instanceof RecordTooLargeException && shrinkable != null) {
                    try {
                        sender.execute(() ->
                                send(DeadLetterRecords.of(settings.topic(), shrinkable, FALLBACK_BYTES), stored, null));
                    } catch (RejectedExecutionException closed) {
                        stored.completeExceptionally(error);
                    }
                } else {
                    stored.completeExceptionally(error);
                }
            });
        } catch (RuntimeException e) {
            stored.completeExceptionally(e);
        }
    }

    @PreDestroy
    void stop() {
        if (sender != null) {
            sender.shutdownNow();
        }
        if (producer != null) {
            producer.close(CLOSE_TIMEOUT);
        }
    }
}
