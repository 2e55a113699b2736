package io.loginstate.checkpoint;

import io.loginstate.objectstore.ObjectInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongFunction;

/**
 * Which objects of a partition's checkpoints may go once a checkpoint is published: the newest
 * {@code retained} checkpoints up to the published one are kept, with every file they reference.
 * Objects of older checkpoints go at once; objects no checkpoint ever referenced (left by a
 * crashed or fenced upload) only once older than the orphan age, so an upload still running
 * elsewhere keeps its files. Decides only: deleting is the caller's job.
 */
final class Retention {

    private final CheckpointLayout layout;
    private final int retained;
    private final Duration orphanMinAge;

    Retention(CheckpointLayout layout, int retained, Duration orphanMinAge) {
        this.layout = layout;
        this.retained = retained;
        this.orphanMinAge = orphanMinAge;
    }

    /** What to delete, manifests first: a checkpoint being deleted never looks complete. */
    record Plan(List<Long> kept, List<String> manifests, List<String> files) {

        boolean isEmpty() {
            return manifests.isEmpty() && files.isEmpty();
        }
    }

    /**
     * @param objects   every object under the partition's prefix
     * @param published the checkpoint just published
     * @param manifests reads a checkpoint's manifest; empty if missing or unreadable
     */
    Plan plan(
            List<ObjectInfo> objects,
            long published,
            LongFunction<Optional<CheckpointManifest>> manifests,
            Instant now) {
        NavigableSet<Long> withManifest = new TreeSet<>();
        for (ObjectInfo object : objects) {
            if (layout.isManifest(object.key())) {
                layout.checkpointIdOf(object.key()).ifPresent(withManifest::add);
            }
        }
        List<Long> kept = withManifest.headSet(published, true).descendingSet().stream()
                .limit(retained)
                .toList();
        if (kept.isEmpty()) {
            return new Plan(kept, List.of(), List.of());
        }
        long oldestKept = kept.get(kept.size() - 1);
        Set<String> referenced = referencedBy(kept, manifests);
        Set<String> droppedReferences = referencedBy(withManifest.headSet(oldestKept, false), manifests);
        Instant orphanCutoff = now.minus(orphanMinAge);
        List<String> doomedManifests = new ArrayList<>();
        List<String> doomed = new ArrayList<>();
        for (ObjectInfo object : objects) {
            String key = object.key();
            OptionalLong checkpoint = layout.checkpointIdOf(key);
            boolean orphanAged =
                    object.lastModified() != null && object.lastModified().isBefore(orphanCutoff);
            if (checkpoint.isPresent()) {
                long id = checkpoint.getAsLong();
                boolean dropped = withManifest.contains(id) && id < oldestKept;
                if (!kept.contains(id) && (dropped || orphanAged)) {
                    (layout.isManifest(key) ? doomedManifests : doomed).add(key);
                }
            } else if (key.startsWith(layout.filesPrefix())
                    && !referenced.contains(key)
                    && (droppedReferences.contains(key) || orphanAged)) {
                doomed.add(key);
            }
        }
        return new Plan(kept, doomedManifests, doomed);
    }

    private static Set<String> referencedBy(
            Iterable<Long> checkpoints, LongFunction<Optional<CheckpointManifest>> manifests) {
        Set<String> keys = new HashSet<>();
        for (long id : checkpoints) {
            manifests.apply(id).ifPresent(manifest -> manifest.files().forEach(file -> keys.add(file.key())));
        }
        return keys;
    }
}
