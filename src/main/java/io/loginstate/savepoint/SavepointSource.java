package io.loginstate.savepoint;

import io.loginstate.objectstore.ObjectNotFoundException;
import io.loginstate.support.Crc32c;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * The savepoint a deployment starts from ({@code login-state.restore.savepoint}): refuses to guess.
 * It must be complete, of the same topic, partitioner and partition count, and younger than the
 * max age unless pinned; each part is checked against the manifest (size, CRC-32C) before it is
 * imported, and a damaged one fails the partition's open with an error naming the object.
 */
public final class SavepointSource {

    /** What to do when the partition count changed: the message names it. */
    public static final String RESPLIT_PROCEDURE = "stop the producers or let them drain; take a savepoint"
            + " (POST /admin/savepoints); add the partitions; run `login-state-cli savepoints resplit --id ID --partitions N` on it;"
            + " restore from the resplit savepoint";

    private final SavepointCatalog catalog;
    private final String id;
    private final Duration maxAge;
    private final InstantSource clock;

    public SavepointSource(SavepointCatalog catalog, String id, Duration maxAge, InstantSource clock) {
        this.catalog = catalog;
        this.id = SavepointLayout.checkId(id);
        this.maxAge = maxAge;
        this.clock = clock;
    }

    public String id() {
        return id;
    }

    /** The manifest, once checked against the topic as it is now. */
    public SavepointManifest check(String topic, String partitioner, int partitionCount) {
        SavepointRequest request = catalog.request(id)
                .orElseThrow(() -> new SavepointRefusedException(
                        "login-state.restore.savepoint names savepoint " + id + ", which is not in the object store ("
                                + catalog.store().name() + ")"));
        SavepointManifest manifest;
        try {
            manifest = catalog.manifest(id)
                    .orElseThrow(() -> new SavepointRefusedException("Savepoint " + id
                            + " is not complete (no " + SavepointLayout.manifest(id)
                            + "); GET /admin/savepoints/" + id + " shows the partitions it lacks"));
        } catch (IllegalArgumentException e) {
            throw new SavepointRefusedException(e.getMessage(), e);
        }
        if (!manifest.topic().equals(topic)) {
            throw new SavepointRefusedException(
                    "Savepoint " + id + " is of topic " + manifest.topic() + ", not of " + topic);
        }
        if (!manifest.partitioner().equalsIgnoreCase(partitioner)) {
            throw new SavepointRefusedException("Savepoint " + id + " was taken with partitioner "
                    + manifest.partitioner() + "; login-state.partitioner is " + partitioner
                    + ": users would be looked up on other partitions than their state");
        }
        if (manifest.partitions() != partitionCount) {
            throw new SavepointRefusedException("Savepoint " + id + " has " + manifest.partitions()
                    + " partitions; " + topic + " has " + partitionCount + " now. A savepoint restores only into"
                    + " the partition count it was taken of. To change the count: " + RESPLIT_PROCEDURE);
        }
        Instant oldest = clock.instant().minus(maxAge);
        if (!request.pinned() && manifest.createdAt().isBefore(oldest)) {
            throw new SavepointRefusedException("Savepoint " + id + " was completed at " + manifest.createdAt()
                    + ", longer ago than login-state.savepoint.max-age (" + maxAge + "): its offsets may lie below"
                    + " the topic's retention. Pin it (POST /admin/savepoints/" + id + "/pin) to restore it anyway");
        }
        return manifest;
    }

    /**
     * Downloads the partition's part into {@code target} and checks its size and CRC-32C against the
     * manifest; a missing or damaged part is refused naming its object (the open is retried, never
     * started empty).
     */
    public SavepointManifest.PartEntry download(SavepointManifest manifest, int partition, Path target) {
        SavepointManifest.PartEntry part = manifest.part(partition);
        try {
            catalog.store().download(part.key(), target);
        } catch (ObjectNotFoundException e) {
            throw new SavepointRefusedException(
                    "Savepoint " + id + ": the part " + part.key() + " its manifest names is missing", e);
        }
        long size;
        try {
            size = Files.size(target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String crc = Crc32c.of(target);
        if (size != part.size() || !crc.equals(part.crc32c())) {
            throw new SavepointRefusedException("Savepoint " + id + ": the part " + part.key() + " is damaged: "
                    + size + " bytes with CRC-32C " + crc + ", the manifest says " + part.size() + " bytes with "
                    + part.crc32c());
        }
        return part;
    }
}
