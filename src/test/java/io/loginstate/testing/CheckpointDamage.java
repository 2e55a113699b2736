package io.loginstate.testing;

import io.loginstate.checkpoint.CheckpointLayout;
import io.loginstate.checkpoint.CheckpointManifest;
import io.loginstate.checkpoint.OwnershipFence;
import io.loginstate.objectstore.ObjectStore;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Damage to checkpoints while the service is down, as a disk or an object store can do it: a byte
 * of an object flipped, an object truncated or deleted (through the S3 server's own files, which
 * its filesystem backend keeps as plain files), bytes in the middle of a local table file flipped.
 * And what a restore can still use afterwards, judged from outside the service: for each partition,
 * the newest published checkpoint whose manifest reads and whose every file has its recorded size
 * and CRC-32C.
 */
public final class CheckpointDamage {

    /** What was damaged, and how. */
    public enum Kind {
        TABLE_FILE_FLIPPED("table file flipped"),
        TABLE_FILE_TRUNCATED("table file truncated"),
        TABLE_FILE_DELETED("table file deleted"),
        MANIFEST_FLIPPED("manifest flipped"),
        MANIFEST_TRUNCATED("manifest truncated"),
        MANIFEST_DELETED("manifest deleted"),
        LOCAL_SST_FLIPPED("local SST flipped");

        public final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** One damage done: where, to which checkpoint (-1 for a local file) and which object or file. */
    public record Done(Kind kind, int partition, long checkpointId, String what) {}

    /**
     * @param latestId   the checkpoint {@code LATEST} names
     * @param usableId   the newest published one a restore can use, -1 if none
     * @param offset     that one's next offset, -1 if none
     */
    public record Restorable(long latestId, long usableId, long offset) {
        public boolean latestUsable() {
            return usableId == latestId;
        }
    }

    private final ObjectStore store;
    private final Path objects;
    private final String deploymentId;
    private final String topic;
    private final int partitions;

    /**
     * @param objects the directory holding the store's objects under their keys (the S3 server's
     *                bucket directory with the checkpoints' prefix)
     */
    public CheckpointDamage(ObjectStore store, Path objects, String deploymentId, String topic, int partitions) {
        this.store = store;
        this.objects = objects;
        this.deploymentId = deploymentId;
        this.topic = topic;
        this.partitions = partitions;
    }

    private CheckpointLayout layout(int partition) {
        return CheckpointLayout.of(deploymentId, topic, partition);
    }

    private String manifestKey(int partition, long id) {
        return layout(partition).partitionPrefix() + "/checkpoints/" + String.format("%019d", id) + "/manifest.json";
    }

    /** The published checkpoints of the partition, newest first, as a restore tries them; empty if none. */
    public List<Long> published(int partition) {
        Optional<OwnershipFence.Latest> latest =
                new OwnershipFence(store, layout(partition).partitionPrefix()).read();
        List<Long> ids = new ArrayList<>();
        if (latest.isEmpty() || latest.get().checkpoint() < 0) {
            return ids;
        }
        long latestId = latest.get().checkpoint();
        ids.add(latestId);
        if (latest.get().previous() != null) {
            latest.get().previous().stream().filter(id -> id < latestId).forEach(ids::add);
        }
        return ids;
    }

    /** For each partition with a published checkpoint, what a restore on an empty disk can use. */
    public Map<Integer, Restorable> restorable() {
        Map<Integer, Restorable> result = new TreeMap<>();
        for (int p = 0; p < partitions; p++) {
            List<Long> ids = published(p);
            if (ids.isEmpty()) {
                continue;
            }
            Restorable found = new Restorable(ids.get(0), -1, -1);
            for (long id : ids) {
                Optional<CheckpointManifest> manifest = manifest(p, id);
                if (manifest.isPresent() && intact(manifest.get())) {
                    found = new Restorable(ids.get(0), id, manifest.get().offset());
                    break;
                }
            }
            result.put(p, found);
        }
        return result;
    }

    private Optional<CheckpointManifest> manifest(int partition, long id) {
        Optional<byte[]> bytes = store.get(manifestKey(partition, id));
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(CheckpointManifest.fromJson(bytes.get()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private boolean intact(CheckpointManifest manifest) {
        for (CheckpointManifest.FileEntry file : manifest.files()) {
            Optional<byte[]> bytes = store.get(file.key());
            if (bytes.isEmpty() || bytes.get().length != file.size()) {
                return false;
            }
            CRC32C crc = new CRC32C();
            crc.update(bytes.get());
            if (!String.format("%08x", crc.getValue()).equals(file.crc32c())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Damages one object of a published checkpoint of a random partition: its manifest, or one of
     * its table files, flipped, truncated or deleted; empty if no partition has a readable one.
     */
    public Optional<Done> damageStore(Random random) {
        List<long[]> choices = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            for (long id : published(p)) {
                if (manifest(p, id).isPresent()) {
                    choices.add(new long[] {p, id});
                }
            }
        }
        if (choices.isEmpty()) {
            return Optional.empty();
        }
        long[] pick = choices.get(random.nextInt(choices.size()));
        int partition = (int) pick[0];
        long id = pick[1];
        CheckpointManifest manifest = manifest(partition, id).orElseThrow();
        List<CheckpointManifest.FileEntry> tables = manifest.files().stream()
                .filter(f -> f.name().endsWith(".sst") && f.size() > 0)
                .toList();
        int how = random.nextInt(3);
        if (tables.isEmpty() || random.nextInt(3) == 0) {
            Kind kind = List.of(Kind.MANIFEST_FLIPPED, Kind.MANIFEST_TRUNCATED, Kind.MANIFEST_DELETED)
                    .get(how);
            damageObject(manifestKey(partition, id), how, random);
            return Optional.of(new Done(kind, partition, id, manifestKey(partition, id)));
        }
        CheckpointManifest.FileEntry table = tables.get(random.nextInt(tables.size()));
        Kind kind = List.of(Kind.TABLE_FILE_FLIPPED, Kind.TABLE_FILE_TRUNCATED, Kind.TABLE_FILE_DELETED)
                .get(how);
        damageObject(table.key(), how, random);
        return Optional.of(new Done(kind, partition, id, table.key()));
    }

    /** Damages every published manifest of the partition, each flipped, truncated or deleted. */
    public List<Done> damageEveryManifest(int partition, Random random) {
        List<Done> done = new ArrayList<>();
        for (long id : published(partition)) {
            int how = random.nextInt(3);
            String key = manifestKey(partition, id);
            if (!store.exists(key)) {
                continue;
            }
            damageObject(key, how, random);
            done.add(new Done(
                    List.of(Kind.MANIFEST_FLIPPED, Kind.MANIFEST_TRUNCATED, Kind.MANIFEST_DELETED)
                            .get(how),
                    partition,
                    id,
                    key));
        }
        return done;
    }

    /** 0: one random byte flipped; 1: cut to a random shorter length; 2: deleted. */
    private void damageObject(String key, int how, Random random) {
        if (how == 2) {
            store.delete(key);
            return;
        }
        Path file = objects.resolve(key);
        try {
            long size = Files.size(file);
            if (size == 0) {
                throw new IllegalStateException(file + " is empty: nothing to damage");
            }
            if (how == 0) {
                flip(file, (long) (random.nextDouble() * size), 1);
            } else {
                try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                    raf.setLength((long) (random.nextDouble() * size));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Flips 16 bytes in the middle of the largest table file of the partition's local state in
     * {@code stateDir}; empty if it has none.
     */
    public Optional<Done> damageLocalTable(Path stateDir, int partition) {
        Path directory = stateDir.resolve(topic + "-" + partition);
        if (!Files.isDirectory(directory)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(directory)) {
            Optional<Path> largest = files.filter(
                            f -> f.getFileName().toString().endsWith(".sst"))
                    .max(Comparator.comparingLong(CheckpointDamage::size));
            if (largest.isEmpty() || size(largest.get()) < 64) {
                return Optional.empty();
            }
            long size = size(largest.get());
            flip(largest.get(), size / 2 - 8, 16);
            return Optional.of(new Done(
                    Kind.LOCAL_SST_FLIPPED, partition, -1, largest.get().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void flip(Path file, long at, int length) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] bytes = new byte[length];
            raf.seek(at);
            raf.readFully(bytes);
            for (int i = 0; i < length; i++) {
                bytes[i] ^= (byte) 0xFF;
            }
            raf.seek(at);
            raf.write(bytes);
        }
    }
}
