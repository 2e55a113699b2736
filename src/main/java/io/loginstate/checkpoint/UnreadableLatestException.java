package io.loginstate.checkpoint;

/**
 * A partition's {@code LATEST} object exists but is not a pointer record (a torn or foreign write,
 * a hand edit), or is missing while checkpoint manifests of the partition exist (deleted or lost):
 * neither the owner epoch, nor the claim, nor the checkpoint to restore can be known.
 */
public class UnreadableLatestException extends RuntimeException {

    private final String key;

    public UnreadableLatestException(String storeName, String key, String reason, Throwable cause) {
        super("Object store '" + storeName + "': '" + key + "' is not a LATEST record (" + reason + ")", cause);
        this.key = key;
    }

    private UnreadableLatestException(String message, String key) {
        super(message);
        this.key = key;
    }

    /** {@code LATEST} is missing, yet {@code manifests} checkpoint manifests of the partition are stored. */
    static UnreadableLatestException missing(String storeName, String key, int manifests) {
        return new UnreadableLatestException(
                "Object store '" + storeName + "': '" + key + "' is missing, yet the store holds " + manifests
                        + " checkpoint manifests of the partition (the record was deleted or lost); a new one would"
                        + " restore nothing and let retention delete them",
                key);
    }

    /** The key of the unreadable object. */
    public String key() {
        return key;
    }
}
