package io.loginstate.health;

import io.loginstate.ingest.KafkaClusterView;
import io.loginstate.processing.PartitionLifecycle;
import io.loginstate.processing.PartitionProcessor;
import io.loginstate.processing.ProcessorRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when Kafka answers, the group has assigned partitions, and every assigned state is restored,
 * open and writable (a partition whose state volume is full or failing holds its records and
 * retries, but falls behind). Shows, per partition, the age of the last successful checkpoint and
 * any back-pressure.
 */
@Readiness
@ApplicationScoped
public class StateReadinessCheck implements HealthCheck {

    @Inject
    KafkaClusterView cluster;

    @Inject
    ProcessorRegistry registry;

    @Override
    public HealthCheckResponse call() {
        boolean kafka = cluster.reachable();
        boolean assigned = registry.assignmentReceived();
        boolean allOpen = true;
        boolean allWritable = true;
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("login-state")
                .withData("kafka", kafka ? "reachable" : "unreachable")
                .withData("assignment", assigned ? "received" : "pending");
        boolean restoring = registry.restoring();
        if (restoring) {
            builder.withData("restore", "in progress");
        }
        for (PartitionProcessor processor : registry.processors()) {
            allOpen &= processor.lifecycle() == PartitionLifecycle.OPEN;
            int partition = processor.partition().partition();
            builder.withData("partition-" + partition, processor.lifecycle().name());
            processor.retrying().ifPresent(what -> builder.withData("partition-" + partition + "-retrying", what));
            var volume = processor.volumeTrouble();
            if (volume.isPresent()) {
                allWritable = false;
                builder.withData("partition-" + partition + "-state-volume", "cannot write: " + volume.get());
            }
            processor
                    .deadLetterTrouble()
                    .ifPresent(trouble ->
                            builder.withData("partition-" + partition + "-dead-letters", "waiting: " + trouble));
            processor.checkpointer().ifPresent(checkpointer -> {
                var age = checkpointer.lastSuccessAgeMillis();
                builder.withData(
                        "partition-" + partition + "-last-checkpoint-age-seconds",
                        age.isPresent() ? Long.toString(age.getAsLong() / 1000) : "none yet");
                if (processor.backPressured()) {
                    builder.withData(
                            "partition-" + partition + "-paused",
                            processor.unuploadedRecords() + " records not checkpointed");
                }
            });
        }
        return builder.status(kafka && assigned && allOpen && allWritable && !restoring)
                .build();
    }
}
