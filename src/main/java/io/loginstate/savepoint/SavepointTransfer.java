package io.loginstate.savepoint;

import io.loginstate.objectstore.ObjectInfo;
import io.loginstate.support.Crc32c;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Copies a complete savepoint out of the object store into a local directory (its objects by
 * their names under {@code savepoints/<id>/}), and from such a directory into a store, possibly
 * under another id. Both check every part against the manifest (size, CRC-32C); an import writes
 * the request first and the manifest last, after the uploaded parts were read back and checked, so
 * an interrupted import leaves an open savepoint, never a complete one with a bad part.
 */
public final class SavepointTransfer {

    private static final String MANIFEST_FILE = "_manifest.json";
    private static final String REQUEST_FILE = "_request.json";

    private final SavepointCatalog catalog;

    public SavepointTransfer(SavepointCatalog catalog) {
        this.catalog = catalog;
    }

    /** Writes every object of the complete savepoint {@code id} into {@code target}; returns how many. */
    public int exportTo(String id, Path target) {
        SavepointLayout.checkId(id);
        SavepointManifest manifest = catalog.manifest(id)
                .orElseThrow(() -> new IllegalStateException("Savepoint " + id + " is not complete (no "
                        + SavepointLayout.manifest(id) + "); only a complete savepoint is exported"));
        createDirectories(target);
        String prefix = SavepointLayout.prefix(id);
        int written = 0;
        for (ObjectInfo object : catalog.store().list(prefix)) {
            String name = object.key().substring(prefix.length());
            if (name.isEmpty() || name.contains("/")) {
                continue;
            }
            catalog.store().download(object.key(), target.resolve(name));
            written++;
        }
        for (SavepointManifest.PartEntry part : manifest.parts()) {
            check(part, target.resolve(part.key().substring(prefix.length())), part.key());
        }
        return written;
    }

    /**
     * Writes the savepoint exported in {@code source} into the store as {@code newId} (empty: the id
     * it was exported under); refuses an id the store already has. Returns the id.
     */
    public String importFrom(Path source, Optional<String> newId, Path scratch) {
        Path manifestFile = source.resolve(MANIFEST_FILE);
        SavepointManifest original = SavepointManifest.fromJson(read(manifestFile), manifestFile.toString());
        SavepointRequest request = SavepointRequest.fromJson(read(source.resolve(REQUEST_FILE)));
        String id = SavepointLayout.checkId(newId.orElse(original.id()));
        String oldPrefix = SavepointLayout.prefix(original.id());
        List<SavepointManifest.PartEntry> parts = new ArrayList<>();
        for (SavepointManifest.PartEntry part : original.parts()) {
            Path file = source.resolve(part.key().substring(oldPrefix.length()));
            check(part, file, file.toString());
            parts.add(rekeyed(part, SavepointLayout.prefix(id) + part.key().substring(oldPrefix.length())));
        }
        SavepointRequest renamed = new SavepointRequest(
                request.formatVersion(),
                id,
                request.topic(),
                request.partitions(),
                request.partitioner(),
                request.deployment(),
                request.requestedAt(),
                request.requestedBy(),
                request.pinned());
        if (!catalog.create(renamed)) {
            throw new IllegalStateException("The store already has a savepoint " + id + " ("
                    + SavepointLayout.request(id) + "); name another with --id");
        }
        for (int i = 0; i < parts.size(); i++) {
            SavepointManifest.PartEntry part = parts.get(i);
            Path file = source.resolve(original.parts().get(i).key().substring(oldPrefix.length()));
            catalog.store().put(part.key(), file);
            Path back = scratch.resolve("part-" + part.partition());
            catalog.store().download(part.key(), back);
            check(part, back, part.key());
            copySummary(source, original.topic(), part, id);
        }
        SavepointManifest manifest = new SavepointManifest(
                original.formatVersion(),
                id,
                original.topic(),
                original.partitions(),
                original.partitioner(),
                original.createdAt(),
                original.stateConfig(),
                original.deployment(),
                original.states(),
                parts,
                null);
        if (!catalog.writeManifest(manifest)) {
            throw new IllegalStateException("Savepoint " + id + " got a manifest while it was imported");
        }
        return id;
    }

    /** The part's summary under its new key, so progress reads as for a savepoint taken here. */
    private void copySummary(Path source, String topic, SavepointManifest.PartEntry part, String id) {
        Path file = source.resolve(topic + "-" + part.partition() + ".json");
        if (!Files.exists(file)) {
            return;
        }
        PartSummary s = PartSummary.fromJson(read(file));
        PartSummary renamed = s.withObject(part.key(), s.size(), s.crc32c(), s.records());
        catalog.store().put(SavepointLayout.summary(id, topic, part.partition()), renamed.toJson());
    }

    private static SavepointManifest.PartEntry rekeyed(SavepointManifest.PartEntry part, String key) {
        return new SavepointManifest.PartEntry(
                part.partition(),
                key,
                part.size(),
                part.crc32c(),
                part.records(),
                part.nextOffset(),
                part.watermark(),
                part.writtenBy(),
                part.ownerEpoch(),
                part.writtenAt());
    }

    /** Refuses a missing part or one whose size or CRC-32C is not the manifest's, naming it. */
    private static void check(SavepointManifest.PartEntry part, Path file, String name) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("The part " + name + " the manifest names is missing");
        }
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String crc = Crc32c.of(file);
        if (size != part.size() || !crc.equals(part.crc32c())) {
            throw new IllegalStateException("The part " + name + " is damaged: " + size + " bytes with CRC-32C " + crc
                    + ", the manifest says " + part.size() + " bytes with " + part.crc32c());
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    private static void createDirectories(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + directory, e);
        }
    }
}
