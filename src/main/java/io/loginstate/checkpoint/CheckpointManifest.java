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

/**
 * What one checkpoint is: the partition, the next offset its state reflects, the event-time
 * watermark, the owner epoch that made it, the state configuration, every file with its object
 * key, size and CRC-32C, and the deployment it belongs to (null in manifests written before
 * deployments were recorded). Written as JSON after all files are stored, so a checkpoint without its
 * manifest does not exist. Restore trusts the manifest, never the consumer group's offset.
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
        String deploymentId) {

    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    /** One file of the checkpoint's directory and the object that holds its bytes. */
    public record FileEntry(String name, String key, long size, String crc32c) {}

    public long totalBytes() {
        return files.stream().mapToLong(FileEntry::size).sum();
    }

    byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write the manifest of checkpoint " + checkpointId, e);
        }
    }

    /** Parses a manifest; a newer format version is refused rather than misread. */
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
        if (manifest.files() == null || manifest.files().isEmpty()) {
            throw new IllegalArgumentException("Checkpoint manifest " + manifest.checkpointId() + " lists no files");
        }
        return manifest;
    }
}
