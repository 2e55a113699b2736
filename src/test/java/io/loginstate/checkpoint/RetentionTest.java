package io.loginstate.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.checkpoint.CheckpointManifest.FileEntry;
import io.loginstate.objectstore.ObjectInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Retention decides from a listing and the manifests alone: what it keeps, what it deletes, in which order. */
class RetentionTest {

    private static final CheckpointLayout LAYOUT = CheckpointLayout.of("test-deployment", "logins", 3);
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final Duration ORPHAN_AGE = Duration.ofMinutes(15);

    private final List<ObjectInfo> objects = new ArrayList<>();
    private final Map<Long, CheckpointManifest> manifests = new HashMap<>();

    /** A checkpoint with its manifest, its own small file, and references to shared SSTs. */
    private void checkpoint(long id, Instant written, String... ssts) {
        List<FileEntry> files = new ArrayList<>();
        for (String sst : ssts) {
            String key = LAYOUT.sharedFile(sst, 100, "crc");
            files.add(new FileEntry(sst, key, 100, "crc"));
            if (objects.stream().noneMatch(o -> o.key().equals(key))) {
                objects.add(object(key, written));
            }
        }
        files.add(new FileEntry("MANIFEST-1", LAYOUT.privateFile(id, "MANIFEST-1"), 10, "crc"));
        objects.add(object(LAYOUT.privateFile(id, "MANIFEST-1"), written));
        objects.add(object(LAYOUT.manifest(id), written));
        manifests.put(
                id,
                new CheckpointManifest("logins", 3, id, 1, id * 10, null, Map.of(), written, files, "test-deployment"));
    }

    private static ObjectInfo object(String key, Instant lastModified) {
        return new ObjectInfo(key, 100, lastModified);
    }

    /** Retention after publishing {@code published.get(0)}, with {@code LATEST} listing {@code published}. */
    private Retention.Plan plan(int retained, Long... published) {
        return new Retention(LAYOUT, retained, ORPHAN_AGE)
                .plan(objects, published[0], List.of(published), id -> Optional.ofNullable(manifests.get(id)), NOW);
    }

    @Test
    void keepsTheNewestAndEveryFileTheyReferenceDeletesTheRestManifestsFirst() {
        Instant recent = NOW.minusSeconds(30);
        checkpoint(1, recent, "1.sst", "2.sst");
        checkpoint(2, recent, "2.sst", "3.sst");
        checkpoint(3, recent, "3.sst", "4.sst");
        checkpoint(4, recent, "4.sst", "5.sst");

        Retention.Plan plan = plan(2, 4L, 3L, 2L, 1L);

        assertThat(plan.kept()).containsExactly(4L, 3L);
        assertThat(plan.manifests()).containsExactlyInAnyOrder(LAYOUT.manifest(1), LAYOUT.manifest(2));
        assertThat(plan.files())
                .containsExactlyInAnyOrder(
                        LAYOUT.privateFile(1, "MANIFEST-1"),
                        LAYOUT.privateFile(2, "MANIFEST-1"),
                        LAYOUT.sharedFile("1.sst", 100, "crc"),
                        LAYOUT.sharedFile("2.sst", 100, "crc"));
        assertThat(plan.files())
                .as("3.sst is still referenced by checkpoint 3")
                .doesNotContain(LAYOUT.sharedFile("3.sst", 100, "crc"));
    }

    @Test
    void orphansGoOnlyOnceOlderThanTheOrphanAge() {
        checkpoint(5, NOW.minusSeconds(30), "a.sst");
        String youngOrphan = LAYOUT.sharedFile("young.sst", 100, "crc");
        String oldOrphan = LAYOUT.sharedFile("old.sst", 100, "crc");
        String oldUnpublished = LAYOUT.privateFile(6, "MANIFEST-9");
        objects.add(object(youngOrphan, NOW.minus(ORPHAN_AGE).plusSeconds(1)));
        objects.add(object(oldOrphan, NOW.minus(ORPHAN_AGE).minusSeconds(1)));
        objects.add(object(oldUnpublished, NOW.minus(Duration.ofHours(1))));

        Retention.Plan plan = plan(3, 5L);

        assertThat(plan.kept()).containsExactly(5L);
        assertThat(plan.files()).containsExactlyInAnyOrder(oldOrphan, oldUnpublished);
        assertThat(plan.manifests()).isEmpty();
    }

    @Test
    void checkpointsNewerThanThePublishedOneAreNeitherKeptNorDeletedWhileYoung() {
        checkpoint(1, NOW.minusSeconds(30), "1.sst");
        checkpoint(2, NOW.minusSeconds(30), "2.sst");
        // Another upload, newer than the one being published, still in progress.
        checkpoint(3, NOW.minusSeconds(1), "3.sst");

        Retention.Plan plan = plan(1, 2L, 1L);

        assertThat(plan.kept()).containsExactly(2L);
        assertThat(plan.manifests()).containsExactly(LAYOUT.manifest(1));
        assertThat(plan.files())
                .doesNotContain(
                        LAYOUT.manifest(3),
                        LAYOUT.privateFile(3, "MANIFEST-1"),
                        LAYOUT.sharedFile("3.sst", 100, "crc"));
    }

    @Test
    void nothingPublishedMeansNothingDeleted() {
        objects.add(object(LAYOUT.sharedFile("x.sst", 100, "crc"), NOW.minus(Duration.ofDays(1))));
        Retention.Plan plan = plan(3, 7L);
        assertThat(plan.isEmpty()).isTrue();
        assertThat(plan.kept()).isEmpty();
    }

    @Test
    void aManifestLatestDoesNotListIsNeitherKeptNorCountedAndGoesAtOnce() {
        Instant recent = NOW.minusSeconds(30);
        checkpoint(1, recent, "1.sst");
        checkpoint(2, recent, "2.sst");
        // Written by a process fenced off before it could publish: its id lies between published ones.
        checkpoint(3, recent, "2.sst", "zombie.sst");
        checkpoint(4, recent, "4.sst");

        Retention.Plan plan = plan(3, 4L, 2L, 1L);

        assertThat(plan.kept()).as("the published ones only").containsExactly(4L, 2L, 1L);
        assertThat(plan.manifests()).containsExactly(LAYOUT.manifest(3));
        assertThat(plan.files())
                .containsExactlyInAnyOrder(
                        LAYOUT.privateFile(3, "MANIFEST-1"), LAYOUT.sharedFile("zombie.sst", 100, "crc"))
                .as("a file a published checkpoint shares stays")
                .doesNotContain(LAYOUT.sharedFile("2.sst", 100, "crc"));
    }
}
