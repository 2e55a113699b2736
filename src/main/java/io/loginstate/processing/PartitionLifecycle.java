package io.loginstate.processing;

import java.util.EnumSet;
import java.util.Set;

/**
 * The lifecycle of a partition's processor, one state machine:
 * <pre>
 *   OPEN ──close──► CLOSING ──store closed──► CLOSED
 *    │  ╲             │   ╲
 *    │   ╲abandon     │    ╲abandon
 *    │    ╲           │     ▼
 *    │     ╲──────────┼──► ABANDONED ──store closed──► CLOSED
 *    │ fail           │ fail
 *    ▼                ▼
 *  FAILED ◄───────────┘            (terminal: the failure stays visible to liveness)
 * </pre>
 * OPEN applies batches. CLOSING refuses new batches and applies the queued ones. ABANDONED: a
 * batch was given up uncommitted (dead letters undeliverable while closing, or an interrupt), so
 * no later batch may commit past it; its records are processed again by the next owner. FAILED: a
 * batch or maintenance threw; nothing more is applied until the partition is opened again.
 */
public enum PartitionLifecycle {
    OPEN,
    CLOSING,
    ABANDONED,
    CLOSED,
    FAILED;

    private Set<PartitionLifecycle> next() {
        return switch (this) {
            case OPEN -> EnumSet.of(CLOSING, ABANDONED, FAILED);
            case CLOSING -> EnumSet.of(ABANDONED, FAILED, CLOSED);
            case ABANDONED -> EnumSet.of(CLOSED);
            case CLOSED, FAILED -> EnumSet.noneOf(PartitionLifecycle.class);
        };
    }

    public boolean canMoveTo(PartitionLifecycle target) {
        return next().contains(target);
    }

    /** True while batches may still be applied: open, or closing with queued batches. */
    public boolean applies() {
        return this == OPEN || this == CLOSING;
    }
}
