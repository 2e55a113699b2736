package io.loginstate.app;

import io.loginstate.checkpoint.Checkpointer;
import io.loginstate.erasure.ErasurePartitions;
import io.loginstate.processing.PartitionLifecycle;
import io.loginstate.processing.PartitionProcessor;
import io.loginstate.processing.ProcessorRegistry;
import io.loginstate.savepoint.OwnedPartitions;
import io.loginstate.state.api.StateSnapshot;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;

/** The savepoint writer's and erasure tracking's view of the partitions open here: the processor registry's. */
final class RegistryPartitions implements OwnedPartitions, ErasurePartitions {

    private final ProcessorRegistry registry;
    private final String topic;
    private final Supplier<OptionalInt> partitionCount;
    private final Executor snapshots;

    RegistryPartitions(
            ProcessorRegistry registry, String topic, Supplier<OptionalInt> partitionCount, Executor snapshots) {
        this.registry = registry;
        this.topic = topic;
        this.partitionCount = partitionCount;
        this.snapshots = snapshots;
    }

    @Override
    public List<Integer> owned() {
        return registry.processors().stream()
                .filter(processor ->
                        processor.partition().topic().equals(topic) && processor.lifecycle() == PartitionLifecycle.OPEN)
                .map(processor -> processor.partition().partition())
                .sorted()
                .toList();
    }

    @Override
    public OptionalInt partitionCount() {
        return partitionCount.get();
    }

    @Override
    public Optional<Progress> progress(int partition) {
        return registry.processor(new TopicPartition(topic, partition))
                .filter(processor -> processor.lifecycle() == PartitionLifecycle.OPEN)
                .flatMap(processor -> processor.nextOffset().isPresent()
                        ? Optional.of(new Progress(
                                processor.nextOffset().getAsLong(),
                                processor.unpurgedDeletionsSince(),
                                processor
                                        .checkpointer()
                                        .map(c -> c.owner().claim())
                                        .orElse(0L),
                                processor.lastChangeByMaintenance(),
                                processor.oldestRetainedCheckpointStart()))
                        : Optional.empty());
    }

    @Override
    public Owner owner(int partition) {
        Checkpointer.Owner owner =
                processor(partition).checkpointer().map(Checkpointer::owner).orElse(new Checkpointer.Owner(0, 0));
        return new Owner(owner.epoch(), owner.claim());
    }

    @Override
    public void checkStillOwner(int partition) {
        PartitionProcessor processor = processor(partition);
        if (processor.lifecycle() != PartitionLifecycle.OPEN) {
            throw new IllegalStateException("Partition " + processor.partition() + " is " + processor.lifecycle());
        }
        processor.checkpointer().ifPresent(Checkpointer::checkStillOwner);
    }

    @Override
    public CompletableFuture<StateSnapshot> snapshot(int partition, Path directory) {
        return processor(partition).snapshotForExport(directory, snapshots);
    }

    private PartitionProcessor processor(int partition) {
        TopicPartition key = new TopicPartition(topic, partition);
        return registry.processor(key)
                .orElseThrow(() -> new IllegalStateException("Partition " + key + " is not open here"));
    }
}
