package io.loginstate.savepoint;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * What {@code GET /admin/savepoints/{id}} shows: the request, each partition's progress, and the
 * manifest once complete.
 *
 * @param state {@code open} (parts missing) or {@code complete} (manifest written)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SavepointStatus(
        String id,
        String state,
        String topic,
        int partitions,
        Instant requestedAt,
        String requestedBy,
        boolean pinned,
        int written,
        List<PartitionProgress> parts,
        SavepointManifest manifest) {

    public static final String OPEN = "open";
    public static final String COMPLETE = "complete";

    /**
     * One partition: {@code pending} (not yet written), {@code failed} (the last attempt failed on
     * {@code writtenBy} for {@code reason}; the next poll tries again), or {@code written} at
     * {@code nextOffset} by {@code writtenBy}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PartitionProgress(
            int partition, String status, Long nextOffset, Long records, String writtenBy, String reason) {}
}
