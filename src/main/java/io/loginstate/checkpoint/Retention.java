package io.loginstate.checkpoint;

import io.loginstate.objectstore.ObjectInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * Which objects of a partition's checkpoints may go once a checkpoint is published: the newest
 * {@code retained} of the checkpoints {@code LATEST} lists as published are kept, with every file
 * they reference. Any other checkpoint below the one just published goes at once: an older
 * published one, or a manifest that was never published (a fenced process that wrote it after its
 * replacement claimed, or a crash between manifest and publication); it can never be published
 * later, since every later publication names a higher id. Objects no manifest references (left by
 * a crashed or fenced upload) go only once older than the orphan age, so an upload still running
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
     * @param latest    the checkpoint just published
     * @param published the checkpoints {@code LATEST} lists as published, newest first, {@code latest} included
     * @param manifests reads a checkpoint's manifest; empty if missing or unreadable
     */
    Plan plan(
            List<ObjectInfo> objects,
            long latest,
            List<Long> published,
            LongFunction<Optional<CheckpointManifest>> manifests,
            Instant now) {
        Set<Long> withManifest = new HashSet<>();
        for (ObjectInfo object : objects) {
            if (layout.isManifest(object.key())) {
                layout.checkpointIdOf(object.key()).ifPresent(withManifest::add);
            }
        }
        List<Long> kept = published.stream()
                .filter(id -> id <= latest && withManifest.contains(id))
                .limit(retained)
                .toList();
        if (!kept.contains(latest)) {
            return new Plan(List.of(), List.of(), List.of());
        }
        Set<Long> doomedIds = new HashSet<>();
        for (long id : withManifest) {
            if (id < latest && !kept.contains(id)) {
                doomedIds.add(id);
            }
        }
        Set<String> referenced = referencedBy(kept, manifests);
        Set<String> droppedReferences = referencedBy(doomedIds, manifests);
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
                if (!kept.contains(id) && (doomedIds.contains(id) || orphanAged)) {
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
