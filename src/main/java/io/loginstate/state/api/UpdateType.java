package io.loginstate.state.api;

/** When an entry's TTL timestamp is refreshed. */
public enum UpdateType {
    /** TTL is off for the state. */
    DISABLED,
    /** On creation and on every write. */
    ON_CREATE_AND_WRITE,
    /** On creation, every write and every read. */
    ON_READ_AND_WRITE
}
