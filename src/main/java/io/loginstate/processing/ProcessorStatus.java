package io.loginstate.processing;

/** Lifecycle of a partition processor. */
public enum ProcessorStatus {
    OPEN,
    CLOSING,
    CLOSED,
    /** A batch could not be committed; the partition stops until it is reopened (restart or reassignment). */
    FAILED
}
