package io.loginstate.checkpoint;

import io.loginstate.objectstore.ObjectStore;
import io.loginstate.support.FaultPoints;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Makes an uploaded checkpoint exist and be the one to restore: writes its manifest (once: a
 * manifest is never overwritten), points {@code LATEST} at it through the {@link OwnershipFence},
 * then tells the consumer group the offset. Keeps the manifests it read or wrote, for retention.
 */
final class ManifestPublisher {

    private static final Logger LOG = Logger.getLogger(ManifestPublisher.class);

    private final TopicPartition partition;
    private final CheckpointLayout layout;
    private final ObjectStore store;
    private final OwnershipFence fence;
    private final OffsetCommitter committer;
    private final int history;
    private final Map<Long, CheckpointManifest> manifests = new HashMap<>();

    /** @param retained checkpoints retention keeps: {@code LATEST} lists at least as many */
    ManifestPublisher(
            TopicPartition partition,
            CheckpointLayout layout,
            ObjectStore store,
            OffsetCommitter committer,
            int retained) {
        this.partition = partition;
        this.layout = layout;
        this.store = store;
        this.fence = new OwnershipFence(store, layout.partitionPrefix());
        this.committer = committer;
        this.history = Math.max(OwnershipFence.HISTORY, retained - 1);
    }

    /**
     * @return the published checkpoints, newest first, as {@code LATEST} now lists them
     * @throws FencedException if another claim was made since {@code claim}: the checkpoint is not
     *     named, and its manifest not even written when that claim came before (a claim made
     *     between the check and the write leaves the manifest unnamed, for retention to delete)
     */
    List<Long> publish(OwnershipFence.Claim claim, CheckpointManifest manifest) {
        byte[] json = manifest.toJson();
        long id = manifest.checkpointId();
        fence.checkStillOwner(claim);
        if (!store.putIfAbsent(layout.manifest(id), json)
                && !store.get(layout.manifest(id))
                        .map(stored -> Arrays.equals(stored, json))
                        .orElse(false)) {
            throw new IllegalStateException("Another manifest exists for checkpoint " + CheckpointIds.text(id));
        }
        manifests.put(id, manifest);
        FaultPoints.reached("checkpoint.manifest-written");
        List<Long> published = fence.publish(claim, id, history).published();
        FaultPoints.reached("checkpoint.latest-swapped");
        committer.commit(partition, manifest.offset());
        return published;
    }

    /** @throws FencedException if another claim was made since {@code claim} */
    void checkStillOwner(OwnershipFence.Claim claim) {
        fence.checkStillOwner(claim);
    }

    /** The manifest of a checkpoint, from memory or the store; empty if missing or unreadable. */
    Optional<CheckpointManifest> manifest(long id) {
        CheckpointManifest cached = manifests.get(id);
        if (cached != null) {
            return Optional.of(cached);
        }
        try {
            Optional<CheckpointManifest> read = store.get(layout.manifest(id)).map(CheckpointManifest::fromJson);
            read.ifPresent(m -> manifests.put(id, m));
            return read;
        } catch (IllegalArgumentException e) {
            LOG.warnf(
                    "Partition %s: unreadable manifest of checkpoint %s: %s",
                    partition, CheckpointIds.text(id), e.getMessage());
            return Optional.empty();
        }
    }

    /** Forgets a deleted checkpoint's manifest. */
    void forget(long id) {
        manifests.remove(id);
    }
}
