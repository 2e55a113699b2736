package io.loginstate.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.processing.FailureHistory;
import io.loginstate.processing.PartitionLifecycle;
import io.loginstate.processing.PartitionOpener;
import io.loginstate.processing.PartitionProcessor;
import io.loginstate.processing.ProcessingMetrics;
import io.loginstate.processing.ProcessingObserver;
import io.loginstate.processing.ProcessorRegistry;
import io.loginstate.state.KeyedStateBackendBuilder;
import io.loginstate.state.api.Serializers;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.heap.HeapStore;
import io.loginstate.testing.RegistrySettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Liveness tells a failure a restart may cure from a crash loop: a partition's first failure at
 * an offset turns liveness DOWN; failing again at the same offset after the restart is reported
 * as a crash loop, with the count, and keeps the instance live.
 */
class ProcessorLivenessCheckTest {

    private static final TopicPartition PARTITION = new TopicPartition("logins", 0);
    private static final List<StateDescriptor<?>> STATES = List.of(StateDescriptor.value("count", Serializers.LONG));

    @TempDir
    Path stateDir;

    /** An instance whose handler throws on every record: its state layer is broken, say. */
    private ProcessorRegistry instance() {
        KeyedStateBackendBuilder states = KeyedStateBackendBuilder.of(STATES);
        PartitionOpener opener = (partition, epoch) -> new PartitionOpener.Opened(
                states.build(new HeapStore("heap", states.tableNames())),
                (records, outcome) -> {
                    throw new IllegalStateException("state unreadable");
                },
                null,
                FailureHistory.at(stateDir.resolve("logins-0.failures")));
        return new ProcessorRegistry(
                opener,
                RegistrySettings.forTests(Duration.ofSeconds(5), 2, Duration.ofMillis(100)),
                rejection -> CompletableFuture.completedFuture(null),
                new ProcessingObserver() {},
                new ProcessingMetrics(new SimpleMeterRegistry()));
    }

    private static HealthCheckResponse failOnce(ProcessorRegistry registry) {
        PartitionProcessor processor = registry.open(List.of(PARTITION), 1).get(0);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int offset = 0; offset < 20; offset++) {
            records.add(new ConsumerRecord<>(
                    "logins", 0, offset, "u".getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8)));
        }
        processor.submit(records);
        ProcessorLivenessCheck check = new ProcessorLivenessCheck();
        check.registry = registry;
        await().pollInterval(Duration.ofMillis(10))
                .atMost(Duration.ofSeconds(10))
                .until(() -> processor.retrying().isPresent());
        HealthCheckResponse whileRetrying = check.call();
        assertThat(whileRetrying.getStatus())
                .as("retrying is not a reason to restart")
                .isEqualTo(HealthCheckResponse.Status.UP);
        await().atMost(Duration.ofSeconds(60)).until(() -> processor.lifecycle() == PartitionLifecycle.FAILED);
        return check.call();
    }

    @Test
    void aFailureThatSurvivesARestartIsReportedAsACrashLoopAndKeepsTheInstanceLive() {
        ProcessorRegistry first = instance();
        HealthCheckResponse afterFirst = failOnce(first);
        assertThat(afterFirst.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(afterFirst.getData().orElseThrow().get("partition-0").toString())
                .contains("IllegalStateException")
                .doesNotContain("state unreadable");
        first.stop();

        ProcessorRegistry restarted = instance();
        HealthCheckResponse afterRestart = failOnce(restarted);
        assertThat(afterRestart.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(afterRestart.getData().orElseThrow().get("partition-0").toString())
                .startsWith("crash loop: failed 2 times in a row");
        assertThat(restarted.processor(PARTITION).orElseThrow().failuresInARow())
                .isEqualTo(2);
        restarted.stop();
    }
}
