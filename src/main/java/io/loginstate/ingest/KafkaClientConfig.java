package io.loginstate.ingest;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Client settings shared by the service's own Kafka clients (dead-letter producer, admin),
 * taken from Quarkus's {@code kafka.*} configuration so security settings apply to all clients.
 */
public final class KafkaClientConfig {

    /** Settings of one client type that must not leak into another. */
    private static final Set<String> CLIENT_SPECIFIC = Set.of(
            "key.serializer", "value.serializer", "key.deserializer", "value.deserializer", "group.id", "client.id");

    private KafkaClientConfig() {}

    public static Map<String, Object> common(Map<String, Object> kafkaConfig) {
        Map<String, Object> props = new HashMap<>();
        kafkaConfig.forEach((key, value) -> {
            if (!CLIENT_SPECIFIC.contains(key)) {
                props.put(key, value);
            }
        });
        return props;
    }
}
