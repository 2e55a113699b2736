package io.loginstate.checkpoint;

import io.loginstate.support.ChecksummedJson;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one checkpoint is: the partition, the next offset its state reflects, the event-time
 * watermark, the owner epoch that made it, the state configuration, every file with its object
 * key, size and CRC-32C, and the deployment it belongs to (null in manifests written before
 * deployments were recorded). Written as JSON after all files are stored, so a checkpoint without its
 * manifest does not exist. Restore trusts the manifest, never the consumer group's offset.
 *
 * <p>Since format version 2 the manifest carries its own {@code checksum}: the CRC-32C (8 hex
 * digits) of its canonical JSON, as written with {@code checksum} null. A manifest is read only if
 * its content, written again canonically, has that checksum, so a flipped bit in a number or a name,
 * a cut or a deleted line is refused instead of read as another checkpoint. Version 1 manifests,
 * written before, have none and are read as they are.
 */
public record CheckpointManifest(
        int formatVersion,
        String topic,
        int partition,
        long checkpointId,
        long ownerEpoch,
        long offset,
        Long watermark,
        Map<String, String> stateConfig,
        Instant createdAt,
        List<FileEntry> files,
        String deploymentId,
        String checksum) {

    public static final int FORMAT_VERSION = 2;

    /** The first format version whose manifests must carry their checksum. */
    static final int CHECKSUMMED_SINCE = 2;

    /** One file of the checkpoint's directory and the object that holds its bytes. */
    public record FileEntry(String name, String key, long size, String crc32c) {}

    public long totalBytes() {
        return files.stream().mapToLong(FileEntry::size).sum();
    }

    /** A manifest of the current format, its checksum computed when written. */
    public CheckpointManifest(
            String topic,
            int partition,
            long checkpointId,
            long ownerEpoch,
            long offset,
            Long watermark,
            Map<String, String> stateConfig,
            Instant createdAt,
            List<FileEntry> files,
            String deploymentId) {
        this(
                FORMAT_VERSION,
                topic,
                partition,
                checkpointId,
                ownerEpoch,
                offset,
                watermark,
                stateConfig,
                createdAt,
                files,
                deploymentId,
                null);
    }

    private CheckpointManifest withChecksum(String value) {
        return new CheckpointManifest(
                formatVersion,
                topic,
                partition,
                checkpointId,
                ownerEpoch,
                offset,
                watermark,
                stateConfig,
                createdAt,
                files,
                deploymentId,
                value);
    }

    /** The JSON stored: written with {@code checksum} null, then again with its CRC-32C. */
    byte[] toJson() {
        if (formatVersion < CHECKSUMMED_SINCE) {
            return ChecksummedJson.write(withChecksum(null));
        }
        return ChecksummedJson.withChecksum(this::withChecksum);
    }

    /**
     * Parses a manifest; a newer format version is refused rather than misread, and so is one whose
     * checksum does not match (or, from version 2 on, is missing).
     */
    public static CheckpointManifest fromJson(byte[] bytes) {
        CheckpointManifest manifest = ChecksummedJson.read(bytes, CheckpointManifest.class, "checkpoint manifest");
        if (manifest.formatVersion() < 1 || manifest.formatVersion() > FORMAT_VERSION) {
            throw new IllegalArgumentException("Checkpoint manifest format " + manifest.formatVersion()
                    + " is not supported (this version reads up to " + FORMAT_VERSION + ")");
        }
        if (manifest.checksum() == null) {
            if (manifest.formatVersion() >= CHECKSUMMED_SINCE) {
                throw new IllegalArgumentException("Checkpoint manifest " + CheckpointIds.text(manifest.checkpointId())
                        + " of format " + manifest.formatVersion() + " has no checksum");
            }
        } else {
            // Checked whatever the version says: a flipped bit may have turned a 2 into a 1.
            String actual = ChecksummedJson.checksumOf(manifest.withChecksum(null));
            if (!actual.equals(manifest.checksum())) {
                throw new IllegalArgumentException("Checkpoint manifest " + CheckpointIds.text(manifest.checkpointId())
                        + " is damaged: its content has CRC-32C " + actual + ", its checksum says "
                        + manifest.checksum());
            }
        }
        if (manifest.files() == null || manifest.files().isEmpty()) {
            throw new IllegalArgumentException("Checkpoint manifest " + manifest.checkpointId() + " lists no files");
        }
        return manifest;
    }
}
