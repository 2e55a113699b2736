package io.loginstate.objectstore;

/** An object store operation failed; the message names the store, the operation and the key. */
public class ObjectStoreException extends RuntimeException {

    private final String storeName;
    private final String operation;
    private final String key;

    public ObjectStoreException(String storeName, String operation, String key, String reason, Throwable cause) {
        super(
                "Object store '" + storeName + "' failed to " + operation + (key == null ? "" : " '" + key + "'") + ": "
                        + reason,
                cause);
        this.storeName = storeName;
        this.operation = operation;
        this.key = key;
    }

    public ObjectStoreException(String storeName, String operation, String key, Throwable cause) {
        this(storeName, operation, key, describe(cause), cause);
    }

    public String storeName() {
        return storeName;
    }

    public String operation() {
        return operation;
    }

    /** The key, or for {@code list} the prefix, the operation was about; null for the store itself. */
    public String key() {
        return key;
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return message == null
                ? cause.getClass().getSimpleName()
                : cause.getClass().getSimpleName() + ": " + message;
    }
}
