package io.loginstate.savepoint;

import io.loginstate.objectstore.ObjectStore;
import io.loginstate.support.Crc32c;
import java.util.ArrayList;
import java.util.List;

/**
 * Damage a checksum cannot catch, for tests of the checks behind it: a part replaced by other bytes
 * and a manifest rewritten (with a valid checksum) to list their size and CRC-32C.
 */
public final class ForgedManifests {

    private ForgedManifests() {}

    /** Replaces the part of {@code partition} with {@code bytes} and makes the manifest agree. */
    public static void replacePart(ObjectStore store, String id, int partition, byte[] bytes) {
        SavepointCatalog catalog = new SavepointCatalog(store);
        SavepointManifest m = catalog.manifest(id).orElseThrow();
        List<SavepointManifest.PartEntry> parts = new ArrayList<>();
        for (SavepointManifest.PartEntry p : m.parts()) {
            if (p.partition() == partition) {
                store.put(p.key(), bytes);
                p = new SavepointManifest.PartEntry(
                        p.partition(),
                        p.key(),
                        bytes.length,
                        Crc32c.of(bytes),
                        p.records(),
                        p.nextOffset(),
                        p.watermark(),
                        p.writtenBy(),
                        p.ownerEpoch(),
                        p.writtenAt());
            }
            parts.add(p);
        }
        store.delete(SavepointLayout.manifest(id));
        catalog.writeManifest(new SavepointManifest(
                m.formatVersion(),
                m.id(),
                m.topic(),
                m.partitions(),
                m.partitioner(),
                m.createdAt(),
                m.stateConfig(),
                m.deployment(),
                m.states(),
                parts,
                null));
    }
}
