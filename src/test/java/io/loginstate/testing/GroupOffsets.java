package io.loginstate.testing;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;

/** A consumer group's committed offsets and the topic's end offsets, read with an admin client. */
public final class GroupOffsets implements AutoCloseable {

    private final Admin admin;
    private final String group;
    private final String topic;
    private final int partitions;

    public GroupOffsets(String bootstrapServers, String group, String topic, int partitions) {
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
        this.group = group;
        this.topic = topic;
        this.partitions = partitions;
    }

    /** Committed offsets by partition number; partitions without a commit are absent. */
    public Map<Integer, Long> committed() {
        Map<TopicPartition, OffsetAndMetadata> offsets =
                get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
        Map<Integer, Long> result = new TreeMap<>();
        offsets.forEach((partition, offset) -> {
            if (partition.topic().equals(topic) && offset != null) {
                result.put(partition.partition(), offset.offset());
            }
        });
        return result;
    }

    /** End offsets (the next offset to be written) by partition number. */
    public Map<Integer, Long> endOffsets() {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<Integer, Long> result = new TreeMap<>();
        get(admin.listOffsets(request).all())
                .forEach((partition, info) -> result.put(partition.partition(), info.offset()));
        return result;
    }

    private static <T> T get(KafkaFuture<T> future) {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}
