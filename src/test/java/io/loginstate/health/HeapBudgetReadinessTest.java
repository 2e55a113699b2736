package io.loginstate.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.ingest.KafkaClusterView;
import io.loginstate.processing.PartitionLifecycle;
import io.loginstate.processing.PartitionOpener;
import io.loginstate.processing.PartitionProcessor;
import io.loginstate.processing.ProcessingMetrics;
import io.loginstate.processing.ProcessingObserver;
import io.loginstate.processing.ProcessorRegistry;
import io.loginstate.state.KeyedStateBackendBuilder;
import io.loginstate.state.api.Serializers;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.ValueState;
import io.loginstate.state.heap.HeapBudget;
import io.loginstate.state.heap.HeapStore;
import io.loginstate.testing.RegistrySettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/**
 * Readiness is DOWN, naming the partition and the budget, while a heap partition's commits are
 * refused by the instance's heap state budget; liveness stays UP (a restart frees no budget); both
 * turn back once another partition gives its bytes back.
 */
class HeapBudgetReadinessTest {

    private static final TopicPartition PARTITION = new TopicPartition("logins", 0);
    private static final StateDescriptor<ValueState<Long>> COUNT = StateDescriptor.value("count", Serializers.LONG);

    @Test
    void downWhileTheHeapBudgetIsSpentUpOnceItHasRoomAgain() {
        KeyedStateBackendBuilder states = KeyedStateBackendBuilder.of(List.of(COUNT));
        HeapBudget budget = new HeapBudget(1 << 16);
        {
            PartitionOpener opener = (partition, epoch) -> {
                var state = states.build(HeapStore.open(partition.toString(), states.tableNames(), budget));
                return new PartitionOpener.Opened(
                        state,
                        (records, outcome) -> {
                            for (ConsumerRecord<byte[], byte[]> record : records) {
                                state.setCurrentKey(record.key());
                                ValueState<Long> count = state.valueState(COUNT);
                                Long current = count.value();
                                count.update(current == null ? 1 : current + 1);
                            }
                        },
                        null);
            };
            ProcessorRegistry registry = new ProcessorRegistry(
                    opener,
                    RegistrySettings.forTests(),
                    rejection -> CompletableFuture.completedFuture(null),
                    new ProcessingObserver() {},
                    new ProcessingMetrics(new SimpleMeterRegistry()));
            StateReadinessCheck readiness = new StateReadinessCheck();
            readiness.cluster = new KafkaClusterView() {
                @Override
                public boolean reachable() {
                    return true;
                }
            };
            readiness.registry = registry;
            ProcessorLivenessCheck liveness = new ProcessorLivenessCheck();
            liveness.registry = registry;
            try {
                PartitionProcessor processor =
                        registry.open(List.of(PARTITION), 1).get(0);
                assertThat(readiness.call().getStatus()).isEqualTo(HealthCheckResponse.Status.UP);

                HeapStore other = HeapStore.open("logins-1", List.of("t"), budget);
                other.table("t").put(new byte[] {1}, new byte[(int) (budget.maxBytes() - budget.usedBytes()) - 100]);
                other.commit(1);
                processor.submit(batch(0));
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> processor.retrying().orElse("").contains("(attempt 4)"));
                HealthCheckResponse full = readiness.call();
                assertThat(full.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
                assertThat(full.getData())
                        .hasValueSatisfying(data -> assertThat(String.valueOf(data.get("partition-0-state-volume")))
                                .startsWith("cannot write:")
                                .contains("heap state budget is spent"));
                assertThat(liveness.call().getStatus())
                        .as("a restart frees no budget")
                        .isEqualTo(HealthCheckResponse.Status.UP);

                other.close();
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> processor.nextOffset().orElse(0) == 10);
                assertThat(processor.lifecycle()).isEqualTo(PartitionLifecycle.OPEN);
                HealthCheckResponse after = readiness.call();
                assertThat(after.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
                assertThat(after.getData())
                        .hasValueSatisfying(data -> assertThat(data).doesNotContainKey("partition-0-state-volume"));
            } finally {
                registry.stop();
            }
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> batch(int index) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            long offset = index * 10L + i;
            records.add(new ConsumerRecord<>(
                    PARTITION.topic(),
                    PARTITION.partition(),
                    offset,
                    ("user-" + offset % 3).getBytes(StandardCharsets.UTF_8),
                    "{}".getBytes(StandardCharsets.UTF_8)));
        }
        return records;
    }
}
