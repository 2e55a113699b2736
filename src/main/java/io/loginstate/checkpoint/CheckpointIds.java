package io.loginstate.checkpoint;

/**
 * Checkpoint ids carry the owner epoch in their upper half and a sequence number in the lower, so
 * owners never share an id and ids grow with epochs.
 */
final class CheckpointIds {

    private CheckpointIds() {}

    static long of(long epoch, long sequence) {
        return (epoch << 32) | (sequence & 0xffffffffL);
    }

    static long epoch(long checkpointId) {
        return checkpointId >>> 32;
    }

    static long sequence(long checkpointId) {
        return checkpointId & 0xffffffffL;
    }

    /** {@code <epoch>-<sequence>}, as in logs. */
    static String text(long checkpointId) {
        return epoch(checkpointId) + "-" + sequence(checkpointId);
    }
}
