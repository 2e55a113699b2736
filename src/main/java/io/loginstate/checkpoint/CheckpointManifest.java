package io.loginstate.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

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

    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

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
        CheckpointManifest unsummed = withChecksum(null);
        if (formatVersion < CHECKSUMMED_SINCE) {
            return unsummed.write();
        }
        return withChecksum(crc32c(unsummed.write())).write();
    }

    private byte[] write() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write the manifest of checkpoint " + checkpointId, e);
        }
    }

    private static String crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return String.format("%08x", crc.getValue());
    }

    /**
     * Parses a manifest; a newer format version is refused rather than misread, and so is one whose
     * checksum does not match (or, from version 2 on, is missing).
     */
    public static CheckpointManifest fromJson(byte[] bytes) {
        CheckpointManifest manifest;
        try {
            manifest = JSON.readValue(bytes, CheckpointManifest.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("Not a checkpoint manifest: " + e.getMessage(), e);
        }
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
            String actual = crc32c(manifest.withChecksum(null).write());
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
