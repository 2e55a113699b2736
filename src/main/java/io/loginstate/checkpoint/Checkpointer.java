package io.loginstate.checkpoint;

import io.loginstate.checkpoint.CheckpointManifest.FileEntry;
import io.loginstate.objectstore.ObjectInfo;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.state.KeyedStateBackend;
import io.loginstate.state.ttl.TtlTimeService;
import io.loginstate.support.Directories;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Checkpoints one partition's state to the object store. {@link #start} takes a RocksDB checkpoint
 * (hard links) on the upload pool while the partition goes on applying batches; the checkpoint ends
 * at a batch boundary, whose offset it records ({@link #snapshot} does the same on the calling
 * thread, for the last checkpoint before a partition closes). The upload then runs on the pool: SST files the store does not
 * have yet are uploaded (an SST never changes, so later checkpoints only reference it), then the
 * checkpoint's small files, then its manifest, and finally {@code LATEST} is pointed at it through
 * the {@link OwnershipFence}. A failed upload is retried with backoff; a fenced one is dropped.
 * After each publication, retention deletes what no retained checkpoint references.
 *
 * <p>One checkpoint is in flight at a time. Uploads of one partition are sequential, so the upload
 * bookkeeping needs no locks.
 */
public final class Checkpointer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Checkpointer.class);

    private final TopicPartition partition;
    private final CheckpointLayout layout;
    private final ObjectStore store;
    private final OwnershipFence fence;
    private final long epoch;
    private final Path localRoot;
    private final CheckpointSettings settings;
    private final Map<String, String> stateConfig;
    private final Executor uploads;
    private final ScheduledExecutorService retries;
    private final OffsetCommitter committer;
    private final InstantSource clock;
    private final CheckpointMetrics.PartitionMeters meters;

    /** Local SST name to its entry: a file's checksum is computed once. Upload thread only. */
    private final Map<String, FileEntry> sstEntries = new HashMap<>();
    /** Manifests this checkpointer read or wrote, by id. Upload thread only. */
    private final Map<Long, CheckpointManifest> manifests = new HashMap<>();
    /** Keys under {@code files/} known to be stored. Upload thread only. */
    private Set<String> storedFiles;
    private long sequence;
    private volatile long durableOffset;
    private volatile long lastSuccessMillis = -1;
    private volatile Runnable onDurable = () -> {
    };
    private volatile CompletableFuture<Boolean> inFlight = CompletableFuture.completedFuture(true);
    private volatile boolean fenced;
    private volatile boolean closed;

    Checkpointer(TopicPartition partition, CheckpointLayout layout, ObjectStore store, long epoch, long durableOffset,
                 Path localRoot, CheckpointSettings settings, Map<String, String> stateConfig, Executor uploads,
                 ScheduledExecutorService retries, OffsetCommitter committer, InstantSource clock,
                 CheckpointMetrics.PartitionMeters meters) {
        this.partition = partition;
        this.layout = layout;
        this.store = store;
        this.fence = new OwnershipFence(store, layout.partitionPrefix());
        this.epoch = epoch;
        this.durableOffset = durableOffset;
        this.localRoot = localRoot;
        this.settings = settings;
        this.stateConfig = Map.copyOf(stateConfig);
        this.uploads = uploads;
        this.retries = retries;
        this.committer = committer;
        this.clock = clock;
        this.meters = meters;
        meters.bind(this);
    }

    public TopicPartition partition() {
        return partition;
    }

    /** Checkpoints kept in the store for this partition. */
    public int retained() {
        return settings.retained();
    }

    /** Continues the numbering of this epoch's checkpoints after {@code sequence}. */
    void continueSequence(long sequence) {
        this.sequence = Math.max(this.sequence, sequence);
    }

    /** Runs after every successful publication and its retention (on the upload thread). */
    public void onDurable(Runnable action) {
        this.onDurable = action;
    }

    /** Next offset of the newest published checkpoint, or -1 if there is none. */
    public long durableOffset() {
        return durableOffset;
    }

    /** Milliseconds since the last successful checkpoint, or empty if none succeeded since assignment. */
    public OptionalLong lastSuccessAgeMillis() {
        long last = lastSuccessMillis;
        return last < 0 ? OptionalLong.empty() : OptionalLong.of(Math.max(0, clock.millis() - last));
    }

    /** True while a checkpoint is being uploaded or waits for a retry. */
    public boolean busy() {
        return !inFlight.isDone();
    }

    /** True once a newer owner has claimed the partition: this instance publishes nothing more. */
    public boolean fenced() {
        return fenced;
    }

    /** Takes a snapshot of the partition's state into a directory; see {@link #start}. */
    @FunctionalInterface
    public interface SnapshotSource {
        KeyedStateBackend.SnapshotPoint snapshot(Path directory);
    }

    /**
     * Takes a RocksDB checkpoint of the committed state on the calling thread (the partition's
     * chain, between batches; used when the partition closes). Returns null if a checkpoint is in
     * flight, the partition is fenced, or nothing was ever applied.
     */
    public LocalCheckpoint snapshot(KeyedStateBackend state) {
        if (closed || fenced || busy()) {
            return null;
        }
        long started = System.nanoTime();
        if (state.position().isEmpty()) {
            return null;
        }
        Path directory = prepareDirectory(nextId());
        state.snapshot(directory);
        long watermark = state.time().watermark();
        meters.pause(System.nanoTime() - started);
        return new LocalCheckpoint(idOf(directory), directory, state.position().getAsLong(),
                watermark == TtlTimeService.NO_TIME ? null : watermark);
    }

    /**
     * Starts a checkpoint whose snapshot is taken on the upload thread, while the partition goes on
     * applying batches: the snapshot names the batch boundary it ends at. The future yields true
     * once the checkpoint is published; null is returned if a checkpoint is in flight or the
     * partition is fenced or closed.
     */
    public CompletableFuture<Boolean> start(SnapshotSource source) {
        if (closed || fenced || busy()) {
            return null;
        }
        long id = nextId();
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        inFlight = result;
        uploads.execute(() -> {
            LocalCheckpoint local;
            Path directory = null;
            try {
                directory = prepareDirectory(id);
                KeyedStateBackend.SnapshotPoint point = source.snapshot(directory);
                if (point.position() < 0) {
                    discard(directory);
                    result.complete(false);
                    return;
                }
                local = new LocalCheckpoint(id, directory, point.position(),
                        point.watermark() == TtlTimeService.NO_TIME ? null : point.watermark());
            } catch (RuntimeException e) {
                if (directory != null) {
                    discard(directory);
                }
                if (!closed) {
                    meters.failed();
                    LOG.warnf("Partition %s: snapshot for checkpoint %s failed (%s); the next interval tries again",
                            partition, idText(id), e.toString());
                }
                result.complete(false);
                return;
            }
            attempt(local, result, settings.initialRetryBackoff());
        });
        return result;
    }

    /** Records the time the partition's chain spent on a checkpoint (the pause of processing). */
    public void recordPause(long nanos) {
        meters.pause(nanos);
    }

    private long nextId() {
        return CheckpointLayout.checkpointId(epoch, ++sequence);
    }

    private static long idOf(Path directory) {
        return Long.parseLong(directory.getFileName().toString());
    }

    private Path prepareDirectory(long id) {
        Path directory = localRoot.resolve(Long.toString(id));
        try {
            Files.createDirectories(localRoot);
            Directories.deleteRecursively(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare " + directory, e);
        }
        return directory;
    }

    /**
     * Uploads and publishes {@code local} in the background, retrying with backoff. The future
     * yields true once the checkpoint is published, false if it was fenced or closed first.
     */
    public CompletableFuture<Boolean> upload(LocalCheckpoint local) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        inFlight = result;
        uploads.execute(() -> attempt(local, result, settings.initialRetryBackoff()));
        return result;
    }

    /** Waits for the checkpoint in flight; false if it did not finish within {@code timeout}. */
    public boolean awaitUpload(Duration timeout) {
        try {
            inFlight.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return true;
        }
    }

    private void attempt(LocalCheckpoint local, CompletableFuture<Boolean> result, Duration backoff) {
        if (closed) {
            discard(local);
            result.complete(false);
            return;
        }
        long started = System.nanoTime();
        try {
            publish(local);
            meters.upload(System.nanoTime() - started);
        } catch (FencedException e) {
            fenced = true;
            discard(local);
            LOG.warnf("Partition %s: checkpoint %s not published, %s; this instance no longer checkpoints it",
                    partition, idText(local.checkpointId()), e.getMessage());
            result.complete(false);
            return;
        } catch (RuntimeException e) {
            meters.failed();
            if (closed) {
                discard(local);
                result.complete(false);
                return;
            }
            LOG.warnf("Partition %s: checkpoint %s at offset %d failed (%s); retrying in %d ms", partition,
                    idText(local.checkpointId()), local.offset(), e.toString(), backoff.toMillis());
            Duration doubled = backoff.multipliedBy(2);
            Duration next = doubled.compareTo(settings.maxRetryBackoff()) > 0 ? settings.maxRetryBackoff() : doubled;
            retries.schedule(() -> uploads.execute(() -> attempt(local, result, next)), backoff.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        // Retention belongs to this checkpoint: the next one starts after it, so their bookkeeping never overlaps.
        try {
            retain(local.checkpointId());
        } catch (FencedException e) {
            fenced = true;
            LOG.warnf("Partition %s: retention skipped, %s", partition, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warnf("Partition %s: deleting old checkpoints failed (%s); the next checkpoint tries again", partition, e.toString());
        }
        result.complete(true);
        try {
            onDurable.run();
        } catch (RuntimeException e) {
            LOG.warnf(e, "Partition %s: reacting to a published checkpoint failed", partition);
        }
    }

    private void publish(LocalCheckpoint local) {
        if (storedFiles == null) {
            storedFiles = store.list(layout.filesPrefix()).stream().map(ObjectInfo::key).collect(Collectors.toCollection(HashSet::new));
        }
        List<Path> files;
        try (Stream<Path> listing = Files.list(local.directory())) {
            files = listing.filter(Files::isRegularFile).sorted(Comparator.comparing(Path::toString)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + local.directory(), e);
        }
        long id = local.checkpointId();
        List<FileEntry> entries = new ArrayList<>(files.size());
        Set<String> currentSsts = new HashSet<>();
        long uploadedBytes = 0;
        int uploaded = 0;
        int reused = 0;
        for (Path file : files) {
            String name = file.getFileName().toString();
            long size = size(file);
            if (name.endsWith(".sst")) {
                currentSsts.add(name);
                FileEntry entry = sstEntries.get(name);
                if (entry == null || entry.size() != size) {
                    String crc = FileChecksums.crc32c(file);
                    entry = new FileEntry(name, layout.sharedFile(name, size, crc), size, crc);
                    sstEntries.put(name, entry);
                }
                if (storedFiles.contains(entry.key())) {
                    reused++;
                } else {
                    store.put(entry.key(), file);
                    storedFiles.add(entry.key());
                    uploaded++;
                    uploadedBytes += size;
                }
                entries.add(entry);
            } else {
                String key = layout.privateFile(id, name);
                FileEntry entry = new FileEntry(name, key, size, FileChecksums.crc32c(file));
                store.put(key, file);
                uploaded++;
                uploadedBytes += size;
                entries.add(entry);
            }
        }
        sstEntries.keySet().retainAll(currentSsts);
        CheckpointManifest manifest = new CheckpointManifest(CheckpointManifest.FORMAT_VERSION, partition.topic(),
                partition.partition(), id, epoch, local.offset(), local.watermark(), stateConfig,
                Instant.ofEpochMilli(clock.millis()), List.copyOf(entries));
        byte[] json = manifest.toJson();
        if (!store.putIfAbsent(layout.manifest(id), json)
                && !store.get(layout.manifest(id)).map(stored -> java.util.Arrays.equals(stored, json)).orElse(false)) {
            throw new IllegalStateException("Another manifest exists for checkpoint " + idText(id));
        }
        manifests.put(id, manifest);
        fence.publish(epoch, id);
        durableOffset = local.offset();
        lastSuccessMillis = clock.millis();
        meters.published(manifest.totalBytes(), uploadedBytes, uploaded, reused);
        LOG.debugf("Partition %s: checkpoint %s at offset %d published (%d files uploaded, %d reused, %d bytes uploaded)",
                partition, idText(id), local.offset(), uploaded, reused, uploadedBytes);
        discard(local);
        committer.commit(partition, local.offset());
    }

    /**
     * Keeps the newest {@code retained} checkpoints up to {@code published}; deletes the others and
     * every object none of the kept ones references. Objects that no checkpoint ever referenced (left
     * by a crashed or fenced upload) go only once older than the orphan age, so an upload still
     * running elsewhere keeps its files.
     */
    private void retain(long published) {
        List<ObjectInfo> objects = store.list(layout.partitionPrefix() + "/");
        NavigableSet<Long> withManifest = new TreeSet<>();
        for (ObjectInfo object : objects) {
            if (layout.isManifest(object.key())) {
                layout.checkpointIdOf(object.key()).ifPresent(withManifest::add);
            }
        }
        List<Long> kept = withManifest.headSet(published, true).descendingSet().stream().limit(settings.retained()).toList();
        if (kept.isEmpty()) {
            return;
        }
        long oldestKept = kept.get(kept.size() - 1);
        Set<String> referenced = new HashSet<>();
        for (long id : kept) {
            manifest(id).ifPresent(m -> m.files().forEach(f -> referenced.add(f.key())));
        }
        Set<String> droppedReferences = new HashSet<>();
        for (long id : withManifest.headSet(oldestKept, false)) {
            manifest(id).ifPresent(m -> m.files().forEach(f -> droppedReferences.add(f.key())));
        }
        Instant orphanCutoff = Instant.ofEpochMilli(clock.millis()).minus(settings.orphanMinAge());
        List<String> doomedManifests = new ArrayList<>();
        List<String> doomed = new ArrayList<>();
        for (ObjectInfo object : objects) {
            String key = object.key();
            OptionalLong checkpoint = layout.checkpointIdOf(key);
            boolean orphanAged = object.lastModified() != null && object.lastModified().isBefore(orphanCutoff);
            if (checkpoint.isPresent()) {
                long id = checkpoint.getAsLong();
                if (kept.contains(id)) {
                    continue;
                }
                boolean dropped = withManifest.contains(id) && id < oldestKept;
                if (dropped || orphanAged) {
                    (layout.isManifest(key) ? doomedManifests : doomed).add(key);
                }
            } else if (key.startsWith(layout.filesPrefix()) && !referenced.contains(key)
                    && (droppedReferences.contains(key) || orphanAged)) {
                doomed.add(key);
            }
        }
        if (doomedManifests.isEmpty() && doomed.isEmpty()) {
            return;
        }
        // Only the current owner deletes: a fenced instance could otherwise rob the new owner.
        fence.read().filter(latest -> latest.epoch() > epoch).ifPresent(latest -> {
            throw new FencedException(layout.partitionPrefix(), epoch, latest.epoch());
        });
        // Manifests first: a checkpoint being deleted never looks complete.
        for (String key : doomedManifests) {
            store.delete(key);
            layout.checkpointIdOf(key).ifPresent(manifests::remove);
        }
        for (String key : doomed) {
            store.delete(key);
            storedFiles.remove(key);
        }
        meters.deleted(doomedManifests.size() + doomed.size());
    }

    private java.util.Optional<CheckpointManifest> manifest(long id) {
        CheckpointManifest cached = manifests.get(id);
        if (cached != null) {
            return java.util.Optional.of(cached);
        }
        try {
            java.util.Optional<CheckpointManifest> read = store.get(layout.manifest(id)).map(CheckpointManifest::fromJson);
            read.ifPresent(m -> manifests.put(id, m));
            return read;
        } catch (IllegalArgumentException e) {
            LOG.warnf("Partition %s: unreadable manifest of checkpoint %s: %s", partition, idText(id), e.getMessage());
            return java.util.Optional.empty();
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the size of " + file, e);
        }
    }

    private void discard(LocalCheckpoint local) {
        discard(local.directory());
    }

    private void discard(Path directory) {
        try {
            Directories.deleteRecursively(directory);
        } catch (IOException e) {
            LOG.warnf("Partition %s: cannot delete local checkpoint %s: %s", partition, directory, e.getMessage());
        }
    }

    /** Checkpoint ids as {@code <epoch>-<sequence>}, as in logs. */
    static String idText(long checkpointId) {
        return CheckpointLayout.epochOf(checkpointId) + "-" + CheckpointLayout.sequenceOf(checkpointId);
    }

    /** Stops retries; a checkpoint in flight is dropped at its next step. Idempotent. */
    @Override
    public void close() {
        closed = true;
        meters.close();
    }
}
