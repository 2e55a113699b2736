package io.loginstate.testing;

import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class TestProducers {

    private TestProducers() {}

    /** A producer with Kafka's default (murmur2) partitioner. */
    public static KafkaProducer<byte[], byte[]> bytes(String bootstrapServers) {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ProducerConfig.LINGER_MS_CONFIG,
                        10,
                        ProducerConfig.BATCH_SIZE_CONFIG,
                        131072,
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                        KafkaBrokerResource.MAX_MESSAGE_BYTES,
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }
}
