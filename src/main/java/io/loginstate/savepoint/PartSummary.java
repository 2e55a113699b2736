package io.loginstate.savepoint;

import io.loginstate.support.ChecksummedJson;
import java.time.Instant;
import java.util.Map;

/**
 * One partition's part as written: its object key, size and CRC-32C (of the whole object), the
 * records it holds, the next offset and watermark of the batch boundary it ends at, and who wrote
 * it (instance, owner epoch and claim). {@code properties} are the part's header properties (the
 * state descriptors among them).
 */
public record PartSummary(
        String topic,
        int partition,
        String key,
        long size,
        String crc32c,
        long records,
        long nextOffset,
        long watermark,
        String writtenBy,
        long ownerEpoch,
        long ownerClaim,
        Instant writtenAt,
        Map<String, String> properties) {

    /** True if this part was written by a newer owner than {@code other}'s. */
    boolean newerOwnerThan(PartSummary other) {
        return other.olderThan(ownerEpoch, ownerClaim);
    }

    /** True if this part's owner is older than the one of {@code epoch} and {@code claim}. */
    boolean olderThan(long epoch, long claim) {
        return epoch != ownerEpoch ? epoch > ownerEpoch : claim > ownerClaim;
    }

    /** This summary for the same part stored as another object: its key, size, CRC-32C and records. */
    PartSummary withObject(String newKey, long newSize, String newCrc32c, long newRecords) {
        return new PartSummary(
                topic,
                partition,
                newKey,
                newSize,
                newCrc32c,
                newRecords,
                nextOffset,
                watermark,
                writtenBy,
                ownerEpoch,
                ownerClaim,
                writtenAt,
                properties);
    }

    byte[] toJson() {
        return ChecksummedJson.write(this);
    }

    static PartSummary fromJson(byte[] bytes) {
        return ChecksummedJson.read(bytes, PartSummary.class, "savepoint part summary");
    }
}
