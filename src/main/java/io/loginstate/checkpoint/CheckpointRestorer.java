package io.loginstate.checkpoint;

import io.loginstate.checkpoint.CheckpointManifest.FileEntry;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.support.Crc32c;
import io.loginstate.support.Directories;
import io.loginstate.support.FaultPoints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Brings a partition's state directory up to its latest checkpoint when the partition is assigned.
 * Local state that is at least as new as the latest manifest is kept (a restart on the same volume
 * costs nothing); otherwise the checkpoint's files are downloaded in parallel into a fresh directory,
 * each one's size and CRC-32C verified, and the directory replaces the local one. A file the older
 * local state already holds with the same name, size and CRC-32C (RocksDB never rewrites a table
 * file) is hard-linked instead of downloaded, so an instance that was away briefly fetches only
 * what changed. A missing or
 * corrupt file falls back to the previous checkpoint; if none is usable the local state (or nothing)
 * stays, and processing replays the topic from its position.
 */
public final class CheckpointRestorer {

    private static final Logger LOG = Logger.getLogger(CheckpointRestorer.class);

    private final ObjectStore store;
    private final Executor downloads;
    private final CheckpointMetrics metrics;
    private final String deploymentId;

    /**
     * @param deploymentId the deployment restoring: a manifest naming another one is refused; null
     *                     accepts any (tools)
     */
    public CheckpointRestorer(ObjectStore store, Executor downloads, CheckpointMetrics metrics, String deploymentId) {
        this.store = store;
        this.downloads = downloads;
        this.metrics = metrics;
        this.deploymentId = deploymentId;
    }

    /** Where the restored state came from. */
    public enum Source {
        /** No checkpoint and no usable download: the local state (possibly empty) stays. */
        NONE,
        /** The local state is at least as new as the latest checkpoint. */
        LOCAL,
        /** Downloaded from the object store. */
        REMOTE,
        /**
         * Checkpoints were published, but none could be restored: the local state (possibly empty)
         * stays, and the topic is replayed from its position, or from its beginning.
         */
        UNUSABLE
    }

    /**
     * @param checkpointId the checkpoint restored, or the one the local state was found as new as; -1 if none
     * @param offset       that checkpoint's next offset (durable progress in the store), or -1
     * @param bytes        bytes downloaded
     * @param reusedBytes  bytes of files taken from the local state instead of downloaded
     */
    public record Outcome(Source source, long checkpointId, long offset, long bytes, long reusedBytes, long nanos) {}

    /**
     * Restores {@code target} to the newest usable checkpoint up to {@code latestId}.
     *
     * @param published     the published checkpoints to try, newest first (from {@code LATEST});
     *                      null for a record that predates the list: then only {@code latestId}
     *                      is tried, since an unlisted manifest may be one a fenced process wrote
     * @param localPosition the local state's next offset, or -1 if there is none
     * @param releaseLocal  closes the local state; called before {@code target} is replaced
     */
    public Outcome restore(
            TopicPartition partition,
            CheckpointLayout layout,
            long latestId,
            List<Long> published,
            long localPosition,
            Path target,
            Runnable releaseLocal) {
        long started = System.nanoTime();
        if (latestId < 0) {
            return new Outcome(Source.NONE, -1, -1, 0, 0, System.nanoTime() - started);
        }
        List<Long> candidates = new ArrayList<>();
        candidates.add(latestId);
        if (published != null) {
            published.stream().filter(id -> id < latestId).forEach(candidates::add);
        } else {
            // A manifest in the store is no proof of publication: a fenced process may have
            // written it after its replacement claimed. Without the list, only LATEST's own.
            LOG.infof(
                    "Partition %s: LATEST predates the list of published checkpoints; only checkpoint %s can be"
                            + " restored, no older one",
                    partition, CheckpointIds.text(latestId));
        }
        boolean released = false;
        boolean skipped = false;
        for (long id : candidates) {
            Optional<CheckpointManifest> manifest = readManifest(partition, layout, id);
            if (manifest.isEmpty()) {
                skipped = true;
                continue;
            }
            CheckpointManifest m = manifest.get();
            checkOwnState(partition, layout, id, m);
            if (localPosition >= m.offset()) {
                LOG.infof(
                        "Partition %s: local state at offset %d is at least as new as checkpoint %s (offset %d); keeping it",
                        partition, localPosition, CheckpointIds.text(id), m.offset());
                if (skipped) {
                    metrics.restoreFellBack(partition, "previous");
                }
                return new Outcome(Source.LOCAL, id, m.offset(), 0, 0, System.nanoTime() - started);
            }
            if (!released) {
                releaseLocal.run();
                released = true;
            }
            LOG.infof(
                    "Partition %s: restoring checkpoint %s at offset %d: %d files, %d bytes",
                    partition, CheckpointIds.text(id), m.offset(), m.files().size(), m.totalBytes());
            try {
                Fetched fetched = download(m, layout, target);
                long bytes = fetched.downloaded();
                long nanos = System.nanoTime() - started;
                metrics.restored(
                        partition, Source.REMOTE.name().toLowerCase(Locale.ROOT), bytes, fetched.reused(), nanos);
                LOG.infof(
                        "Partition %s: restored checkpoint %s at offset %d: %d files, %d bytes downloaded, %d files"
                                + " (%d bytes) reused from the local state, in %d ms (%.1f MB/s)",
                        partition,
                        CheckpointIds.text(id),
                        m.offset(),
                        m.files().size(),
                        bytes,
                        fetched.reusedFiles(),
                        fetched.reused(),
                        nanos / 1_000_000,
                        bytes / 1e6 / Math.max(1e-9, nanos / 1e9));
                if (skipped) {
                    metrics.restoreFellBack(partition, "previous");
                }
                return new Outcome(Source.REMOTE, id, m.offset(), bytes, fetched.reused(), nanos);
            } catch (RuntimeException e) {
                skipped = true;
                metrics.checkpointSkipped(partition, "file_damaged");
                LOG.errorf(
                        "Partition %s: checkpoint %s cannot be restored (%s); trying the previous one",
                        partition, CheckpointIds.text(id), rootMessage(e));
            }
        }
        metrics.restoreFellBack(partition, localPosition >= 0 ? "local" : "replay");
        LOG.errorf(
                "Partition %s: no checkpoint could be restored; %s",
                partition,
                localPosition >= 0
                        ? "keeping the local state at offset " + localPosition + " and replaying from there"
                        : "rebuilding the state from the beginning of the topic");
        return new Outcome(Source.UNUSABLE, -1, -1, 0, 0, System.nanoTime() - started);
    }

    /**
     * Refuses a manifest of another deployment or partition, found under this one's keys (a copied
     * prefix, a shared deployment id): its state is not this partition's, and neither starting
     * empty nor an older checkpoint would be right while it is there.
     */
    private void checkOwnState(TopicPartition partition, CheckpointLayout layout, long id, CheckpointManifest m) {
        String problem = null;
        if (deploymentId != null
                && m.deploymentId() != null
                && !m.deploymentId().equals(deploymentId)) {
            problem = "was made by deployment '" + m.deploymentId() + "', and this is deployment '" + deploymentId
                    + "' (login-state.checkpoint.deployment-id, by default the consumer group id)";
        } else if (!partition.topic().equals(m.topic()) || partition.partition() != m.partition()) {
            problem = "is a checkpoint of " + m.topic() + "-" + m.partition();
        }
        if (problem != null) {
            throw new ForeignCheckpointException("Partition " + partition + ": checkpoint " + CheckpointIds.text(id)
                    + " at '" + layout.manifest(id) + "' " + problem + "; not restoring another deployment's or"
                    + " partition's state. Remove the objects under '" + layout.partitionPrefix() + "/' that do not"
                    + " belong there, or give each deployment its own deployment id");
        }
    }

    private Optional<CheckpointManifest> readManifest(TopicPartition partition, CheckpointLayout layout, long id) {
        try {
            Optional<byte[]> bytes = store.get(layout.manifest(id));
            if (bytes.isEmpty()) {
                metrics.checkpointSkipped(partition, "manifest_missing");
                LOG.errorf("Partition %s: the manifest of checkpoint %s is missing", partition, CheckpointIds.text(id));
                return Optional.empty();
            }
            return Optional.of(CheckpointManifest.fromJson(bytes.get()));
        } catch (IllegalArgumentException e) {
            metrics.checkpointSkipped(partition, "manifest_damaged");
            LOG.errorf(
                    "Partition %s: the manifest of checkpoint %s is unreadable: %s",
                    partition, CheckpointIds.text(id), e.getMessage());
            return Optional.empty();
        }
    }

    /** Bytes downloaded, and files and bytes reused from the local state. */
    private record Fetched(long downloaded, int reusedFiles, long reused) {}

    /**
     * Downloads every file the local state lacks, verified, into a fresh directory that then
     * replaces {@code target}.
     */
    private Fetched download(CheckpointManifest manifest, CheckpointLayout layout, Path target) {
        Path staging = target.resolveSibling(target.getFileName() + ".restoring");
        Path discarded = target.resolveSibling(target.getFileName() + ".discarded");
        try {
            Directories.deleteRecursively(staging);
            Directories.deleteRecursively(discarded);
            Files.createDirectories(staging);
            List<CompletableFuture<Long>> files =
                    new ArrayList<>(manifest.files().size());
            int reusedFiles = 0;
            long reused = 0;
            for (FileEntry file : manifest.files()) {
                checkName(file);
                if (reuse(file, target, staging)) {
                    reusedFiles++;
                    reused += file.size();
                } else {
                    files.add(CompletableFuture.supplyAsync(() -> fetch(file, layout, staging), downloads));
                }
            }
            CompletableFuture.allOf(files.toArray(CompletableFuture[]::new)).join();
            long bytes = files.stream().mapToLong(CompletableFuture::join).sum();
            // Renames only, so a crash leaves either the old directory or the new one in place,
            // never a half-deleted one.
            if (Files.exists(target)) {
                Files.move(target, discarded, StandardCopyOption.ATOMIC_MOVE);
                FaultPoints.reached("restore.renamed-away");
            }
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            Directories.deleteRecursively(discarded);
            return new Fetched(bytes, reusedFiles, reused);
        } catch (IOException e) {
            deleteQuietly(staging);
            throw new UncheckedIOException("Cannot restore into " + target, e);
        } catch (RuntimeException e) {
            deleteQuietly(staging);
            throw e;
        }
    }

    private static void checkName(FileEntry file) {
        if (file.name().contains("/")
                || file.name().contains("\\")
                || file.name().startsWith(".")) {
            throw new IllegalArgumentException("Unsafe file name in manifest: " + file.name());
        }
    }

    /**
     * Links a table file of the local state into {@code staging} if it is the manifest's file: same
     * name, size and CRC-32C. Only table files: RocksDB rewrites the others under the same name.
     */
    private static boolean reuse(FileEntry file, Path local, Path staging) {
        if (!file.name().endsWith(".sst")) {
            return false;
        }
        Path candidate = local.resolve(file.name());
        try {
            if (!Files.isRegularFile(candidate)
                    || Files.size(candidate) != file.size()
                    || !Crc32c.of(candidate).equals(file.crc32c())) {
                return false;
            }
            Files.createLink(staging.resolve(file.name()), candidate);
            return true;
        } catch (IOException | UncheckedIOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * Downloads one file and checks it against the manifest, twice if need be (a transfer gone wrong
     * is not a damaged object). A table file still damaged the second time is removed from the
     * store: every checkpoint that lists it is unusable anyway, and while the object is there the
     * owner's later checkpoints would keep referring to it instead of storing the file again.
     */
    private Long fetch(FileEntry file, CheckpointLayout layout, Path directory) {
        Path local = directory.resolve(file.name());
        String problem = downloadVerified(file, local);
        if (problem == null) {
            return file.size();
        }
        problem = downloadVerified(file, local);
        if (problem == null) {
            return file.size();
        }
        if (file.key().startsWith(layout.filesPrefix())) {
            removeDamaged(file, problem);
        }
        throw new IllegalStateException(problem);
    }

    /** Null if the downloaded file has the manifest's size and CRC-32C, else what is wrong. */
    private String downloadVerified(FileEntry file, Path local) {
        store.download(file.key(), local);
        return Crc32c.mismatch(file.key(), file.size(), file.crc32c(), local);
    }

    private void removeDamaged(FileEntry file, String problem) {
        try {
            store.delete(file.key());
            LOG.errorf(
                    "Checkpoint file %s is damaged (%s); removed it from the store, so the next checkpoint that needs"
                            + " this table file stores it again",
                    file.key(), problem);
        } catch (RuntimeException e) {
            LOG.errorf(
                    "Checkpoint file %s is damaged (%s) and cannot be removed (%s); checkpoints keep referring to it"
                            + " until its table file is compacted away",
                    file.key(), problem, e.toString());
        }
    }

    private static void deleteQuietly(Path directory) {
        try {
            Directories.deleteRecursively(directory);
        } catch (UncheckedIOException e) {
            LOG.warnf("Cannot delete %s: %s", directory, e.getCause().getMessage());
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof CompletionException
                        || cause.getCause() != null && cause instanceof UncheckedIOException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.toString();
    }
}
