package io.loginstate.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The benchmarks' input: login events of Zipf-distributed users, the same for a given count and user number. */
final class LoginEvents {

    private LoginEvents() {}

    /** Sends {@code events} login events to {@code topic}, keyed by user; returns the bytes of keys and values sent. */
    static long produce(String bootstrap, String topic, long events, int users) {
        ZipfSampler zipf = new ZipfSampler(users, 1.0);
        SplittableRandom random = new SplittableRandom(1);
        // Recent events, so none is past the service's default 30-day TTL.
        long base = Instant.now().minus(Duration.ofDays(2)).toEpochMilli();
        long bytes = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ProducerConfig.BATCH_SIZE_CONFIG,
                        262_144,
                        ProducerConfig.LINGER_MS_CONFIG,
                        20,
                        ProducerConfig.ACKS_CONFIG,
                        "1",
                        ProducerConfig.BUFFER_MEMORY_CONFIG,
                        128L << 20),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (long i = 0; i < events; i++) {
                String user = "user-" + zipf.sample(random);
                String outcome = random.nextInt(10) == 0 ? "FAILURE" : "SUCCESS";
                String value = "{\"userId\":\"" + user + "\",\"timestamp\":\"" + Instant.ofEpochMilli(base + i)
                        + "\",\"ip\":\"203.0.113." + (i & 0xff)
                        + "\",\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64)\",\"outcome\":\""
                        + outcome + "\"}";
                byte[] key = user.getBytes(StandardCharsets.UTF_8);
                byte[] payload = value.getBytes(StandardCharsets.UTF_8);
                bytes += key.length + payload.length;
                producer.send(new ProducerRecord<>(topic, key, payload));
            }
            producer.flush();
        }
        return bytes;
    }
}
