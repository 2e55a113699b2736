package io.loginstate.state;

/**
 * A savepoint part cannot be imported into the current states; the message names the part, the
 * state (when one is at fault) and the problem. Nothing of the part was committed.
 */
public final class StateImportException extends RuntimeException {

    private final String stateName;

    public StateImportException(String source, String stateName, String problem) {
        super("Savepoint part " + source + ": state '" + stateName + "' " + problem);
        this.stateName = stateName;
    }

    public StateImportException(String source, String problem) {
        super("Savepoint part " + source + ": " + problem);
        this.stateName = null;
    }

    public StateImportException(String source, String stateName, String problem, Throwable cause) {
        super("Savepoint part " + source + ": state '" + stateName + "' " + problem + ": " + cause.getMessage(), cause);
        this.stateName = stateName;
    }

    /** The state at fault, or null if the part as a whole is. */
    public String stateName() {
        return stateName;
    }
}
