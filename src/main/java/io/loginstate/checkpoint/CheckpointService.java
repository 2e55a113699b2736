package io.loginstate.checkpoint;

import io.loginstate.objectstore.ObjectStore;
import io.loginstate.objectstore.ObjectStoreException;
import io.loginstate.support.Backoff;
import io.loginstate.support.DaemonThreads;
import io.loginstate.support.Directories;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Checkpointing for the whole instance: claims a partition in the store, restores it, and makes
 * its {@link Checkpointer}. Owns the upload, download and retry threads, which {@link #shutdown}
 * stops once the partitions are closed.
 */
public final class CheckpointService {

    private static final Logger LOG = Logger.getLogger(CheckpointService.class);
    /** How long an assignment waits for an unreachable store before it fails. */
    private static final Duration CLAIM_TIMEOUT = Duration.ofMinutes(1);

    private final ObjectStore store;
    private final CheckpointSettings settings;
    private final Path localRoots;
    private final ExecutorService uploads;
    private final ExecutorService downloads;
    private final ScheduledExecutorService retries;
    private final CheckpointMetrics metrics;
    private final ObjectStoreCheckpointer.Shared shared;

    /**
     * @param localRoots  where local snapshots wait for their upload (on the state's file system,
     *                    so a snapshot is hard links)
     * @param stateConfig the state settings recorded in every manifest
     */
    public CheckpointService(
            ObjectStore store,
            CheckpointSettings settings,
            Path localRoots,
            Map<String, String> stateConfig,
            OffsetCommitter committer,
            InstantSource clock,
            CheckpointMetrics metrics) {
        this.store = store;
        this.settings = settings;
        this.localRoots = localRoots;
        this.metrics = metrics;
        this.uploads =
                Executors.newFixedThreadPool(settings.uploadThreads(), DaemonThreads.named("checkpoint-upload-"));
        this.downloads =
                Executors.newFixedThreadPool(settings.downloadThreads(), DaemonThreads.named("checkpoint-download-"));
        this.retries = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("checkpoint-retry-"));
        this.shared =
                new ObjectStoreCheckpointer.Shared(store, uploads, retries, committer, clock, settings, stateConfig);
    }

    /**
     * Makes {@code epoch} the partition's owner in the store, with a new claim, before anything is
     * processed; an unreachable store is retried for up to a minute.
     *
     * @throws FencedException if a higher epoch claimed it already
     */
    public OwnershipFence.Claim claim(TopicPartition partition, long epoch) {
        OwnershipFence fence = new OwnershipFence(store, layout(partition).partitionPrefix());
        long deadline = System.nanoTime() + CLAIM_TIMEOUT.toNanos();
        Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(10));
        while (true) {
            try {
                return fence.claim(epoch);
            } catch (UnreadableLatestException e) {
                metrics.latestUnreadable(partition);
                LOG.errorf(
                        "Partition %s: %s. It is not overwritten, and the partition is not opened (neither empty nor"
                                + " from a guess) until it is repaired; the open is retried. %s",
                        partition, e.getMessage(), repairHint(layout(partition), fence.key()));
                throw e;
            } catch (ObjectStoreException e) {
                long wait = backoff.nextMillis();
                if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait) > deadline) {
                    throw e;
                }
                LOG.warnf(
                        "Partition %s: cannot claim it in the object store (%s); retrying in %d ms",
                        partition, e.getMessage(), wait);
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * What an operator can write to a damaged {@code LATEST}: a record naming the newest readable
     * manifest, with a claim above every claim that made a checkpoint in the store, so no process
     * that was running holds it. Only a hint: whether that
     * checkpoint was ever published is what the damaged record held.
     */
    private String repairHint(CheckpointLayout layout, String latestKey) {
        try {
            long highestClaim = 0;
            CheckpointManifest newest = null;
            List<Long> ids = store.list(layout.checkpointsPrefix()).stream()
                    .filter(object -> layout.isManifest(object.key()))
                    .map(object -> layout.checkpointIdOf(object.key()))
                    .filter(OptionalLong::isPresent)
                    .map(OptionalLong::getAsLong)
                    .sorted(Comparator.reverseOrder())
                    .toList();
            for (long id : ids) {
                highestClaim = Math.max(highestClaim, CheckpointIds.claim(id));
                if (newest == null) {
                    try {
                        newest = store.get(layout.manifest(id))
                                .map(CheckpointManifest::fromJson)
                                .orElse(null);
                    } catch (IllegalArgumentException unreadable) {
                        // an older one may do
                    }
                }
            }
            if (newest == null) {
                return "The store holds no readable checkpoint manifest of the partition: deleting '" + latestKey
                        + "' and the objects under '" + layout.checkpointsPrefix()
                        + "' lets the partition start from its local state or the topic.";
            }
            return String.format(
                    "The newest readable checkpoint is %s (offset %d, owner epoch %d, written %s); to restore it,"
                            + " write {\"epoch\":%d,\"claim\":%d,\"checkpoint\":%d,\"previous\":[]} to '%s'"
                            + " (see \"A damaged LATEST\" in the README).",
                    CheckpointIds.text(newest.checkpointId()),
                    newest.offset(),
                    newest.ownerEpoch(),
                    newest.createdAt(),
                    newest.ownerEpoch(),
                    highestClaim + 1,
                    newest.checkpointId(),
                    latestKey);
        } catch (RuntimeException e) {
            return "The checkpoints of the partition could not be listed (" + e.getMessage() + ").";
        }
    }

    /**
     * Restores the partition's state directory; see {@link CheckpointRestorer#restore}. A partition
     * with no published checkpoint under this deployment restores from the layout before
     * deployment ids, if allowed and one is there (read only: new checkpoints go under the
     * deployment).
     */
    public CheckpointRestorer.Outcome restore(
            TopicPartition partition,
            OwnershipFence.Claim claim,
            long localPosition,
            Path target,
            Runnable releaseLocal) {
        CheckpointRestorer.Outcome outcome = restoreFrom(partition, claim, localPosition, target, releaseLocal);
        if (outcome.source() != CheckpointRestorer.Source.REMOTE) {
            // Counted too, with nothing downloaded: every opening shows in the restore histogram by source.
            metrics.restored(partition, outcome.source().name().toLowerCase(Locale.ROOT), 0, 0, outcome.nanos());
        }
        return outcome;
    }

    private CheckpointRestorer.Outcome restoreFrom(
            TopicPartition partition,
            OwnershipFence.Claim claim,
            long localPosition,
            Path target,
            Runnable releaseLocal) {
        CheckpointRestorer restorer = new CheckpointRestorer(store, downloads, metrics, settings.deploymentId());
        if (claim.checkpointId() < 0 && settings.readLegacyLayout()) {
            CheckpointLayout legacy = CheckpointLayout.legacy(partition.topic(), partition.partition());
            OwnershipFence legacyFence = new OwnershipFence(store, legacy.partitionPrefix());
            Optional<OwnershipFence.Latest> latest;
            try {
                latest = legacyFence.read();
            } catch (UnreadableLatestException e) {
                metrics.latestUnreadable(partition);
                LOG.errorf(
                        "Partition %s: no checkpoint of deployment %s yet, and in the layout before deployment ids %s."
                                + " The open is retried; repair or delete that object, or set"
                                + " login-state.checkpoint.read-legacy-layout=false. %s",
                        partition, settings.deploymentId(), e.getMessage(), repairHint(legacy, legacyFence.key()));
                throw e;
            }
            if (latest.isPresent() && latest.get().checkpoint() >= 0) {
                OwnershipFence.Latest found = latest.get();
                LOG.infof(
                        "Partition %s: no checkpoint of deployment %s yet; restoring from the layout before deployment"
                                + " ids ('%s'); new checkpoints go under '%s/'",
                        partition,
                        settings.deploymentId(),
                        legacyFence.key(),
                        layout(partition).partitionPrefix());
                return restorer.restore(
                        partition,
                        legacy,
                        found.checkpoint(),
                        found.previous() == null ? null : found.published(),
                        localPosition,
                        target,
                        releaseLocal);
            }
        }
        return restorer.restore(
                partition,
                layout(partition),
                claim.checkpointId(),
                claim.restoreCandidates(),
                localPosition,
                target,
                releaseLocal);
    }

    /**
     * The checkpointer of a partition just opened under {@code claim}.
     *
     * @param durableOffset the next offset of the latest checkpoint in the store, or -1
     */
    public Checkpointer checkpointer(TopicPartition partition, OwnershipFence.Claim claim, long durableOffset) {
        Path localRoot = localRoots.resolve(partition.topic() + "-" + partition.partition());
        Directories.deleteRecursively(localRoot);
        return new ObjectStoreCheckpointer(
                partition, layout(partition), claim, durableOffset, localRoot, shared, metrics.forPartition(partition));
    }

    private CheckpointLayout layout(TopicPartition partition) {
        return CheckpointLayout.of(settings.deploymentId(), partition.topic(), partition.partition());
    }

    /** Stops the threads; call after every partition is closed. Bounded by {@code timeout}. */
    public void shutdown(Duration timeout) {
        retries.shutdownNow();
        uploads.shutdown();
        downloads.shutdownNow();
        try {
            uploads.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        uploads.shutdownNow();
    }
}
