package io.loginstate.state.store;

/** A state store operation failed; the message names the store and the operation. */
public class StateStoreException extends RuntimeException {

    public StateStoreException(String storeName, String operation, Throwable cause) {
        super("State store '" + storeName + "' failed to " + operation + ": " + cause.getMessage(), cause);
    }
}
