package io.loginstate.health;

import io.loginstate.processing.PartitionLifecycle;
import io.loginstate.processing.PartitionProcessor;
import io.loginstate.processing.ProcessorRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

/** Not live once a partition has failed: a restart restores it from its stored state. */
@Liveness
@ApplicationScoped
public class ProcessorLivenessCheck implements HealthCheck {

    @Inject
    ProcessorRegistry registry;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder builder =
                HealthCheckResponse.named("partition-processors").up();
        for (PartitionProcessor processor : registry.processors()) {
            if (processor.lifecycle() == PartitionLifecycle.FAILED) {
                builder.down()
                        .withData(
                                "partition-" + processor.partition().partition(), String.valueOf(processor.failure()));
            }
        }
        return builder.build();
    }
}
