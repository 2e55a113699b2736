package io.loginstate.erasure;

import java.util.Optional;
import java.util.OptionalInt;

/** What erasure tracking sees of the partitions open on this instance. */
public interface ErasurePartitions {

    /**
     * A partition's progress: the next offset to apply and the wall time (ms) of the oldest erased
     * or deleted data still in a local file ({@code Long.MIN_VALUE} if none), the claim under
     * which this instance checkpoints it (0 without checkpoints), when state maintenance (a
     * purge) last changed it, and when the oldest retained checkpoint was started, if this
     * instance published every retained one (both {@code Long.MIN_VALUE} if not).
     */
    record Progress(
            long nextOffset,
            long unpurgedDeletionsSince,
            long ownerClaim,
            long lastPurge,
            long oldestRetainedCheckpointStart) {}

    /** The partition's progress if it is open here, else empty. */
    Optional<Progress> progress(int partition);

    /** The current number of partitions of the input topic, if known. */
    OptionalInt partitionCount();
}
