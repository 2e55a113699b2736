package io.loginstate.checkpoint;

/** A partition's checkpoint was refused: a newer owner (higher epoch) has claimed the partition. */
public class FencedException extends RuntimeException {

    public FencedException(String partition, long epoch, long ownerEpoch) {
        super("Partition " + partition + ": epoch " + epoch + " is fenced off by the owner of epoch " + ownerEpoch);
    }
}
