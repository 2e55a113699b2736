package io.loginstate.savepoint;

import java.time.Instant;

/** One row of {@code GET /admin/savepoints}. */
public record SavepointSummary(
        String id, String state, String topic, int partitions, int written, Instant requestedAt, boolean pinned) {}
