package io.loginstate.state.store;

/** Stored state was written in a layout this build cannot read. */
public class IncompatibleStateException extends RuntimeException {

    public IncompatibleStateException(String storeName, String problem) {
        super("State store '" + storeName + "' " + problem);
    }
}
