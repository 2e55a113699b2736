package io.loginstate.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The benchmarks' input: login events of Zipf-distributed users ({@code user-1} is the most
 * frequent), 10% failures, one millisecond apart. For a given count and user number the sequence of
 * users and outcomes is always the same, and so are the times on a given day: they start two days
 * before the current UTC day, well inside the service's default 30-day TTL.
 */
public final class LoginEvents {

    /** Sees every event as it is sent, e.g. to compute the state it must lead to. */
    @FunctionalInterface
    public interface Listener {
        void sent(int user, long timestampMillis, boolean success);
    }

    private LoginEvents() {}

    /** The id of the user of a rank, as it appears in the record key and value. */
    public static String userId(int user) {
        return "user-" + user;
    }

    /** The value of event number {@code i}: JSON with an ISO-8601 timestamp, an IP and a user agent. */
    public static byte[] value(String user, long timestamp, long i, boolean success) {
        String value = "{\"userId\":\"" + user + "\",\"timestamp\":\"" + Instant.ofEpochMilli(timestamp)
                + "\",\"ip\":\"203.0.113." + (i & 0xff)
                + "\",\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64)\",\"outcome\":\""
                + (success ? "SUCCESS" : "FAILURE") + "\"}";
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /** Sends {@code events} login events to {@code topic}, keyed by user; returns the bytes of keys and values sent. */
    public static long produce(String bootstrap, String topic, long events, int users) {
        return produce(bootstrap, topic, events, users, (user, timestamp, success) -> {});
    }

    /** As {@link #produce(String, String, long, int)}, telling {@code listener} about every event. */
    public static long produce(String bootstrap, String topic, long events, int users, Listener listener) {
        ZipfSampler zipf = new ZipfSampler(users, 1.0);
        SplittableRandom random = new SplittableRandom(1);
        long base = Instant.now()
                .truncatedTo(ChronoUnit.DAYS)
                .minus(Duration.ofDays(2))
                .toEpochMilli();
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
                int rank = zipf.sample(random);
                String user = userId(rank);
                boolean success = random.nextInt(10) != 0;
                long timestamp = base + i;
                byte[] key = user.getBytes(StandardCharsets.UTF_8);
                byte[] payload = value(user, timestamp, i, success);
                bytes += key.length + payload.length;
                producer.send(new ProducerRecord<>(topic, key, payload));
                listener.sent(rank, timestamp, success);
            }
            producer.flush();
        }
        return bytes;
    }
}
