package io.loginstate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loginstate.checkpoint.CheckpointLayout;
import io.loginstate.checkpoint.OwnershipFence;
import io.loginstate.objectstore.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The checkpoints in the object store as a restore sees them, read from outside the service: for
 * each partition, the checkpoint {@code LATEST} names and the offset its manifest records.
 */
public final class StoredCheckpoints {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectStore store;
    private final String deploymentId;
    private final String topic;
    private final int partitions;
    /**
     * Manifests read so far, by key: one is never rewritten, so a test that damages it afterwards
     * still knows the offset it was published with.
     */
    private final Map<String, JsonNode> read = new HashMap<>();

    /** @param deploymentId the service's deployment id: its consumer group unless configured */
    public StoredCheckpoints(ObjectStore store, String deploymentId, String topic, int partitions) {
        this.store = store;
        this.deploymentId = deploymentId;
        this.topic = topic;
        this.partitions = partitions;
    }

    /** The manifest {@code LATEST} names, if the partition has a published checkpoint. */
    public Optional<JsonNode> latestManifest(int partition) {
        String prefix = CheckpointLayout.of(deploymentId, topic, partition).partitionPrefix();
        Optional<OwnershipFence.Latest> latest = new OwnershipFence(store, prefix).read();
        if (latest.isEmpty() || latest.get().checkpoint() < 0) {
            return Optional.empty();
        }
        long id = latest.get().checkpoint();
        String key = prefix + "/checkpoints/" + String.format("%019d", id) + "/manifest.json";
        if (read.containsKey(key)) {
            return Optional.of(read.get(key));
        }
        Optional<byte[]> manifest = store.get(key);
        assertThat(manifest)
                .as("partition %d: LATEST names checkpoint %d, whose manifest must exist", partition, id)
                .isPresent();
        try {
            JsonNode node = JSON.readTree(manifest.get());
            assertThat(node.path("checkpointId").asLong()).isEqualTo(id);
            assertThat(node.path("partition").asInt()).isEqualTo(partition);
            read.put(key, node);
            return Optional.of(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Next offset of each partition's latest published checkpoint; partitions without one are absent. */
    public Map<Integer, Long> latestOffsets() {
        Map<Integer, Long> offsets = new TreeMap<>();
        for (int partition = 0; partition < partitions; partition++) {
            int p = partition;
            latestManifest(partition)
                    .ifPresent(
                            manifest -> offsets.put(p, manifest.path("offset").asLong()));
        }
        return offsets;
    }

    /** Every file the latest checkpoint of each partition references is in the store with its size. */
    public void assertLatestComplete() {
        for (int partition = 0; partition < partitions; partition++) {
            Optional<JsonNode> manifest = latestManifest(partition);
            assertThat(manifest)
                    .as("partition %d has a published checkpoint", partition)
                    .isPresent();
            Map<String, Long> sizes = new TreeMap<>();
            store.list(CheckpointLayout.of(deploymentId, topic, partition).partitionPrefix() + "/")
                    .forEach(object -> sizes.put(object.key(), object.size()));
            for (JsonNode file : manifest.get().path("files")) {
                assertThat(sizes)
                        .as(
                                "partition %d: file %s of the latest checkpoint",
                                partition, file.path("name").asText())
                        .containsEntry(
                                file.path("key").asText(), file.path("size").asLong());
            }
        }
    }
}
