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
import io.loginstate.state.store.ByteStore;
import io.loginstate.testing.RegistrySettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheckResponse;

/**
 * A registry of partitions that count each user's records in one value state, over stores made by
 * the test, with the readiness and liveness checks that watch it: the setting of the health
 * tests about state that cannot be written.
 */
final class CountingPartitions implements AutoCloseable {

    static final TopicPartition PARTITION = new TopicPartition("logins", 0);
    private static final StateDescriptor<ValueState<Long>> COUNT = StateDescriptor.value("count", Serializers.LONG);

    final ProcessorRegistry registry;
    final StateReadinessCheck readiness = new StateReadinessCheck();
    final ProcessorLivenessCheck liveness = new ProcessorLivenessCheck();

    /** {@code stores} makes a partition's store from the partition and the names of its tables. */
    CountingPartitions(BiFunction<TopicPartition, List<String>, ByteStore> stores) {
        KeyedStateBackendBuilder states = KeyedStateBackendBuilder.of(List.of(COUNT));
        PartitionOpener opener = (partition, epoch) -> {
            var state = states.build(stores.apply(partition, states.tableNames()));
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
        registry = new ProcessorRegistry(
                opener,
                RegistrySettings.forTests(),
                rejection -> CompletableFuture.completedFuture(null),
                new ProcessingObserver() {},
                new ProcessingMetrics(new SimpleMeterRegistry()));
        readiness.cluster = new KafkaClusterView() {
            @Override
            public boolean reachable() {
                return true;
            }
        };
        readiness.registry = registry;
        liveness.registry = registry;
    }

    /** Opens {@link #PARTITION}. */
    PartitionProcessor open() {
        return registry.open(List.of(PARTITION), 1).get(0);
    }

    /** Readiness DOWN, naming the partition's state and {@code cause}; liveness UP, since a restart would not help. */
    void assertUnwritable(String cause) {
        HealthCheckResponse full = readiness.call();
        assertThat(full.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(full.getData())
                .hasValueSatisfying(data -> assertThat(String.valueOf(data.get("partition-0-state-volume")))
                        .startsWith("cannot write:")
                        .contains(cause));
        assertThat(liveness.call().getStatus()).as("a restart would not help").isEqualTo(HealthCheckResponse.Status.UP);
    }

    /** The first batch gets applied, the partition stays open and readiness is UP without it. */
    void assertWritableAgain(PartitionProcessor processor) {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> processor.nextOffset().orElse(0) == 10);
        assertThat(processor.lifecycle()).isEqualTo(PartitionLifecycle.OPEN);
        HealthCheckResponse after = readiness.call();
        assertThat(after.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(after.getData())
                .hasValueSatisfying(data -> assertThat(data).doesNotContainKey("partition-0-state-volume"));
    }

    /** Ten records of three users, at offsets {@code index × 10} onwards. */
    static List<ConsumerRecord<byte[], byte[]>> batch(int index) {
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

    @Override
    public void close() {
        registry.stop();
    }
}
