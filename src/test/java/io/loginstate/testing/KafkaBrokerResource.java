package io.loginstate.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * A real single-node KRaft broker for {@code @QuarkusTest}s, with the input topic (8 partitions)
 * and the dead-letter topic created, and a fresh state directory for the service.
 */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    public static final String TOPIC = "logins";
    public static final String DLQ_TOPIC = "logins-dlq";
    public static final int PARTITIONS = 8;
    /** Large enough for the oversized-value test records. */
    public static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    private static volatile String bootstrapServers;
    private BrokerFixture broker;

    public static String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public Map<String, String> start() {
        try {
            broker = BrokerFixture.start(
                    "login-state-test",
                    TOPIC,
                    PARTITIONS,
                    Map.of("message.max.bytes", Integer.toString(MAX_MESSAGE_BYTES)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        bootstrapServers = broker.bootstrapServers();
        return Map.of(
                "kafka.bootstrap.servers", broker.bootstrapServers(),
                "login-state.state-dir", broker.workDir().resolve("state").toString(),
                "login-state.object-store.directory.path",
                        broker.workDir().resolve("checkpoints").toString(),
                // Erasures complete within seconds: purge after 2 s, checkpoint every second.
                "login-state.erasure.subject-key", "pipeline-test-subject-key",
                "login-state.ttl.max-deletion-delay", "4s",
                "login-state.checkpoint.interval", "1s",
                "login-state.erasure.poll-interval", "200ms");
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
        }
    }
}
