package io.loginstate.health;

import io.loginstate.ingest.KafkaClusterView;
import io.loginstate.processing.PartitionProcessor;
import io.loginstate.processing.ProcessorRegistry;
import io.loginstate.processing.ProcessorStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready when Kafka answers, the group has assigned partitions, and every assigned state is open. */
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
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("login-state")
                .withData("kafka", kafka ? "reachable" : "unreachable")
                .withData("assignment", assigned ? "received" : "pending");
        for (PartitionProcessor processor : registry.processors()) {
            allOpen &= processor.status() == ProcessorStatus.OPEN;
            builder.withData("partition-" + processor.partition().partition(), processor.status().name());
        }
        return builder.status(kafka && assigned && allOpen).build();
    }
}
