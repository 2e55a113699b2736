package io.loginstate.processing;

import io.loginstate.checkpoint.Checkpointer;
import io.loginstate.state.api.KeyedStateBackend;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/** Makes a newly assigned partition ready to process: its state (claimed and restored) and the rest. */
public interface PartitionOpener {

    /** What a partition's processor is made of; {@code failures} survive restarts where they can. */
    record Opened(
            KeyedStateBackend state,
            PartitionStateHandler handler,
            Checkpointer checkpointer,
            FailureHistory failures) {

        public Opened(KeyedStateBackend state, PartitionStateHandler handler, Checkpointer checkpointer) {
            this(state, handler, checkpointer, FailureHistory.inMemory());
        }
    }

    /**
     * Opens the partition for owner {@code epoch} (the consumer group generation). The checkpointer
     * is null when checkpoints are off. Nothing stays open if this throws.
     */
    Opened open(TopicPartition partition, long epoch);

    /**
     * Opens the partition knowing how many partitions the topic has ({@code partitionCount}, 0 if
     * unknown), so that state built for another count is refused instead of used.
     */
    default Opened open(TopicPartition partition, long epoch, int partitionCount) {
        return open(partition, epoch);
    }

    /** The partitions whose files are kept here (state, local snapshots), open or not. */
    default Set<TopicPartition> keptPartitions() {
        return Set.of();
    }

    /**
     * Moves the partition's files kept here out of its way, so that opening it again starts
     * afresh; only while it is neither open, opening nor closing. Quick (renames): it runs under
     * the registry's lock, and {@link #deleteDiscarded} deletes the files later, without it.
     */
    default void discard(TopicPartition partition) {}

    /**
     * Deletes every file {@link #discard} moved aside, including any left by a process that
     * stopped before deleting them. Runs without the registry's lock, so that a large state being
     * deleted does not hold up a rebalance; never concurrently with itself.
     */
    default void deleteDiscarded() {}
}
