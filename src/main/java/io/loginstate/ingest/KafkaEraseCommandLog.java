package io.loginstate.ingest;

import io.loginstate.config.LoginStateConfig;
import io.loginstate.erasure.EraseCommandLog;
import io.loginstate.erasure.EraseNotRecordedException;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Erase commands to the input topic through an idempotent producer with {@code acks=all}, opened
 * at the first request: an acknowledged command is in the log of every in-sync replica.
 */
@ApplicationScoped
public class KafkaEraseCommandLog implements EraseCommandLog {

    @Inject
    LoginStateConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private KafkaProducer<byte[], byte[]> producer;

    @Override
    public long append(int partition, byte[] userKey, String erasureId, Instant requestedAt, Duration timeout) {
        ProducerRecord<byte[], byte[]> command = new ProducerRecord<>(
                config.topic(),
                partition,
                requestedAt.toEpochMilli(),
                userKey,
                EraseCommandLog.commandJson(erasureId, requestedAt));
        try {
            return producer(timeout)
                    .send(command)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .offset();
        } catch (ExecutionException e) {
            throw new EraseNotRecordedException(
                    "the broker refused the erase command: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new EraseNotRecordedException(
                    "the broker did not acknowledge the erase command within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EraseNotRecordedException("interrupted while recording the erase command", e);
        } catch (RuntimeException e) {
            throw new EraseNotRecordedException("the erase command could not be sent: " + e.getMessage(), e);
        }
    }

    private synchronized KafkaProducer<byte[], byte[]> producer(Duration timeout) {
        if (producer == null) {
            int millis = (int) Math.max(1000, timeout.toMillis());
            Map<String, Object> props = new HashMap<>(KafkaClientConfig.common(kafkaConfig));
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, millis);
            props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, millis);
            props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
            props.put(ProducerConfig.CLIENT_ID_CONFIG, "login-state-erase");
            producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
