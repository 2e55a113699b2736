package io.loginstate.savepoint;

/** No savepoint has that id. */
public final class SavepointNotFoundException extends RuntimeException {

    public SavepointNotFoundException(String id) {
        super("No savepoint " + id);
    }
}
