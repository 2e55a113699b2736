package io.loginstate.checkpoint;

import io.loginstate.objectstore.ObjectStore;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.KeyedStateBackend;
import io.loginstate.state.api.StateSnapshot;
import io.loginstate.support.Backoff;
import io.loginstate.support.FaultPoints;
import io.loginstate.support.Futures;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Checkpoints one partition to the object store: a local snapshot (hard links) taken on the upload
 * pool while the partition goes on, or on the partition's thread for the last one before closing;
 * then the upload ({@link SnapshotUploader}), the publication ({@link ManifestPublisher}) and
 * retention ({@link Retention}). A failed upload is retried with backoff; a fenced one is dropped.
 * One checkpoint is in flight at a time, so the upload bookkeeping needs no locks.
 */
final class ObjectStoreCheckpointer implements Checkpointer {

    private static final Logger LOG = Logger.getLogger(ObjectStoreCheckpointer.class);

    private final TopicPartition partition;
    private final ObjectStore store;
    private final CheckpointLayout layout;
    private final OwnershipFence.Claim claim;
    private final LocalSnapshots snapshots;
    private final CheckpointSettings settings;
    private final Map<String, String> stateConfig;
    private final Executor uploads;
    private final ScheduledExecutorService retries;
    private final InstantSource clock;
    private final CheckpointMetrics.PartitionMeters meters;
    private final SnapshotUploader uploader;
    private final ManifestPublisher publisher;
    private final Retention retention;

    private long sequence;
    private volatile long durableOffset;
    private volatile long lastSuccessMillis = -1;
    private volatile CompletableFuture<Boolean> inFlight = CompletableFuture.completedFuture(true);
    private volatile boolean fenced;
    private volatile boolean closed;

    /** The parts every checkpointer of the instance shares. */
    record Shared(
            ObjectStore store,
            Executor uploads,
            ScheduledExecutorService retries,
            OffsetCommitter committer,
            InstantSource clock,
            CheckpointSettings settings,
            Map<String, String> stateConfig) {}

    ObjectStoreCheckpointer(
            TopicPartition partition,
            CheckpointLayout layout,
            OwnershipFence.Claim claim,
            long durableOffset,
            Path localRoot,
            Shared shared,
            CheckpointMetrics.PartitionMeters meters) {
        this.partition = partition;
        this.store = shared.store();
        this.layout = layout;
        this.claim = claim;
        this.durableOffset = durableOffset;
        this.snapshots = new LocalSnapshots(partition, localRoot);
        this.settings = shared.settings();
        this.stateConfig = Map.copyOf(shared.stateConfig());
        this.uploads = shared.uploads();
        this.retries = shared.retries();
        this.clock = shared.clock();
        this.meters = meters;
        this.uploader = new SnapshotUploader(layout, store);
        this.publisher = new ManifestPublisher(partition, layout, store, shared.committer(), settings.retained());
        this.retention = new Retention(layout, settings.retained(), settings.orphanMinAge());
        meters.bind(this);
    }

    @Override
    public int retained() {
        return settings.retained();
    }

    @Override
    public long durableOffset() {
        return durableOffset;
    }

    @Override
    public OptionalLong lastSuccessAgeMillis() {
        long last = lastSuccessMillis;
        return last < 0 ? OptionalLong.empty() : OptionalLong.of(Math.max(0, clock.millis() - last));
    }

    @Override
    public boolean busy() {
        return !inFlight.isDone();
    }

    @Override
    public Owner owner() {
        return new Owner(claim.epoch(), claim.number());
    }

    @Override
    public void checkStillOwner() {
        try {
            publisher.checkStillOwner(claim);
        } catch (FencedException e) {
            fenced = true;
            throw e;
        }
    }

    @Override
    public boolean fenced() {
        return fenced;
    }

    @Override
    public CompletableFuture<Boolean> checkpointNow(KeyedStateBackend state) {
        if (closed || fenced || busy() || state.position().isEmpty()) {
            return null;
        }
        long started = System.nanoTime();
        long id = nextId();
        StateSnapshot snapshot = state.snapshot(snapshots.prepare(id));
        meters.pause(System.nanoTime() - started);
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        inFlight = result;
        uploads.execute(() -> attempt(id, snapshot, result, newBackoff()));
        return result;
    }

    @Override
    public CompletableFuture<Boolean> start(SnapshotSource source) {
        if (closed || fenced || busy()) {
            return null;
        }
        long id = nextId();
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        inFlight = result;
        uploads.execute(() -> {
            StateSnapshot snapshot = takeSnapshot(id, source);
            if (snapshot == null) {
                result.complete(false);
            } else {
                attempt(id, snapshot, result, newBackoff());
            }
        });
        return result;
    }

    /** The snapshot, or null if there is nothing to checkpoint or it failed (the next interval tries again). */
    private StateSnapshot takeSnapshot(long id, SnapshotSource source) {
        Path directory = null;
        try {
            directory = snapshots.prepare(id);
            StateSnapshot snapshot = source.snapshot(directory);
            if (snapshot.position() < 0) {
                snapshots.discard(directory);
                return null;
            }
            return snapshot;
        } catch (RuntimeException e) {
            if (directory != null) {
                snapshots.discard(directory);
            }
            if (!closed) {
                meters.failed();
                LOG.warnf(
                        "Partition %s: snapshot for checkpoint %s failed (%s); the next interval tries again",
                        partition, CheckpointIds.text(id), e.toString());
            }
            return null;
        }
    }

    @Override
    public void recordPause(long nanos) {
        meters.pause(nanos);
    }

    private long nextId() {
        return CheckpointIds.of(claim.number(), ++sequence);
    }

    private Backoff newBackoff() {
        return new Backoff(settings.initialRetryBackoff(), settings.maxRetryBackoff());
    }

    @Override
    public boolean awaitUpload(Duration timeout) {
        return Futures.await(inFlight, timeout);
    }

    private void attempt(long id, StateSnapshot snapshot, CompletableFuture<Boolean> result, Backoff backoff) {
        if (closed) {
            snapshots.discard(snapshot.directory());
            result.complete(false);
            return;
        }
        long started = System.nanoTime();
        List<Long> published;
        try {
            published = publish(id, snapshot);
            meters.upload(System.nanoTime() - started);
        } catch (FencedException e) {
            fenced = true;
            snapshots.discard(snapshot.directory());
            LOG.warnf(
                    "Partition %s: checkpoint %s not published, %s; this instance no longer checkpoints it",
                    partition, CheckpointIds.text(id), e.getMessage());
            result.complete(false);
            return;
        } catch (RuntimeException e) {
            meters.failed();
            if (e instanceof UnreadableLatestException) {
                // Never overwritten: the epoch and claim that fence older owners off are lost with it.
                meters.latestUnreadable();
            }
            if (closed) {
                snapshots.discard(snapshot.directory());
                result.complete(false);
                return;
            }
            long wait = backoff.nextMillis();
            LOG.warnf(
                    "Partition %s: checkpoint %s at offset %d failed (%s); retrying in %d ms",
                    partition, CheckpointIds.text(id), snapshot.position(), e.toString(), wait);
            retries.schedule(
                    () -> uploads.execute(() -> attempt(id, snapshot, result, backoff)), wait, TimeUnit.MILLISECONDS);
            return;
        }
        // Retention belongs to this checkpoint: the next one starts after it, so their bookkeeping never overlaps.
        try {
            retain(id, published);
        } catch (FencedException e) {
            fenced = true;
            LOG.warnf("Partition %s: retention skipped, %s", partition, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warnf(
                    "Partition %s: deleting old checkpoints failed (%s); the next checkpoint tries again",
                    partition, e.toString());
        }
        result.complete(true);
    }

    /** Uploads and publishes; returns the published checkpoints, newest first. */
    private List<Long> publish(long id, StateSnapshot snapshot) {
        SnapshotUploader.Uploaded uploaded = uploader.upload(id, snapshot.directory());
        Long watermark = snapshot.watermark() == EventTimeClock.NO_TIME ? null : snapshot.watermark();
        CheckpointManifest manifest = new CheckpointManifest(
                partition.topic(),
                partition.partition(),
                id,
                claim.epoch(),
                snapshot.position(),
                watermark,
                stateConfig,
                Instant.ofEpochMilli(clock.millis()),
                uploaded.files(),
                layout.deploymentId());
        List<Long> published = publisher.publish(claim, manifest);
        durableOffset = snapshot.position();
        lastSuccessMillis = clock.millis();
        meters.published(manifest.totalBytes(), uploaded.uploadedBytes(), uploaded.uploaded(), uploaded.reused());
        LOG.debugf(
                "Partition %s: checkpoint %s at offset %d published (%d files uploaded, %d reused, %d bytes uploaded)",
                partition,
                CheckpointIds.text(id),
                snapshot.position(),
                uploaded.uploaded(),
                uploaded.reused(),
                uploaded.uploadedBytes());
        snapshots.discard(snapshot.directory());
        return published;
    }

    /** Deletes what retention gives up; only while still the owner, so a fenced instance never robs the new one. */
    private void retain(long id, List<Long> published) {
        Retention.Plan plan = retention.plan(
                store.list(layout.partitionPrefix() + "/"),
                id,
                published,
                publisher::manifest,
                Instant.ofEpochMilli(clock.millis()));
        if (plan.isEmpty()) {
            return;
        }
        publisher.checkStillOwner(claim);
        int doomed = plan.manifests().size() + plan.files().size();
        int deleted = 0;
        for (String key : plan.manifests()) {
            store.delete(key);
            layout.checkpointIdOf(key).ifPresent(publisher::forget);
            deleted = deletedOneOf(deleted, doomed);
        }
        for (String key : plan.files()) {
            store.delete(key);
            deleted = deletedOneOf(deleted, doomed);
        }
        uploader.deleted(plan.files());
        meters.deleted(plan.manifests().size() + plan.files().size());
    }

    /** Counts a deletion; the fault point of retention is after the first of several. */
    private static int deletedOneOf(int deleted, int doomed) {
        if (deleted == 0 && doomed > 1) {
            FaultPoints.reached("checkpoint.retention");
        }
        return deleted + 1;
    }

    @Override
    public void close() {
        closed = true;
        meters.close();
    }
}
