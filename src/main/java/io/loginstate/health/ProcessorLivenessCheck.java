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

/**
 * Not live once a partition has failed for the first time at its offset: a restart reopens it
 * from its stored state, which cures what was transient. A partition retrying a failure (it is
 * still open) keeps the instance live. One that failed again at the same offset after a restart
 * keeps it live too, reported as {@code crash loop}: another restart would only interrupt the
 * other partitions (readiness stays DOWN, and the partition needs a person).
 */
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
            String name = "partition-" + processor.partition().partition();
            processor.retrying().ifPresent(what -> builder.withData(name + "-retrying", what));
            if (processor.lifecycle() != PartitionLifecycle.FAILED) {
                continue;
            }
            String failure = processor.failure() == null
                    ? "failed"
                    : processor.failure().getClass().getName();
            int inARow = processor.failuresInARow();
            if (inARow > 1) {
                builder.withData(
                        name,
                        "crash loop: failed " + inARow + " times in a row at offset "
                                + processor.nextOffset().orElse(0) + " across restarts (" + failure
                                + "); a restart does not cure it");
            } else {
                builder.down().withData(name, "failed (" + failure + "); a restart reopens it");
            }
        }
        return builder.build();
    }
}
