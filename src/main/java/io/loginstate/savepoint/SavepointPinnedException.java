package io.loginstate.savepoint;

/** A pinned savepoint is not deleted; unpin it first. */
public final class SavepointPinnedException extends RuntimeException {

    public SavepointPinnedException(String id) {
        super("Savepoint " + id + " is pinned; unpin it (POST /admin/savepoints/" + id + "/unpin) before deleting it");
    }
}
