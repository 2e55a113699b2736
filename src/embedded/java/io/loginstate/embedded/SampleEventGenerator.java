package io.loginstate.embedded;

import io.loginstate.support.DaemonThreads;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Produces sample login events for users sample-user-1..N beside the embedded broker: a burst at
 * start, then a steady trickle, about one in ten a failed login. For trying the service without
 * any other producer; it runs in the launcher, never in the service.
 */
final class SampleEventGenerator implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SampleEventGenerator.class);

    /** How much sample traffic to make. */
    record Settings(int users, int initialEvents, int eventsPerSecond) {}

    private final String topic;
    private final Settings settings;
    private final KafkaProducer<String, String> producer;
    private final ScheduledExecutorService scheduler;
    private final SplittableRandom random = new SplittableRandom();

    SampleEventGenerator(String bootstrapServers, String topic, Settings settings) {
        this.topic = topic;
        this.settings = settings;
        this.producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ProducerConfig.CLIENT_ID_CONFIG,
                        "login-state-samples"),
                new StringSerializer(),
                new StringSerializer());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sample-events-"));
    }

    void start() {
        scheduler.execute(() -> produce(settings.initialEvents()));
        if (settings.eventsPerSecond() > 0) {
            scheduler.scheduleAtFixedRate(() -> produce(settings.eventsPerSecond()), 1, 1, TimeUnit.SECONDS);
        }
        LOG.infof("Producing sample events for sample-user-1..%d to topic %s", settings.users(), topic);
    }

    private void produce(int count) {
        try {
            for (int i = 0; i < count; i++) {
                String userId = "sample-user-" + (1 + random.nextInt(settings.users()));
                String outcome = random.nextInt(10) == 0 ? "FAILURE" : "SUCCESS";
                String value = "{\"userId\":\"" + userId + "\",\"timestamp\":\"" + Instant.now()
                        + "\",\"ip\":\"192.0.2."
                        + (1 + random.nextInt(254)) + "\",\"userAgent\":\"sample-browser/" + (1 + random.nextInt(3))
                        + ".0\",\"outcome\":\"" + outcome + "\"}";
                producer.send(new ProducerRecord<>(topic, userId, value));
            }
        } catch (RuntimeException e) {
            LOG.warnf("Sample events not produced: %s", e.getMessage());
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        producer.close(Duration.ofSeconds(5));
    }
}
