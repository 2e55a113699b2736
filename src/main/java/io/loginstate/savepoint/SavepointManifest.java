package io.loginstate.savepoint;

import io.loginstate.support.ChecksummedJson;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A complete savepoint: written last ({@code putIfAbsent}) once every partition of the topic has
 * its part, so a savepoint without a manifest is not complete and is never restored. Carries its
 * own CRC-32C as checkpoint manifests do ({@link ChecksummedJson}): a flipped bit is refused, never
 * read as another offset.
 *
 * @param stateConfig the TTL settings of the deployment that took it
 * @param states the state descriptors, as the parts' headers carry them
 */
public record SavepointManifest(
        int formatVersion,
        String id,
        String topic,
        int partitions,
        String partitioner,
        Instant createdAt,
        Map<String, String> stateConfig,
        String deployment,
        Map<String, String> states,
        List<PartEntry> parts,
        String checksum) {

    public static final int FORMAT_VERSION = 1;

    /** One partition's part. */
    public record PartEntry(
            int partition,
            String key,
            long size,
            String crc32c,
            long records,
            long nextOffset,
            long watermark,
            String writtenBy,
            long ownerEpoch,
            Instant writtenAt) {

        static PartEntry of(PartSummary summary) {
            return new PartEntry(
                    summary.partition(),
                    summary.key(),
                    summary.size(),
                    summary.crc32c(),
                    summary.records(),
                    summary.nextOffset(),
                    summary.watermark(),
                    summary.writtenBy(),
                    summary.ownerEpoch(),
                    summary.writtenAt());
        }
    }

    public PartEntry part(int partition) {
        return parts.stream()
                .filter(part -> part.partition() == partition)
                .findFirst()
                .orElseThrow(() ->
                        new IllegalArgumentException("Savepoint " + id + " has no part of partition " + partition));
    }

    /** This manifest with {@code replacement} in place of its partition's part, to be re-checksummed. */
    SavepointManifest withPart(PartEntry replacement) {
        List<PartEntry> replaced = parts.stream()
                .map(part -> part.partition() == replacement.partition() ? replacement : part)
                .toList();
        return copy(replaced, null);
    }

    private SavepointManifest withChecksum(String value) {
        return copy(parts, value);
    }

    private SavepointManifest copy(List<PartEntry> newParts, String newChecksum) {
        return new SavepointManifest(
                formatVersion,
                id,
                topic,
                partitions,
                partitioner,
                createdAt,
                stateConfig,
                deployment,
                states,
                newParts,
                newChecksum);
    }

    byte[] toJson() {
        return ChecksummedJson.withChecksum(this::withChecksum);
    }

    /** Parses a manifest, refusing a newer format, a missing or wrong checksum, or a partition without its part. */
    static SavepointManifest fromJson(byte[] bytes, String key) {
        SavepointManifest manifest = ChecksummedJson.read(bytes, SavepointManifest.class, "savepoint manifest " + key);
        if (manifest.formatVersion() < 1 || manifest.formatVersion() > FORMAT_VERSION) {
            throw new IllegalArgumentException("Savepoint manifest " + key + " has format " + manifest.formatVersion()
                    + "; this version reads up to " + FORMAT_VERSION);
        }
        String actual = ChecksummedJson.checksumOf(manifest.withChecksum(null));
        if (!actual.equals(manifest.checksum())) {
            throw new IllegalArgumentException("Savepoint manifest " + key + " is damaged: its content has CRC-32C "
                    + actual + ", its checksum says " + manifest.checksum());
        }
        if (manifest.parts() == null || manifest.parts().size() != manifest.partitions()) {
            throw new IllegalArgumentException("Savepoint manifest " + key + " lists "
                    + (manifest.parts() == null ? 0 : manifest.parts().size()) + " parts for "
                    + manifest.partitions() + " partitions");
        }
        return manifest;
    }
}
