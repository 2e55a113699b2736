package io.loginstate.savepoint;

import io.loginstate.objectstore.ObjectInfo;
import io.loginstate.objectstore.Versioned;
import io.loginstate.state.portable.PortableReader;
import io.loginstate.state.portable.PortableWriter;
import io.loginstate.support.Crc32c;
import io.loginstate.support.Directories;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Removes one user key's records from stored savepoints (erasure on request). A part is rewritten
 * as a streaming copy that leaves out every record whose key equals the user key (map and list
 * records carry the user key as key); header, properties, tables and every other record stay as
 * they were, in their order. Other partitions' parts are not touched.
 *
 * <p>Crash-safe and idempotent: the new part goes under a new object key first, then the manifest
 * is replaced by compare-and-swap (re-checksummed, listing the new part's size, CRC-32C and record
 * count), then the summary is made to agree with the manifest, and last every part object of the
 * savepoint its manifest no longer names is deleted. Every call, whether it rewrites or not,
 * finishes that sweep, so a run cut short at any point is completed by the next one; the manifest
 * never names a part that is missing or differs from it.
 *
 * <p>A savepoint still being written (no manifest yet) is not touched: the result is
 * {@link Outcome#PENDING} and the caller retries once it is complete. Its parts and summaries
 * belong to their owners until then ({@link SavepointCoordinator}: a newer owner may replace a
 * summary, and whoever sees the last part builds the manifest from the summaries), so a rewrite
 * racing them could be overwritten by the part it erased.
 *
 * <p>Pinned savepoints: {@link #erase} rewrites them like any other. {@link #delete} deletes a
 * whole savepoint instead, except a pinned one, which it rewrites (a pin keeps a savepoint, an
 * erasure still removes the user from it).
 */
public final class SavepointEraser {

    /** What became of one savepoint. */
    public enum Outcome {
        /** The part was rewritten without the user's records. */
        REWRITTEN,
        /** The whole savepoint was deleted. */
        DELETED,
        /** The part holds no record of the user; nothing rewritten. */
        NOT_PRESENT,
        /** The part reflects input at or after {@code beforeOffset}; left as it is. */
        SKIPPED_NEWER,
        /** The savepoint is not complete yet; retry later. */
        PENDING,
        /** The savepoint has no request (it is being deleted). */
        NOT_FOUND
    }

    /** The outcome for one savepoint, the records removed, and why when nothing was rewritten. */
    public record EraseResult(String savepointId, Outcome outcome, long recordsRemoved, String reason) {

        public boolean rewritten() {
            return outcome == Outcome.REWRITTEN;
        }
    }

    private static final String ATTEMPT = "erased-";
    private static final int ATTEMPTS = 5;

    private final SavepointCatalog catalog;
    private final InstantSource clock;
    private final Path workDir;

    public SavepointEraser(SavepointCatalog catalog, InstantSource clock, Path workDir) {
        this.catalog = catalog;
        this.clock = clock;
        this.workDir = workDir;
    }

    /**
     * Rewrites the part of {@code partition} of savepoint {@code savepointId} without the records of
     * {@code userKey}, if that part's next offset is at most {@code beforeOffset}
     * ({@link Long#MAX_VALUE} for any part).
     *
     * @throws SavepointRefusedException if the part is missing or damaged
     */
    public EraseResult erase(String savepointId, int partition, byte[] userKey, long beforeOffset) {
        SavepointLayout.checkId(savepointId);
        if (catalog.request(savepointId).isEmpty()) {
            return new EraseResult(savepointId, Outcome.NOT_FOUND, 0, "no such savepoint");
        }
        String manifestKey = SavepointLayout.manifest(savepointId);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<Versioned> current = catalog.store().getVersioned(manifestKey);
            if (current.isEmpty()) {
                return new EraseResult(savepointId, Outcome.PENDING, 0, "the savepoint is not complete yet");
            }
            SavepointManifest manifest =
                    SavepointManifest.fromJson(current.get().bytes(), manifestKey);
            sweep(manifest);
            SavepointManifest.PartEntry part = manifest.part(partition);
            if (part.nextOffset() > beforeOffset) {
                return new EraseResult(
                        savepointId,
                        Outcome.SKIPPED_NEWER,
                        0,
                        "the part reflects input up to offset " + part.nextOffset() + ", after " + beforeOffset);
            }
            Optional<EraseResult> result = rewrite(manifest, current.get().version(), part, userKey);
            if (result.isPresent()) {
                sweep(catalog.manifest(savepointId).orElseThrow());
                return result.get();
            }
        }
        throw new SavepointRefusedException(
                "Savepoint " + savepointId + ": its manifest kept changing during " + ATTEMPTS + " erasures");
    }

    /**
     * Deletes savepoint {@code savepointId} as a whole instead of rewriting it, if its part of
     * {@code partition} reflects input before {@code beforeOffset}; a pinned one is rewritten
     * ({@link #erase}) instead, and one not complete yet is {@link Outcome#PENDING}.
     */
    public EraseResult delete(String savepointId, int partition, byte[] userKey, long beforeOffset) {
        SavepointLayout.checkId(savepointId);
        Optional<SavepointRequest> request = catalog.request(savepointId);
        if (request.isEmpty()) {
            return new EraseResult(savepointId, Outcome.NOT_FOUND, 0, "no such savepoint");
        }
        Optional<SavepointManifest> manifest = catalog.manifest(savepointId);
        if (request.get().pinned() || manifest.isEmpty()) {
            return erase(savepointId, partition, userKey, beforeOffset);
        }
        SavepointManifest.PartEntry part = manifest.get().part(partition);
        if (part.nextOffset() > beforeOffset) {
            return new EraseResult(
                    savepointId,
                    Outcome.SKIPPED_NEWER,
                    0,
                    "the part reflects input up to offset " + part.nextOffset() + ", after " + beforeOffset);
        }
        catalog.delete(savepointId);
        return new EraseResult(savepointId, Outcome.DELETED, part.records(), null);
    }

    /** {@link #erase} over every savepoint in the store. */
    public List<EraseResult> eraseEverywhere(int partition, byte[] userKey, long beforeOffset) {
        List<EraseResult> results = new ArrayList<>();
        for (String id : catalog.listAll().keySet()) {
            results.add(erase(id, partition, userKey, beforeOffset));
        }
        return results;
    }

    /** Writes the new part and swaps the manifest; empty if the manifest changed meanwhile. */
    private Optional<EraseResult> rewrite(
            SavepointManifest manifest, String version, SavepointManifest.PartEntry part, byte[] userKey) {
        Path directory = workDir.resolve("erase-" + manifest.id() + "-" + part.partition());
        Directories.deleteRecursively(directory);
        try {
            Files.createDirectories(directory);
            Path in = directory.resolve("in");
            Path out = directory.resolve("out");
            new SavepointSource(catalog, manifest.id(), Duration.ofDays(365_000), clock)
                    .download(manifest, part.partition(), in);
            long[] counts = copyWithout(in, out, part.key(), userKey);
            long removed = counts[0];
            if (removed == 0) {
                return Optional.of(
                        new EraseResult(manifest.id(), Outcome.NOT_PRESENT, 0, "the part holds no record of the key"));
            }
            Optional<PartSummary> summary = catalog.summary(manifest.id(), manifest.topic(), part.partition());
            long claim = summary.map(PartSummary::ownerClaim).orElse(0L);
            String key = SavepointLayout.part(
                    manifest.id(),
                    manifest.topic(),
                    part.partition(),
                    part.ownerEpoch(),
                    claim,
                    ATTEMPT + UUID.randomUUID().toString().substring(0, 8));
            catalog.store().put(key, out);
            SavepointManifest.PartEntry replacement = new SavepointManifest.PartEntry(
                    part.partition(),
                    key,
                    Files.size(out),
                    Crc32c.of(out),
                    counts[1],
                    part.nextOffset(),
                    part.watermark(),
                    part.writtenBy(),
                    part.ownerEpoch(),
                    part.writtenAt());
            if (!catalog.store()
                    .replaceIfMatch(
                            SavepointLayout.manifest(manifest.id()),
                            manifest.withPart(replacement).toJson(),
                            version)) {
                catalog.store().delete(key);
                return Optional.empty();
            }
            return Optional.of(new EraseResult(manifest.id(), Outcome.REWRITTEN, removed, null));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot erase a key from savepoint " + manifest.id(), e);
        } finally {
            Directories.deleteRecursively(directory);
        }
    }

    /** Copies {@code in} to {@code out} without the records of {@code userKey}: {removed, kept}. */
    private static long[] copyWithout(Path in, Path out, String source, byte[] userKey) throws IOException {
        long removed = 0;
        try (InputStream input = new BufferedInputStream(Files.newInputStream(in), 1 << 16);
                OutputStream output = new BufferedOutputStream(Files.newOutputStream(out), 1 << 16);
                PortableReader reader = new PortableReader(input, source)) {
            PortableWriter writer = new PortableWriter(output, reader.tables(), reader.properties());
            while (reader.next()) {
                if (Arrays.equals(reader.key(), userKey)) {
                    removed++;
                } else {
                    writer.write(reader.table(), reader.key(), reader.subKey(), reader.value());
                }
            }
            return new long[] {removed, writer.finish().records()};
        }
    }

    /**
     * Finishes an earlier erasure: every summary is made to name the part the manifest names, then
     * every part object the manifest does not name is deleted.
     */
    private void sweep(SavepointManifest manifest) {
        Set<String> named = new HashSet<>();
        for (SavepointManifest.PartEntry part : manifest.parts()) {
            named.add(part.key());
            Optional<PartSummary> summary = catalog.summary(manifest.id(), manifest.topic(), part.partition());
            if (summary.isPresent() && !summary.get().key().equals(part.key())) {
                catalog.store()
                        .put(
                                SavepointLayout.summary(manifest.id(), manifest.topic(), part.partition()),
                                summary.get()
                                        .withObject(part.key(), part.size(), part.crc32c(), part.records())
                                        .toJson());
            }
        }
        for (ObjectInfo object : catalog.store().list(SavepointLayout.prefix(manifest.id()))) {
            if (object.key().endsWith(".part") && !named.contains(object.key())) {
                catalog.store().delete(object.key());
            }
        }
    }
}
