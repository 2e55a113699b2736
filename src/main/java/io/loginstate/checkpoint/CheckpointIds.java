package io.loginstate.checkpoint;

/**
 * Checkpoint ids carry the owner's claim number (see {@link OwnershipFence}) in their upper half
 * and a sequence number in the lower, so owners never share an id and ids grow with claims.
 */
final class CheckpointIds {

    private CheckpointIds() {}

    static long of(long claim, long sequence) {
        return (claim << 32) | (sequence & 0xffffffffL);
    }

    /** The claim number of a checkpoint id; 0 for {@code -1} (no checkpoint). */
    static long claim(long checkpointId) {
        return checkpointId < 0 ? 0 : checkpointId >>> 32;
    }

    static long sequence(long checkpointId) {
        return checkpointId & 0xffffffffL;
    }

    /** {@code <claim>-<sequence>}, as in logs. */
    static String text(long checkpointId) {
        return claim(checkpointId) + "-" + sequence(checkpointId);
    }
}
