package io.loginstate.savepoint;

import io.loginstate.objectstore.Versioned;
import io.loginstate.state.api.StateSnapshot;
import io.loginstate.support.Crc32c;
import io.loginstate.support.Directories;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * Writes one partition's part of a savepoint: a snapshot at a batch boundary (taken as a
 * checkpoint's is), exported off the partition's chain to a local file, uploaded under a key naming
 * the owner, then its summary. The summary decides which part counts: the first one written, or a
 * newer owner's (higher epoch, or claim) while the savepoint is open; a fenced owner checks its
 * claim before it writes one and never replaces a newer owner's. Local files are deleted however it
 * ends.
 */
final class PartWriter {

    private static final Logger LOG = Logger.getLogger(PartWriter.class);

    private final SavepointCatalog catalog;
    private final PartExporter exporter;
    private final OwnedPartitions partitions;
    private final Path workDir;
    private final String instanceId;
    private final InstantSource clock;

    PartWriter(
            SavepointCatalog catalog,
            PartExporter exporter,
            OwnedPartitions partitions,
            Path workDir,
            String instanceId,
            InstantSource clock) {
        this.catalog = catalog;
        this.exporter = exporter;
        this.partitions = partitions;
        this.workDir = workDir;
        this.instanceId = instanceId;
        this.clock = clock;
    }

    /** True if this instance should write the partition's part: none yet, or only an older owner's. */
    boolean wanted(SavepointRequest request, int partition) {
        Optional<PartSummary> existing = catalog.summary(request.id(), request.topic(), partition);
        OwnedPartitions.Owner owner = partitions.owner(partition);
        return existing.isEmpty() || existing.get().olderThan(owner.epoch(), owner.claim());
    }

    /** Writes the part and returns the summary that counts afterwards (this one or a newer owner's). */
    PartSummary write(SavepointRequest request, int partition, Duration timeout) {
        OwnedPartitions.Owner owner = partitions.owner(partition);
        Path directory = workDir.resolve(request.id()).resolve(request.topic() + "-" + partition);
        Directories.deleteRecursively(directory);
        try {
            Files.createDirectories(directory);
            StateSnapshot snapshot = await(partitions.snapshot(partition, directory.resolve("snapshot")), timeout);
            Path file = directory.resolve("part");
            PartExporter.PartResult result;
            try (OutputStream out = Files.newOutputStream(file)) {
                result = exporter.export(
                        request.topic(), partition, snapshot, out, headerProperties(request, partition));
            }
            String key = SavepointLayout.part(
                    request.id(),
                    request.topic(),
                    partition,
                    owner.epoch(),
                    owner.claim(),
                    String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24)));
            long size = Files.size(file);
            String crc = Crc32c.of(file);
            catalog.store().put(key, file);
            PartSummary summary = new PartSummary(
                    request.topic(),
                    partition,
                    key,
                    size,
                    crc,
                    result.records(),
                    snapshot.position(),
                    snapshot.watermark(),
                    instanceId,
                    owner.epoch(),
                    owner.claim(),
                    clock.instant(),
                    new TreeMap<>(result.properties()));
            partitions.checkStillOwner(partition);
            PartSummary counting = publish(request, summary);
            catalog.clearFailure(request.id(), request.topic(), partition);
            if (counting == summary) {
                LOG.infof(
                        "Savepoint %s: wrote the part of partition %s-%d at offset %d (%d records, %d bytes)",
                        request.id(), request.topic(), partition, summary.nextOffset(), summary.records(), size);
            }
            return counting;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the savepoint part in " + directory, e);
        } finally {
            Directories.deleteRecursively(directory);
        }
    }

    private static Map<String, String> headerProperties(SavepointRequest request, int partition) {
        return Map.of(
                "savepoint.id", request.id(),
                "topic", request.topic(),
                "partition", Integer.toString(partition),
                "deployment", request.deployment());
    }

    /** Writes the summary unless one of a newer (or the same) owner is there; returns the one that counts. */
    private PartSummary publish(SavepointRequest request, PartSummary summary) {
        while (true) {
            Optional<Versioned> current = catalog.summaryVersioned(request.id(), request.topic(), summary.partition());
            if (current.isEmpty()) {
                if (catalog.store()
                        .putIfAbsent(
                                SavepointLayout.summary(request.id(), request.topic(), summary.partition()),
                                summary.toJson())) {
                    return summary;
                }
                continue;
            }
            PartSummary existing = PartSummary.fromJson(current.get().bytes());
            if (!summary.newerOwnerThan(existing)) {
                catalog.store().delete(summary.key());
                return existing;
            }
            if (catalog.manifest(request.id()).isPresent()) {
                // Complete meanwhile: the manifest names the part that counts; ours is not needed.
                catalog.store().delete(summary.key());
                return existing;
            }
            if (catalog.store()
                    .replaceIfMatch(
                            SavepointLayout.summary(request.id(), request.topic(), summary.partition()),
                            summary.toJson(),
                            current.get().version())) {
                // The older part stays until the manifest is written: a manifest writer may have read its summary.
                return summary;
            }
        }
    }

    private static <T> T await(CompletableFuture<T> future, Duration timeout) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(false);
            throw new IllegalStateException("No snapshot within " + timeout, e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime
                    ? runtime
                    : new IllegalStateException(e.getCause().toString(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for a snapshot", e);
        }
    }
}
