package io.loginstate.health;

import io.loginstate.processing.PartitionProcessor;
import io.loginstate.processing.ProcessorRegistry;
import io.smallrye.health.api.Wellness;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/**
 * DOWN while some partition cannot store its dead letters (the topic is missing, unreachable, or
 * refuses them): that partition waits and retries, and its state does not advance. A wellness
 * check ({@code /q/health/well}, and {@code /q/health}), not readiness: queries are still answered
 * correctly, and not liveness: a restart does not bring the topic back.
 */
@Wellness
@ApplicationScoped
public class DeadLetterCheck implements HealthCheck {

    @Inject
    ProcessorRegistry registry;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder builder =
                HealthCheckResponse.named("dead-letters").up();
        for (PartitionProcessor processor : registry.processors()) {
            processor
                    .deadLetterTrouble()
                    .ifPresent(trouble -> builder.down()
                            .withData("partition-" + processor.partition().partition(), "waiting: " + trouble));
        }
        return builder.build();
    }
}
