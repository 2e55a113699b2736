package io.loginstate.checkpoint;

/**
 * A partition's {@code LATEST} object exists but is not a pointer record (a torn or foreign write,
 * a hand edit): neither the owner epoch, nor the claim, nor the checkpoint to restore can be known.
 */
public class UnreadableLatestException extends RuntimeException {

    private final String key;

    public UnreadableLatestException(String storeName, String key, String reason, Throwable cause) {
        super("Object store '" + storeName + "': '" + key + "' is not a LATEST record (" + reason + ")", cause);
        this.key = key;
    }

    /** The key of the unreadable object. */
    public String key() {
        return key;
    }
}
