package io.loginstate.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.checkpoint.Checkpointer;
import io.loginstate.checkpoint.TestCheckpointers;
import io.loginstate.objectstore.DirectoryObjectStore;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.processing.PartitionOpener;
import io.loginstate.processing.PartitionProcessor;
import io.loginstate.processing.ProcessingMetrics;
import io.loginstate.processing.ProcessingObserver;
import io.loginstate.processing.ProcessorRegistry;
import io.loginstate.state.Backends;
import io.loginstate.state.KeyedStateBackendBuilder;
import io.loginstate.state.api.Serializers;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.testing.BrokerFixture;
import io.loginstate.testing.ManualClock;
import io.loginstate.testing.RegistrySettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A partition the consumer lost (its group membership expired, so another member may own it by
 * now) is closed without a final checkpoint; one revoked in a rebalance or at a stop gets its final
 * checkpoint. Driven by a real consumer against a real broker, through a listener that forwards
 * like SmallRye's {@code RebalanceListeners.WrappedConsumerRebalanceListener}: it implements only
 * revocation and assignment, so Kafka's default {@code onPartitionsLost} reaches the service's
 * listener as a revocation.
 */
class PartitionLossTest {

    private static final String TOPIC = "logins";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    private static final List<StateDescriptor<?>> STATES = List.of(StateDescriptor.value("count", Serializers.LONG));
    private static BrokerFixture broker;

    private final ExecutorService uploads = Executors.newFixedThreadPool(1);
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();

    @BeforeAll
    static void startBroker() throws Exception {
        broker = BrokerFixture.start("partition-loss", TOPIC, 1);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @AfterEach
    void stopThreads() {
        uploads.shutdownNow();
        retries.shutdownNow();
    }

    /** Forwards as SmallRye's wrapper does: no onPartitionsLost of its own. */
    private record SmallRyeLikeWrapper(PartitionAssignmentListener listener, AtomicInteger assignments)
            implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            listener.onPartitionsRevoked(consumer, partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            assignments.addAndGet(partitions.size());
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer;

    private record Instance(ProcessorRegistry registry, Checkpointer checkpointer, ObjectStore store) {}

    private Instance instance(String name) {
        ObjectStore store = new DirectoryObjectStore(broker.workDir().resolve(name + "-store"));
        Checkpointer checkpointer = TestCheckpointers.checkpointer(
                PARTITION,
                store,
                1,
                broker.workDir().resolve(name + "-local"),
                TestCheckpointers.settings(2, Duration.ofMinutes(15)),
                uploads,
                retries,
                new ManualClock(System.currentTimeMillis()));
        KeyedStateBackendBuilder states = KeyedStateBackendBuilder.of(STATES);
        PartitionOpener opener = (partition, epoch) -> new PartitionOpener.Opened(
                states.build(Backends.ROCKSDB.open(broker.workDir().resolve(name + "-db"), states.tableNames())),
                (records, outcome) -> {},
                checkpointer);
        ProcessorRegistry registry = new ProcessorRegistry(
                opener,
                RegistrySettings.forTests(Duration.ofSeconds(10), 3, Duration.ofMillis(10)),
                rejection -> CompletableFuture.completedFuture(null),
                new ProcessingObserver() {},
                new ProcessingMetrics(new SimpleMeterRegistry()));
        return new Instance(registry, checkpointer, store);
    }

    /** A consumer of the group that got the partition, and the partition's processor with applied records. */
    private KafkaConsumer<byte[], byte[]> assigned(Instance instance, String group, AtomicInteger assignments) {
        PartitionAssignmentListener listener = new PartitionAssignmentListener();
        listener.registry = instance.registry();
        KafkaConsumer<byte[], byte[]> created = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG, group,
                        ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 2000,
                        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000,
                        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        consumer = created;
        created.subscribe(List.of(TOPIC), new SmallRyeLikeWrapper(listener, assignments));
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            created.poll(Duration.ofMillis(100));
            return assignments.get() > 0;
        });
        PartitionProcessor processor =
                instance.registry().open(List.of(PARTITION), 1).get(0);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int offset = 0; offset < 10; offset++) {
            records.add(new ConsumerRecord<>(
                    TOPIC, 0, offset, "u".getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8)));
        }
        processor.submit(records);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> processor.nextOffset().orElse(0) == 10);
        return created;
    }

    @Test
    void aLostPartitionClosesWithoutAFinalCheckpoint() {
        Instance instance = instance("lost");
        AtomicInteger assignments = new AtomicInteger();
        KafkaConsumer<byte[], byte[]> lost = assigned(instance, "loss-group", assignments);
        // No poll for longer than max.poll.interval.ms: the member leaves the group, its generation is gone.
        // No poll for longer than max.poll.interval.ms (2 s): the heartbeat thread leaves the group.
        await().atMost(Duration.ofSeconds(20))
                .alias("the poll interval expired long ago")
                .until(() -> secondsSinceLastPoll(lost) >= 4);
        await().atMost(Duration.ofSeconds(30))
                .alias("the loss reaches the listener, which closes the partition")
                .until(() -> {
                    lost.poll(Duration.ofMillis(100));
                    return instance.registry().processor(PARTITION).isEmpty();
                });
        assertThat(instance.checkpointer().durableOffset())
                .as("no final checkpoint for a partition another member may own")
                .isEqualTo(-1);
        lost.close();
        instance.registry().stop();
        instance.store().close();
    }

    private static double secondsSinceLastPoll(KafkaConsumer<byte[], byte[]> consumer) {
        return consumer.metrics().entrySet().stream()
                .filter(metric -> metric.getKey().name().equals("last-poll-seconds-ago"))
                .mapToDouble(metric -> ((Number) metric.getValue().metricValue()).doubleValue())
                .max()
                .orElse(0);
    }

    @Test
    void aRevokedPartitionGetsItsFinalCheckpoint() {
        Instance instance = instance("revoked");
        AtomicInteger assignments = new AtomicInteger();
        KafkaConsumer<byte[], byte[]> revoked = assigned(instance, "revoke-group", assignments);
        revoked.unsubscribe(); // a revocation while the membership is valid
        assertThat(instance.registry().processor(PARTITION)).isEmpty();
        assertThat(instance.checkpointer().durableOffset()).isEqualTo(10);
        revoked.close();
        instance.registry().stop();
        instance.store().close();
    }
}
