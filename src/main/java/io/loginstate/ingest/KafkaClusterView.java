package io.loginstate.ingest;

import io.loginstate.config.LoginStateConfig;
import io.loginstate.processing.EndOffsets;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * What this instance knows of the Kafka cluster: whether it is reachable, how many partitions a
 * topic has, the end offsets of its partitions. Every answer comes at once from what was last
 * learned; when that is older than its time to live, one request goes out in the background and
 * its answer serves later calls. So neither a query nor a health probe ever waits for Kafka, and
 * while Kafka is down they get the last known answer (or none, if Kafka never answered).
 */
@ApplicationScoped
public class KafkaClusterView implements EndOffsets {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);
    private static final long REACHABLE_TTL_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long END_OFFSETS_TTL_NANOS = TimeUnit.SECONDS.toNanos(1);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    /** The input topic, whose partition count is asked for at start; absent in tests. */
    @Inject
    Instance<LoginStateConfig> config;

    /** How long a partition count is served before it is asked again (in the background). */
    long partitionsTtlNanos = TimeUnit.SECONDS.toNanos(30);

    private Admin admin;
    private volatile long reachableCheckedAt = System.nanoTime() - REACHABLE_TTL_NANOS - 1;
    private volatile boolean reachable;
    private final AtomicBoolean checkingReachable = new AtomicBoolean();
    private final Map<String, Learned<Integer>> partitionCounts = new ConcurrentHashMap<>();
    private final Map<String, Learned<Map<Integer, Long>>> endOffsets = new ConcurrentHashMap<>();
    /** Keys ("count:topic", "ends:topic") with a request in flight. */
    private final Set<String> asking = ConcurrentHashMap.newKeySet();

    private final Set<TopicPartition> watched = ConcurrentHashMap.newKeySet();
    private final Map<TopicPartition, Long> watchedEnds = new ConcurrentHashMap<>();
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private volatile long watchedRefreshedAt = System.nanoTime() - END_OFFSETS_TTL_NANOS - 1;

    @PostConstruct
    void start() {
        Map<String, Object> props = KafkaClientConfig.common(kafkaConfig);
        props.keySet().retainAll(AdminClientConfig.configNames());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "login-state-admin");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) REQUEST_TIMEOUT.toMillis());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) REQUEST_TIMEOUT.toMillis());
        admin = Admin.create(props);
        if (config != null && config.isResolvable()) {
            partitionCount(config.get().topic());
        }
        reachable();
    }

    /** True if a broker answered the last cluster description (asked again every few seconds, in the background). */
    public boolean reachable() {
        if (System.nanoTime() - reachableCheckedAt > REACHABLE_TTL_NANOS
                && checkingReachable.compareAndSet(false, true)) {
            try {
                admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) REQUEST_TIMEOUT.toMillis()))
                        .clusterId()
                        .whenComplete((id, failure) -> {
                            reachable = failure == null;
                            reachableCheckedAt = System.nanoTime();
                            checkingReachable.set(false);
                        });
            } catch (RuntimeException e) {
                reachable = false;
                checkingReachable.set(false);
            }
        }
        return reachable;
    }

    /** The number of partitions of {@code topic} last learned, empty if Kafka never told it. */
    public OptionalInt partitionCount(String topic) {
        Learned<Integer> learned = partitionCounts.get(topic);
        if (learned == null || learned.olderThan(partitionsTtlNanos)) {
            ask(
                    "count:" + topic,
                    () -> admin.describeTopics(List.of(topic), new DescribeTopicsOptions().timeoutMs((int)
                                            REQUEST_TIMEOUT.toMillis()))
                            .allTopicNames(),
                    answer -> {
                        TopicDescription description = answer.get(topic);
                        if (description != null) {
                            partitionsKnown(topic, description.partitions().size());
                        }
                    });
        }
        return learned == null ? OptionalInt.empty() : OptionalInt.of(learned.value());
    }

    /** Tells the view a topic's partition count learned elsewhere (by the consumer on assignment). */
    public void partitionsKnown(String topic, int count) {
        if (count > 0) {
            partitionCounts.put(topic, new Learned<>(count, System.nanoTime()));
        }
    }

    /** The end offset of each partition of {@code topic} last learned (asked again after a second), empty if never. */
    public Map<Integer, Long> endOffsets(String topic, int partitions) {
        Learned<Map<Integer, Long>> learned = endOffsets.get(topic);
        if (learned == null || learned.olderThan(END_OFFSETS_TTL_NANOS)) {
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (int partition = 0; partition < partitions; partition++) {
                request.put(new TopicPartition(topic, partition), OffsetSpec.latest());
            }
            ask(
                    "ends:" + topic,
                    () -> admin.listOffsets(
                                    request, new ListOffsetsOptions().timeoutMs((int) REQUEST_TIMEOUT.toMillis()))
                            .all(),
                    answer -> {
                        Map<Integer, Long> offsets = new HashMap<>();
                        answer.forEach((partition, info) -> offsets.put(partition.partition(), info.offset()));
                        endOffsets.put(topic, new Learned<>(Map.copyOf(offsets), System.nanoTime()));
                    });
        }
        return learned == null ? Map.of() : learned.value();
    }

    /** Sends one request for {@code key} unless one is in flight; its answer goes to {@code learn}. */
    private <T> void ask(String key, Supplier<KafkaFuture<T>> request, java.util.function.Consumer<T> learn) {
        if (!asking.add(key)) {
            return;
        }
        try {
            request.get().whenComplete((answer, failure) -> {
                try {
                    if (failure == null) {
                        learn.accept(answer);
                    }
                } finally {
                    asking.remove(key);
                }
            });
        } catch (RuntimeException e) {
            asking.remove(key);
        }
    }

    /**
     * The end offset last learned for {@code partition}, at once. When it is older than a second, one
     * request for every partition asked about so far goes out in the background; its answer serves
     * the next call.
     */
    @Override
    public OptionalLong endOffset(TopicPartition partition) {
        watched.add(partition);
        long now = System.nanoTime();
        if (now - watchedRefreshedAt > END_OFFSETS_TTL_NANOS && refreshing.compareAndSet(false, true)) {
            watchedRefreshedAt = now;
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            watched.forEach(p -> request.put(p, OffsetSpec.latest()));
            admin.listOffsets(request, new ListOffsetsOptions().timeoutMs((int) REQUEST_TIMEOUT.toMillis()))
                    .all()
                    .whenComplete((answer, failure) -> {
                        if (answer != null) {
                            answer.forEach((p, info) -> watchedEnds.put(p, info.offset()));
                        }
                        refreshing.set(false);
                    });
        }
        Long end = watchedEnds.get(partition);
        return end == null ? OptionalLong.empty() : OptionalLong.of(end);
    }

    /** A value learned from Kafka, and when ({@link System#nanoTime}). */
    private record Learned<T>(T value, long at) {
        boolean olderThan(long nanos) {
            return System.nanoTime() - at > nanos;
        }
    }

    @PreDestroy
    void stop() {
        admin.close(REQUEST_TIMEOUT);
    }
}
