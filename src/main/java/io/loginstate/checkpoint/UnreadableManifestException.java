package io.loginstate.checkpoint;

/** A stored checkpoint manifest that does not parse, or whose checksum does not hold. */
public class UnreadableManifestException extends RuntimeException {

    private final String key;

    public UnreadableManifestException(String key, String reason, Throwable cause) {
        super("'" + key + "' is not a readable checkpoint manifest: " + reason, cause);
        this.key = key;
    }

    /** The key of the manifest object. */
    public String key() {
        return key;
    }
}
