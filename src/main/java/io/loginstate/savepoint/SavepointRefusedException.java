package io.loginstate.savepoint;

/** A savepoint cannot be restored here: incomplete, damaged, too old, or taken of another topic layout. */
public final class SavepointRefusedException extends RuntimeException {

    public SavepointRefusedException(String message) {
        super(message);
    }

    public SavepointRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
