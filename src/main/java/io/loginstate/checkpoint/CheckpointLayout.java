package io.loginstate.checkpoint;

import java.util.OptionalLong;

/**
 * Where one partition's checkpoint objects live in the store, under the deployment that made them:
 * <pre>
 * &lt;deployment&gt;/&lt;topic&gt;/&lt;partition&gt;/files/&lt;sst&gt;.&lt;size&gt;.&lt;crc32c&gt;        immutable SST files, shared by checkpoints
 * &lt;deployment&gt;/&lt;topic&gt;/&lt;partition&gt;/checkpoints/&lt;id&gt;/&lt;file&gt;            the checkpoint's own small files
 * &lt;deployment&gt;/&lt;topic&gt;/&lt;partition&gt;/checkpoints/&lt;id&gt;/manifest.json     written last
 * &lt;deployment&gt;/&lt;topic&gt;/&lt;partition&gt;/LATEST                                the fence and the pointer
 * </pre>
 * The deployment (by default the consumer group) keeps deployments sharing a bucket apart: each has
 * its own fence and its own checkpoints. Earlier versions wrote without it ({@link #legacy}), which
 * is still read. Checkpoint ids are zero-padded in keys, so listing order is id order.
 *
 * @param deploymentId the deployment the objects belong to; null for the layout before deployments
 */
public record CheckpointLayout(String deploymentId, String partitionPrefix) {

    static final String MANIFEST = "manifest.json";

    public static CheckpointLayout of(String deploymentId, String topic, int partition) {
        return new CheckpointLayout(deploymentId, deploymentId + "/" + topic + "/" + partition);
    }

    /** The layout before deployment ids: {@code <topic>/<partition>}, shared by every deployment. */
    public static CheckpointLayout legacy(String topic, int partition) {
        return new CheckpointLayout(null, topic + "/" + partition);
    }

    String filesPrefix() {
        return partitionPrefix + "/files/";
    }

    String checkpointsPrefix() {
        return partitionPrefix + "/checkpoints/";
    }

    /** Names an SST file by content: two files with one name but different bytes never collide. */
    String sharedFile(String name, long size, String crc32c) {
        return filesPrefix() + name + "." + size + "." + crc32c;
    }

    String checkpointPrefix(long checkpointId) {
        return checkpointsPrefix() + String.format("%019d", checkpointId) + "/";
    }

    String privateFile(long checkpointId, String name) {
        return checkpointPrefix(checkpointId) + name;
    }

    String manifest(long checkpointId) {
        return checkpointPrefix(checkpointId) + MANIFEST;
    }

    /** The checkpoint an object under {@code checkpoints/} belongs to. */
    OptionalLong checkpointIdOf(String key) {
        if (!key.startsWith(checkpointsPrefix())) {
            return OptionalLong.empty();
        }
        String rest = key.substring(checkpointsPrefix().length());
        int slash = rest.indexOf('/');
        try {
            return OptionalLong.of(Long.parseLong(slash < 0 ? rest : rest.substring(0, slash)));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    boolean isManifest(String key) {
        return key.startsWith(checkpointsPrefix()) && key.endsWith("/" + MANIFEST);
    }
}
