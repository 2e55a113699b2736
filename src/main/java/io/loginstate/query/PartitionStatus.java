package io.loginstate.query;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One partition of the input topic as {@code GET /partitions} reports it.
 *
 * @param owner               the owning instance's id, null while unowned
 * @param ownerUrl            its advertised URL
 * @param status              {@code ACTIVE}, {@code RESTORING}, {@code CLOSING}, {@code FAILED},
 *                            {@code UNOWNED} or {@code UNREACHABLE} (the owner did not answer)
 * @param nextOffset          the next offset the owner applies, null before the first record
 * @param endOffset           the partition's end offset in Kafka, null if Kafka did not answer
 * @param lag                 records between the two
 * @param lastCheckpointAgeMs time since the owner's last published checkpoint, null before one
 * @param appliedRecords      records the owner applied since it opened the partition
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PartitionStatus(
        String topic,
        int partition,
        String owner,
        String ownerUrl,
        String status,
        Long nextOffset,
        Long endOffset,
        Long lag,
        Long lastCheckpointAgeMs,
        Long appliedRecords) {

    public static final String ACTIVE = "ACTIVE";
    public static final String RESTORING = "RESTORING";
    public static final String UNOWNED = "UNOWNED";
    public static final String UNREACHABLE = "UNREACHABLE";

    PartitionStatus withEnd(Long end) {
        Long lagNow = end == null ? null : Math.max(0, end - (nextOffset == null ? 0 : nextOffset));
        return new PartitionStatus(
                topic,
                partition,
                owner,
                ownerUrl,
                status,
                nextOffset,
                end,
                lagNow,
                lastCheckpointAgeMs,
                appliedRecords);
    }

    static PartitionStatus without(String topic, int partition, String owner, String ownerUrl, String status) {
        return new PartitionStatus(topic, partition, owner, ownerUrl, status, null, null, null, null, null);
    }
}
