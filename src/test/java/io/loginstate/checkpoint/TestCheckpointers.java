package io.loginstate.checkpoint;

import io.loginstate.objectstore.ObjectStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.common.TopicPartition;

/** Builds checkpointers and restorers outside the service, for tests and benchmarks. */
public final class TestCheckpointers {

    private TestCheckpointers() {}

    public static CheckpointSettings settings(int retained, Duration orphanMinAge) {
        return new CheckpointSettings(retained, orphanMinAge, Duration.ofMillis(20), Duration.ofMillis(200), 2, 4);
    }

    /** A checkpointer of {@code partition} for owner {@code epoch}, which claims it first; nothing durable yet. */
    public static Checkpointer checkpointer(
            TopicPartition partition,
            ObjectStore store,
            long epoch,
            Path localRoot,
            CheckpointSettings settings,
            Executor uploads,
            ScheduledExecutorService retries,
            InstantSource clock) {
        ObjectStoreCheckpointer.Shared shared = new ObjectStoreCheckpointer.Shared(
                store, uploads, retries, OffsetCommitter.NONE, clock, settings, Map.of("test", "true"));
        CheckpointLayout layout = CheckpointLayout.of(partition.topic(), partition.partition());
        OwnershipFence.Claim claim = new OwnershipFence(store, layout.partitionPrefix()).claim(epoch);
        return new ObjectStoreCheckpointer(
                partition, layout, claim, -1, localRoot, shared, CheckpointMetrics.unregistered());
    }

    public static CheckpointRestorer restorer(ObjectStore store, Executor downloads) {
        return new CheckpointRestorer(store, downloads, new CheckpointMetrics(new SimpleMeterRegistry()));
    }

    public static CheckpointLayout layout(TopicPartition partition) {
        return CheckpointLayout.of(partition.topic(), partition.partition());
    }
}
