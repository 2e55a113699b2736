package io.loginstate.health;

import io.loginstate.ingest.KafkaClusterView;
import io.loginstate.processing.ProcessorRegistry;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Readiness stays DOWN while an assigned partition is being restored. */
class StateReadinessCheckTest {

    private static StateReadinessCheck check(boolean restoring) {
        StateReadinessCheck check = new StateReadinessCheck();
        check.cluster = new KafkaClusterView() {
            @Override
            public boolean reachable() {
                return true;
            }
        };
        check.registry = new ProcessorRegistry() {
            @Override
            public boolean assignmentReceived() {
                return true;
            }

            @Override
            public boolean restoring() {
                return restoring;
            }

            @Override
            public java.util.Collection<io.loginstate.processing.PartitionProcessor> processors() {
                return java.util.List.of();
            }
        };
        return check;
    }

    @Test
    void downWhileAPartitionRestoresUpOnceDone() {
        HealthCheckResponse restoring = check(true).call();
        assertThat(restoring.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(restoring.getData()).hasValueSatisfying(data -> assertThat(data).containsEntry("restore", "in progress"));

        HealthCheckResponse restored = check(false).call();
        assertThat(restored.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(restored.getData()).hasValueSatisfying(data -> assertThat(data).doesNotContainKey("restore"));
    }
}
