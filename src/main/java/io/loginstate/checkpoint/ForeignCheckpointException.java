package io.loginstate.checkpoint;

/**
 * A checkpoint under this deployment's keys was made by another deployment (or for another
 * partition): restoring it would open someone else's state, so the partition is not opened.
 */
public class ForeignCheckpointException extends RuntimeException {

    public ForeignCheckpointException(String message) {
        super(message);
    }
}
