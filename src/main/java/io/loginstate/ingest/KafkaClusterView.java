package io.loginstate.ingest;

import io.loginstate.processing.EndOffsets;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
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
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * What this instance knows of the Kafka cluster: whether it is reachable and how many partitions a
 * topic has. Answers are cached briefly so health probes and queries do not load the brokers.
 */
@ApplicationScoped
public class KafkaClusterView implements EndOffsets {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);
    private static final long REACHABLE_TTL_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long PARTITIONS_TTL_NANOS = TimeUnit.SECONDS.toNanos(30);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private Admin admin;
    private volatile long reachableCheckedAt;
    private volatile boolean reachable;
    private final Map<String, long[]> partitionCounts = new ConcurrentHashMap<>();
    private final Map<String, CachedOffsets> endOffsets = new ConcurrentHashMap<>();
    private static final long END_OFFSETS_TTL_NANOS = TimeUnit.SECONDS.toNanos(1);
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
    }

    /** True if a broker answered a cluster description within the last few seconds. */
    public boolean reachable() {
        long now = System.nanoTime();
        if (now - reachableCheckedAt > REACHABLE_TTL_NANOS) {
            try {
                admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) REQUEST_TIMEOUT.toMillis()))
                        .clusterId()
                        .get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                reachable = true;
            } catch (Exception e) {
                reachable = false;
            }
            reachableCheckedAt = now;
        }
        return reachable;
    }

    /** The number of partitions of {@code topic}, empty if it cannot be learned now. */
    public OptionalInt partitionCount(String topic) {
        long now = System.nanoTime();
        long[] cached = partitionCounts.get(topic);
        if (cached != null && now - cached[1] < PARTITIONS_TTL_NANOS) {
            return OptionalInt.of((int) cached[0]);
        }
        try {
            TopicDescription description = admin.describeTopics(
                            List.of(topic), new DescribeTopicsOptions().timeoutMs((int) REQUEST_TIMEOUT.toMillis()))
                    .allTopicNames()
                    .get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .get(topic);
            int count = description.partitions().size();
            partitionCounts.put(topic, new long[] {count, now});
            return OptionalInt.of(count);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
        } catch (Exception e) {
            return cached == null ? OptionalInt.empty() : OptionalInt.of((int) cached[0]);
        }
    }

    /** The end offset of each partition of {@code topic} (cached for a second), empty if Kafka does not answer. */
    public Map<Integer, Long> endOffsets(String topic, int partitions) {
        long now = System.nanoTime();
        CachedOffsets cached = endOffsets.get(topic);
        if (cached != null && now - cached.at() < END_OFFSETS_TTL_NANOS) {
            return cached.offsets();
        }
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int partition = 0; partition < partitions; partition++) {
            request.put(new TopicPartition(topic, partition), OffsetSpec.latest());
        }
        try {
            Map<Integer, Long> offsets = new HashMap<>();
            admin.listOffsets(request, new ListOffsetsOptions().timeoutMs((int) REQUEST_TIMEOUT.toMillis()))
                    .all()
                    .get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .forEach((partition, info) -> offsets.put(partition.partition(), info.offset()));
            endOffsets.put(topic, new CachedOffsets(now, Map.copyOf(offsets)));
            return offsets;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        } catch (Exception e) {
            return cached == null ? Map.of() : cached.offsets();
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

    private record CachedOffsets(long at, Map<Integer, Long> offsets) {}

    @PreDestroy
    void stop() {
        admin.close(REQUEST_TIMEOUT);
    }
}
