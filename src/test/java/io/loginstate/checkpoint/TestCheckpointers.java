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
        return settings(retained, orphanMinAge, "test-deployment", true);
    }

    public static CheckpointSettings settings(
            int retained, Duration orphanMinAge, String deploymentId, boolean readLegacyLayout) {
        return new CheckpointSettings(
                retained,
                orphanMinAge,
                Duration.ofMillis(20),
                Duration.ofMillis(200),
                2,
                4,
                deploymentId,
                readLegacyLayout);
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
        CheckpointLayout layout =
                CheckpointLayout.of(settings.deploymentId(), partition.topic(), partition.partition());
        return checkpointer(partition, layout, store, epoch, localRoot, settings, uploads, retries, clock);
    }

    private static Checkpointer checkpointer(
            TopicPartition partition,
            CheckpointLayout layout,
            ObjectStore store,
            long epoch,
            Path localRoot,
            CheckpointSettings settings,
            Executor uploads,
            ScheduledExecutorService retries,
            InstantSource clock) {
        ObjectStoreCheckpointer.Shared shared = new ObjectStoreCheckpointer.Shared(
                store, uploads, retries, OffsetCommitter.NONE, clock, settings, Map.of("test", "true"));
        OwnershipFence.Claim claim = new OwnershipFence(store, layout.partitionPrefix()).claim(epoch);
        return new ObjectStoreCheckpointer(
                partition, layout, claim, -1, localRoot, shared, CheckpointMetrics.unregistered());
    }

    /** Like {@link #checkpointer}, in the layout before deployment ids, as an earlier version wrote it. */
    public static Checkpointer legacyCheckpointer(
            TopicPartition partition,
            ObjectStore store,
            long epoch,
            Path localRoot,
            CheckpointSettings settings,
            Executor uploads,
            ScheduledExecutorService retries,
            InstantSource clock) {
        return checkpointer(
                partition,
                CheckpointLayout.legacy(partition.topic(), partition.partition()),
                store,
                epoch,
                localRoot,
                settings,
                uploads,
                retries,
                clock);
    }

    public static CheckpointRestorer restorer(ObjectStore store, Executor downloads) {
        return new CheckpointRestorer(store, downloads, new CheckpointMetrics(new SimpleMeterRegistry()), null);
    }

    /** The layout of the default test deployment ({@link #settings(int, Duration)}). */
    public static CheckpointLayout layout(TopicPartition partition) {
        return CheckpointLayout.of("test-deployment", partition.topic(), partition.partition());
    }
}
