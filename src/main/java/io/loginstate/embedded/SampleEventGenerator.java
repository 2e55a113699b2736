package io.loginstate.embedded;

import io.loginstate.config.LoginStateConfig;
import io.loginstate.ingest.KafkaClientConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Produces sample login events for users sample-user-1..N: a burst at start, then a steady trickle,
 * about one in ten a failed login. For trying the service without any other producer.
 */
@ApplicationScoped
public class SampleEventGenerator {

    private static final Logger LOG = Logger.getLogger(SampleEventGenerator.class);

    @Inject
    LoginStateConfig config;
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private final SplittableRandom random = new SplittableRandom();
    private KafkaProducer<String, String> producer;
    private ScheduledExecutorService scheduler;

    void onStart(@Observes @Priority(2000) StartupEvent event) {
        LoginStateConfig.SampleGenerator settings = config.sampleGenerator();
        if (!settings.enabled()) {
            return;
        }
        Map<String, Object> props = new HashMap<>(KafkaClientConfig.common(kafkaConfig));
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "login-state-samples");
        producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "sample-events");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.execute(() -> produce(settings.initialEvents()));
        if (settings.eventsPerSecond() > 0) {
            scheduler.scheduleAtFixedRate(() -> produce(settings.eventsPerSecond()), 1, 1, TimeUnit.SECONDS);
        }
        LOG.infof("Producing sample events for sample-user-1..%d to topic %s", settings.users(), config.topic());
    }

    private void produce(int count) {
        try {
            for (int i = 0; i < count; i++) {
                String userId = "sample-user-" + (1 + random.nextInt(config.sampleGenerator().users()));
                String outcome = random.nextInt(10) == 0 ? "FAILURE" : "SUCCESS";
                String value = "{\"userId\":\"" + userId + "\",\"timestamp\":\"" + Instant.now() + "\",\"ip\":\"192.0.2."
                        + (1 + random.nextInt(254)) + "\",\"userAgent\":\"sample-browser/" + (1 + random.nextInt(3))
                        + ".0\",\"outcome\":\"" + outcome + "\"}";
                producer.send(new ProducerRecord<>(config.topic(), userId, value));
            }
        } catch (RuntimeException e) {
            LOG.warnf("Sample events not produced: %s", e.getMessage());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
