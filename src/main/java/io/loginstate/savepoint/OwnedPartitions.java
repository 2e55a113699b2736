package io.loginstate.savepoint;

import io.loginstate.state.api.StateSnapshot;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/** The partitions this instance owns right now, as the savepoint writer sees them. */
public interface OwnedPartitions {

    /** Who owns a partition: the owner epoch and the claim it checkpoints under. */
    record Owner(long epoch, long claim) {}

    /** The partitions of the input topic open here, able to take a snapshot. */
    List<Integer> owned();

    /** The input topic's partition count, if known. */
    OptionalInt partitionCount();

    /** The owner of a partition open here. */
    Owner owner(int partition);

    /**
     * Throws if the partition was claimed by a newer owner since it was opened here (reads the
     * partition's fence in the store).
     */
    void checkStillOwner(int partition);

    /**
     * A snapshot of the partition's committed state at a batch boundary: on the partition's chain
     * the expired entries are drained (as for a checkpoint), then the snapshot is written into
     * {@code directory} (which must not exist) off the chain. Fails if the partition is not open.
     */
    CompletableFuture<StateSnapshot> snapshot(int partition, Path directory);
}
