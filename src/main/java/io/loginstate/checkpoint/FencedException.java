package io.loginstate.checkpoint;

/**
 * A partition's checkpoint was refused: a newer owner (a higher epoch, or a later claim of the
 * same epoch) has claimed the partition.
 */
public class FencedException extends RuntimeException {

    public FencedException(String partition, long epoch, long ownerEpoch) {
        super("Partition " + partition + ": epoch " + epoch + " is fenced off by the owner of epoch " + ownerEpoch);
    }

    public FencedException(String message) {
        super(message);
    }
}
