package io.loginstate.savepoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loginstate.objectstore.DirectoryObjectStore;
import io.loginstate.objectstore.ObjectInfo;
import io.loginstate.state.api.StateSnapshot;
import io.loginstate.state.portable.PortableWriter;
import io.loginstate.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Savepoint requests, parts, manifests and ages over a directory store, with a manual clock. */
class SavepointCoordinatorTest {

    private static final String TOPIC = "logins";
    private static final int PARTITIONS = 3;

    @TempDir
    Path dir;

    private final ManualClock clock =
            new ManualClock(Instant.parse("2026-12-01T10:00:00Z").toEpochMilli());
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private DirectoryObjectStore store;

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    /** An instance's partitions: owner and committed position of each, set by the test. */
    private final class Instance implements OwnedPartitions {
        final String id;
        final Map<Integer, Owner> owners = new TreeMap<>();
        final Map<Integer, Long> positions = new ConcurrentHashMap<>();
        volatile boolean fenced;
        SavepointCoordinator coordinator;

        Instance(String id, int... partitions) {
            this.id = id;
            for (int partition : partitions) {
                owners.put(partition, new Owner(1, 1));
                positions.put(partition, 100L + partition);
            }
        }

        SavepointCoordinator coordinator() {
            if (store == null) {
                store = new DirectoryObjectStore(dir.resolve("store"));
            }
            if (coordinator == null) {
                coordinator = new SavepointCoordinator(
                        new SavepointCatalog(store),
                        Instance::export,
                        this,
                        new SavepointCoordinator.Settings(
                                TOPIC,
                                "murmur2",
                                "deployment-a",
                                id,
                                Map.of("ttl.duration", "P30D"),
                                Duration.ofDays(7),
                                Duration.ofSeconds(2),
                                Duration.ofMinutes(10),
                                Duration.ofSeconds(10),
                                dir.resolve("work-" + id)),
                        clock,
                        meters);
            }
            return coordinator;
        }

        static PartExporter.PartResult export(
                String topic,
                int partition,
                StateSnapshot snapshot,
                java.io.OutputStream out,
                Map<String, String> properties) {
            Map<String, String> header = new TreeMap<>(properties);
            header.put("state.recent", "list");
            PortableWriter writer = new PortableWriter(out, List.of("recent"), header);
            for (int i = 0; i < 3; i++) {
                writer.write(0, ("user-" + partition + "-" + i).getBytes(StandardCharsets.UTF_8), null, new byte[] {1});
            }
            return new PartExporter.PartResult(writer.finish().records(), header);
        }

        @Override
        public List<Integer> owned() {
            return List.copyOf(owners.keySet());
        }

        @Override
        public OptionalInt partitionCount() {
            return OptionalInt.of(PARTITIONS);
        }

        @Override
        public Owner owner(int partition) {
            return owners.get(partition);
        }

        @Override
        public void checkStillOwner(int partition) {
            if (fenced) {
                throw new IllegalStateException("Partition " + partition + ": fenced off by a newer owner");
            }
        }

        @Override
        public CompletableFuture<StateSnapshot> snapshot(int partition, Path directory) {
            return CompletableFuture.completedFuture(new StateSnapshot(directory, positions.get(partition), 5_000L));
        }
    }

    private List<String> keys() {
        return store.list("").stream().map(ObjectInfo::key).toList();
    }

    @Test
    void everyOwnerWritesItsPartsAndTheOneWritingTheLastWritesTheManifest() {
        Instance a = new Instance("a", 0, 2);
        Instance b = new Instance("b", 1);
        String id = a.coordinator().request();

        a.coordinator().poll();
        SavepointStatus open = a.coordinator().status(id);
        assertThat(open.state()).isEqualTo(SavepointStatus.OPEN);
        assertThat(open.parts())
                .extracting(SavepointStatus.PartitionProgress::status)
                .containsExactly("written", "pending", "written");
        assertThat(open.manifest()).isNull();

        b.coordinator().poll();
        SavepointStatus complete = b.coordinator().status(id);
        assertThat(complete.state()).isEqualTo(SavepointStatus.COMPLETE);
        SavepointManifest manifest = complete.manifest();
        assertThat(manifest.parts())
                .extracting(SavepointManifest.PartEntry::nextOffset)
                .containsExactly(100L, 101L, 102L);
        assertThat(manifest.parts())
                .extracting(SavepointManifest.PartEntry::writtenBy)
                .containsExactly("a", "b", "a");
        assertThat(manifest.parts())
                .extracting(SavepointManifest.PartEntry::records)
                .containsOnly(3L);
        assertThat(manifest.states()).containsEntry("state.recent", "list");
        assertThat(manifest.stateConfig()).containsEntry("ttl.duration", "P30D");
        assertThat(manifest.deployment()).isEqualTo("deployment-a");
        for (SavepointManifest.PartEntry part : manifest.parts()) {
            assertThat(store.get(part.key()).orElseThrow()).hasSize((int) part.size());
        }
        assertThat(keys()).filteredOn(key -> key.endsWith(".part")).hasSize(PARTITIONS);
        assertThat(a.coordinator().list()).singleElement().satisfies(row -> {
            assertThat(row.id()).isEqualTo(id);
            assertThat(row.state()).isEqualTo(SavepointStatus.COMPLETE);
            assertThat(row.written()).isEqualTo(PARTITIONS);
        });
        assertThat(dir.resolve("work-a").resolve(id)).isEmptyDirectory();

        List<String> before = keys();
        a.coordinator().poll();
        b.coordinator().poll();
        assertThat(keys()).as("a complete savepoint is not written again").isEqualTo(before);
    }

    @Test
    void aNewOwnersPartReplacesTheOldOnesWhileOpenAndAnOlderOwnerNeverReplacesANewerOnes() {
        Instance old = new Instance("old", 0, 1, 2);
        String id = old.coordinator().request();
        old.owners.remove(2);
        old.coordinator().poll(); // 0 and 1 written by the old owner at epoch 1
        Instance replacement = new Instance("new", 0);
        replacement.owners.put(0, new OwnedPartitions.Owner(2, 5));
        replacement.positions.put(0, 250L);

        replacement.coordinator().poll();
        assertThat(old.coordinator().status(id).parts().get(0).writtenBy()).isEqualTo("new");
        assertThat(old.coordinator().status(id).parts().get(0).nextOffset()).isEqualTo(250L);

        old.owners.put(2, new OwnedPartitions.Owner(1, 1));
        old.coordinator().poll(); // writes 2, and does not write 0 again: its owner is older
        SavepointManifest manifest = old.coordinator().status(id).manifest();
        assertThat(manifest).isNotNull();
        assertThat(manifest.part(0).writtenBy()).isEqualTo("new");
        assertThat(manifest.part(0).ownerEpoch()).isEqualTo(2);
        assertThat(keys())
                .as("the replaced part goes once the manifest names another")
                .filteredOn(key -> key.endsWith(".part"))
                .containsExactlyInAnyOrderElementsOf(manifest.parts().stream()
                        .map(SavepointManifest.PartEntry::key)
                        .toList());
    }

    @Test
    void aFencedOwnerWritesNoSummaryAndTheFailureShowsUntilTheNextOwnerWritesIt() {
        Instance fenced = new Instance("fenced", 0, 1, 2);
        String id = fenced.coordinator().request();
        fenced.fenced = true;

        fenced.coordinator().poll();
        SavepointStatus status = fenced.coordinator().status(id);
        assertThat(status.written()).isZero();
        assertThat(status.parts().get(1).status()).isEqualTo("failed");
        assertThat(status.parts().get(1).writtenBy()).isEqualTo("fenced");
        assertThat(status.parts().get(1).reason()).contains("fenced off by a newer owner");

        Instance next = new Instance("next", 0, 1, 2);
        next.owners.replaceAll((partition, owner) -> new OwnedPartitions.Owner(2, 1));
        next.coordinator().poll();
        SavepointManifest manifest = next.coordinator().status(id).manifest();
        assertThat(manifest.parts())
                .extracting(SavepointManifest.PartEntry::writtenBy)
                .containsOnly("next");
        assertThat(keys())
                .as("the fenced owner's uploads and the failure records are gone")
                .noneMatch(key -> key.endsWith(".failed.json"))
                .filteredOn(key -> key.endsWith(".part"))
                .hasSize(PARTITIONS);
    }

    @Test
    void aPinnedSavepointIsNeitherDeletedNorExpiredAndAnUnpinnedOneGoesPastItsMaxAge() {
        Instance a = new Instance("a", 0, 1, 2);
        String kept = a.coordinator().request();
        clock.advance(Duration.ofSeconds(1));
        String dropped = a.coordinator().request();
        a.coordinator().poll();
        a.coordinator().pin(kept, true);

        assertThatThrownBy(() -> a.coordinator().delete(kept))
                .isInstanceOf(SavepointPinnedException.class)
                .hasMessageContaining("unpin");
        assertThatThrownBy(() -> a.coordinator().status("missing")).isInstanceOf(SavepointNotFoundException.class);
        assertThatThrownBy(() -> a.coordinator().status("../x")).isInstanceOf(IllegalArgumentException.class);

        clock.advance(Duration.ofDays(7).minusSeconds(1));
        assertThat(a.coordinator().expire()).isZero();
        clock.advance(Duration.ofSeconds(2));
        Instance notPartitionZero = new Instance("b", 1, 2);
        assertThat(notPartitionZero.coordinator().expire())
                .as("only the owner of partition 0 expires savepoints")
                .isZero();
        assertThat(a.coordinator().expire()).isEqualTo(1);
        assertThat(meters.counter("login_state_savepoints_expired").count()).isEqualTo(1);
        assertThat(a.coordinator().list()).extracting(SavepointSummary::id).containsExactly(kept);
        assertThat(keys()).noneMatch(key -> key.contains(dropped));

        a.coordinator().pin(kept, false);
        a.coordinator().delete(kept);
        assertThat(keys()).isEmpty();
    }

    @Test
    void theInstancesStoppingOneAfterTheOtherFillOneShutdownSavepoint() {
        Instance a = new Instance("a", 0, 1);
        Instance b = new Instance("b", 2);
        String first = a.coordinator().writeOnShutdown(Duration.ofSeconds(10)).orElseThrow();
        assertThat(first).startsWith("shutdown-");
        assertThat(a.coordinator().status(first).state()).isEqualTo(SavepointStatus.OPEN);
        clock.advance(Duration.ofMinutes(2));
        assertThat(b.coordinator().writeOnShutdown(Duration.ofSeconds(10))).contains(first);
        assertThat(b.coordinator().status(first).state()).isEqualTo(SavepointStatus.COMPLETE);

        clock.advance(SavepointCoordinator.SHUTDOWN_WINDOW.plusMinutes(1));
        Instance c = new Instance("c", 0, 1, 2);
        assertThat(c.coordinator().writeOnShutdown(Duration.ofSeconds(10)))
                .as("a complete one is not joined")
                .isPresent()
                .get()
                .isNotEqualTo(first);
    }

    @Test
    void aRestoreRefusesAnIncompleteDamagedTooOldOrDifferentlyPartitionedSavepoint() throws Exception {
        Instance a = new Instance("a", 0, 1);
        String id = a.coordinator().request();
        a.coordinator().poll();
        SavepointCatalog catalog = new SavepointCatalog(store);
        SavepointSource source = new SavepointSource(catalog, id, Duration.ofDays(7), clock);
        assertThatThrownBy(() -> source.check(TOPIC, "murmur2", PARTITIONS))
                .isInstanceOf(SavepointRefusedException.class)
                .hasMessageContaining("is not complete");

        a.owners.put(2, new OwnedPartitions.Owner(1, 1));
        a.positions.put(2, 102L);
        a.coordinator().poll();
        SavepointManifest manifest = source.check(TOPIC, "murmur2", PARTITIONS);
        assertThat(source.download(manifest, 1, dir.resolve("p1")).nextOffset()).isEqualTo(101L);

        assertThatThrownBy(() -> source.check(TOPIC, "murmur2", PARTITIONS + 1))
                .isInstanceOf(SavepointRefusedException.class)
                .hasMessageContaining("has 3 partitions; logins has 4 now")
                .hasMessageContaining(SavepointSource.RESPLIT_PROCEDURE);
        assertThatThrownBy(() -> source.check(TOPIC, "crc32", PARTITIONS)).hasMessageContaining("partitioner murmur2");
        assertThatThrownBy(() -> source.check("other", "murmur2", PARTITIONS)).hasMessageContaining("of topic logins");

        String part = manifest.part(2).key();
        byte[] bytes = store.get(part).orElseThrow();
        bytes[bytes.length / 2] ^= 0x10;
        store.put(part, bytes);
        assertThatThrownBy(() -> source.download(manifest, 2, dir.resolve("p2")))
                .isInstanceOf(SavepointRefusedException.class)
                .hasMessageContaining(part)
                .hasMessageContaining("damaged");

        clock.advance(Duration.ofDays(8));
        assertThatThrownBy(() -> source.check(TOPIC, "murmur2", PARTITIONS))
                .hasMessageContaining("login-state.savepoint.max-age");
        a.coordinator().pin(id, true);
        assertThat(source.check(TOPIC, "murmur2", PARTITIONS).id()).isEqualTo(id);
    }

    @Test
    void aManifestWithAnyByteChangedIsRefused() {
        Instance a = new Instance("a", 0, 1, 2);
        String id = a.coordinator().request();
        a.coordinator().poll();
        String key = SavepointLayout.manifest(id);
        byte[] original = store.get(key).orElseThrow();
        assertThat(SavepointManifest.fromJson(original, key).id()).isEqualTo(id);
        int refused = 0;
        for (int i = 0; i < original.length; i++) {
            byte[] damaged = original.clone();
            damaged[i] ^= 0x01;
            try {
                SavepointManifest read = SavepointManifest.fromJson(damaged, key);
                assertThat(read).as("byte %d flipped", i).isEqualTo(SavepointManifest.fromJson(original, key));
            } catch (IllegalArgumentException e) {
                refused++;
            }
        }
        assertThat(refused).isGreaterThan(original.length * 9 / 10);
    }

    @Test
    void aDeploymentNamedSavepointsIsRefused() {
        assertThatThrownBy(() -> SavepointLayout.checkDeployment("savepoints"))
                .hasMessageContaining("login-state.checkpoint.deployment-id");
        SavepointLayout.checkDeployment("login-state");
    }

    @Test
    void requestsAreDurableJson() throws Exception {
        Instance a = new Instance("a", 0, 1, 2);
        String id = a.coordinator().request();
        String json = Files.readString(dir.resolve("store").resolve(SavepointLayout.request(id)));
        assertThat(json).contains("\"partitions\" : 3").contains("\"partitioner\" : \"murmur2\"");
        assertThat(json).contains("\"requestedBy\" : \"a\"").contains("\"pinned\" : false");
    }
}
