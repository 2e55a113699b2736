package io.loginstate.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.ingest.KafkaClusterView;
import io.loginstate.processing.PartitionOpener;
import io.loginstate.processing.ProcessingMetrics;
import io.loginstate.processing.ProcessingObserver;
import io.loginstate.processing.ProcessorRegistry;
import io.loginstate.state.KeyedStateBackendBuilder;
import io.loginstate.state.api.Serializers;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.heap.HeapStore;
import io.loginstate.testing.RegistrySettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/** Readiness stays DOWN while an assigned partition is being restored, and turns UP once it is open. */
class StateReadinessCheckTest {

    private static final TopicPartition PARTITION = new TopicPartition("logins", 0);
    private static final List<StateDescriptor<?>> STATES = List.of(StateDescriptor.value("count", Serializers.LONG));

    @Test
    void downWhileAPartitionRestoresUpOnceDone() throws Exception {
        CountDownLatch restored = new CountDownLatch(1);
        CountDownLatch restoring = new CountDownLatch(1);
        KeyedStateBackendBuilder states = KeyedStateBackendBuilder.of(STATES);
        PartitionOpener opener = (partition, epoch) -> {
            restoring.countDown();
            try {
                restored.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new PartitionOpener.Opened(
                    states.build(new HeapStore("heap", states.tableNames())), (records, outcome) -> {}, null);
        };
        ProcessorRegistry registry = new ProcessorRegistry(
                opener,
                RegistrySettings.forTests(),
                rejection -> CompletableFuture.completedFuture(null),
                new ProcessingObserver() {},
                new ProcessingMetrics(new SimpleMeterRegistry()));
        StateReadinessCheck check = new StateReadinessCheck();
        check.cluster = new KafkaClusterView() {
            @Override
            public boolean reachable() {
                return true;
            }
        };
        check.registry = registry;
        try {
            CompletableFuture<?> open = CompletableFuture.runAsync(() -> registry.open(List.of(PARTITION), 1));
            assertThat(restoring.await(10, TimeUnit.SECONDS)).isTrue();
            HealthCheckResponse during = check.call();
            assertThat(during.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
            assertThat(during.getData())
                    .hasValueSatisfying(data -> assertThat(data).containsEntry("restore", "in progress"));

            restored.countDown();
            open.get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> check.call().getStatus() == HealthCheckResponse.Status.UP);
            HealthCheckResponse after = check.call();
            assertThat(after.getData())
                    .hasValueSatisfying(data ->
                            assertThat(data).doesNotContainKey("restore").containsEntry("partition-0", "OPEN"));
        } finally {
            restored.countDown();
            registry.stop();
        }
    }
}
