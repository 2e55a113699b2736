package io.loginstate.login;

/** A record that is not a valid login event; carries the reason for the dead-letter topic. */
public final class InvalidEventException extends Exception {

    private final RejectReason reason;

    public InvalidEventException(RejectReason reason, String message) {
        // No stack trace: this is an expected outcome of bad input, raised on the hot path.
        super(message, null, false, false);
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}
