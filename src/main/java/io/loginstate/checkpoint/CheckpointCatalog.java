package io.loginstate.checkpoint;

import io.loginstate.checkpoint.CheckpointManifest.FileEntry;
import io.loginstate.objectstore.ObjectInfo;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.support.Crc32c;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The checkpoints at rest in an object store, read as the service reads them (the same layout,
 * {@code LATEST} record and manifest parser), for tools that look at a store while no instance
 * needs to run. Never writes to the store.
 */
public final class CheckpointCatalog {

    private final ObjectStore store;

    public CheckpointCatalog(ObjectStore store) {
        this.store = store;
    }

    /**
     * One partition that has checkpoint objects.
     *
     * @param deploymentId null for the layout before deployment ids ({@code <topic>/<partition>/})
     */
    public record StoredPartition(String deploymentId, String topic, int partition, CheckpointLayout layout) {

        /** {@code <deployment>/<topic>/<partition>}: where its objects are. */
        public String prefix() {
            return layout.partitionPrefix();
        }
    }

    /**
     * What is stored for one partition: its objects (listed once), the {@code LATEST} record and
     * the checkpoints that have a manifest object.
     */
    public final class Contents {
        private final StoredPartition partition;
        private final Map<String, ObjectInfo> objects;
        /** Problems of objects checked so far, by key: checkpoints share table files, whose keys name their content. */
        private final Map<String, Optional<String>> checked = new HashMap<>();

        private Contents(StoredPartition partition, List<ObjectInfo> objects) {
            this.partition = partition;
            this.objects = objects.stream().collect(Collectors.toMap(ObjectInfo::key, Function.identity()));
        }

        public StoredPartition partition() {
            return partition;
        }

        /** The key of the partition's {@code LATEST} record. */
        public String latestKey() {
            return fence().key();
        }

        /**
         * The stored {@code LATEST}; empty if there is none.
         *
         * @throws UnreadableLatestException if it is not a pointer record, or is missing while
         *     manifests of the partition are stored
         */
        public Optional<OwnershipFence.Latest> latest() {
            Optional<OwnershipFence.Latest> latest = fence().read();
            if (latest.isEmpty() && !checkpointIds().isEmpty()) {
                throw UnreadableLatestException.missing(
                        store.name(), latestKey(), checkpointIds().size());
            }
            return latest;
        }

        private OwnershipFence fence() {
            return new OwnershipFence(store, partition.prefix());
        }

        /** The checkpoints that have a manifest object, oldest first. */
        public List<Long> checkpointIds() {
            TreeSet<Long> ids = new TreeSet<>();
            for (String key : objects.keySet()) {
                if (partition.layout().isManifest(key)) {
                    partition.layout().checkpointIdOf(key).ifPresent(ids::add);
                }
            }
            return List.copyOf(ids);
        }

        public String manifestKey(long checkpointId) {
            return partition.layout().manifest(checkpointId);
        }

        /**
         * The manifest of a checkpoint, parsed and its checksum checked; empty if there is none.
         *
         * @throws UnreadableManifestException if it is there but cannot be read
         */
        public Optional<CheckpointManifest> manifest(long checkpointId) {
            String key = manifestKey(checkpointId);
            Optional<byte[]> bytes = store.get(key);
            try {
                return bytes.map(CheckpointManifest::fromJson);
            } catch (IllegalArgumentException e) {
                throw new UnreadableManifestException(key, e.getMessage(), e);
            }
        }

        /**
         * What is wrong with a checkpoint's objects: the manifest naming another deployment or
         * partition, a listed object missing or of another size, and unless {@code sizesOnly} one
         * whose CRC-32C differs (each object is downloaded into {@code scratch} for that, once for
         * all the checkpoints of these contents that list it). Each problem names the object key;
         * empty if the checkpoint is intact.
         */
        public List<String> problems(CheckpointManifest manifest, boolean sizesOnly, Path scratch) {
            List<String> problems = new ArrayList<>();
            String key = manifestKey(manifest.checkpointId());
            if (!partition.topic().equals(manifest.topic()) || partition.partition() != manifest.partition()) {
                problems.add(key + " is a checkpoint of " + manifest.topic() + "-" + manifest.partition());
            }
            if (partition.deploymentId() != null
                    && manifest.deploymentId() != null
                    && !partition.deploymentId().equals(manifest.deploymentId())) {
                problems.add(key + " was made by deployment '" + manifest.deploymentId() + "'");
            }
            for (FileEntry file : manifest.files()) {
                String entry = file.key() + "\n" + file.size() + "\n" + file.crc32c() + "\n" + sizesOnly;
                checked.computeIfAbsent(entry, e -> Optional.ofNullable(problem(file, sizesOnly, scratch)))
                        .ifPresent(problems::add);
            }
            return problems;
        }

        private String problem(FileEntry file, boolean sizesOnly, Path scratch) {
            OptionalLong size = size(file.key());
            if (size.isEmpty()) {
                return file.key() + " is missing";
            }
            if (size.getAsLong() != file.size()) {
                return file.key() + " has " + size.getAsLong() + " bytes, the manifest says " + file.size();
            }
            if (sizesOnly) {
                return null;
            }
            Path local = scratch.resolve("object");
            try {
                store.download(file.key(), local);
                return Crc32c.mismatch(file.key(), file.size(), file.crc32c(), local);
            } finally {
                try {
                    Files.deleteIfExists(local);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        /** The size of an object; manifests name keys under the partition's prefix, else it is asked for. */
        private OptionalLong size(String key) {
            ObjectInfo info = objects.get(key);
            if (info == null && !key.startsWith(partition.prefix() + "/")) {
                info = store.list(key).stream()
                        .filter(object -> object.key().equals(key))
                        .findFirst()
                        .orElse(null);
            }
            return info == null ? OptionalLong.empty() : OptionalLong.of(info.size());
        }
    }

    /**
     * Every partition of {@code topic} with checkpoint objects, by deployment then partition; the
     * layout before deployment ids last. With {@code deploymentId}, only that deployment's.
     */
    public List<StoredPartition> partitions(String topic, Optional<String> deploymentId) {
        String prefix = deploymentId.map(d -> d + "/" + topic + "/").orElse("");
        Map<String, StoredPartition> found = new HashMap<>();
        for (ObjectInfo object : store.list(prefix)) {
            partitionOf(object.key(), topic)
                    .filter(p -> deploymentId.isEmpty() || deploymentId.get().equals(p.deploymentId()))
                    .ifPresent(p -> found.putIfAbsent(p.prefix(), p));
        }
        return found.values().stream()
                .sorted(Comparator.comparing((StoredPartition p) -> p.deploymentId() == null)
                        .thenComparing(p -> p.deploymentId() == null ? "" : p.deploymentId())
                        .thenComparingInt(StoredPartition::partition))
                .toList();
    }

    /** The objects of one partition, listed now. */
    public Contents contents(StoredPartition partition) {
        return new Contents(partition, store.list(partition.prefix() + "/"));
    }

    /** The partition at {@code <deployment>/<topic>/<partition>} (or the layout before deployments, if null). */
    public static StoredPartition partition(String deploymentId, String topic, int partition) {
        return new StoredPartition(
                deploymentId,
                topic,
                partition,
                deploymentId == null
                        ? CheckpointLayout.legacy(topic, partition)
                        : CheckpointLayout.of(deploymentId, topic, partition));
    }

    /**
     * The partition a key of the checkpoint layout belongs to: {@code <deployment>/<topic>/<p>/x}
     * or, before deployments, {@code <topic>/<p>/x}, where x is {@code LATEST}, {@code files} or
     * {@code checkpoints}.
     */
    private static Optional<StoredPartition> partitionOf(String key, String topic) {
        String[] segments = key.split("/");
        if (segments.length >= 4 && segments[1].equals(topic) && isLayoutEntry(segments[3])) {
            OptionalLong partition = number(segments[2]);
            if (partition.isPresent()) {
                return Optional.of(partition(segments[0], topic, (int) partition.getAsLong()));
            }
        }
        if (segments.length >= 3 && segments[0].equals(topic) && isLayoutEntry(segments[2])) {
            OptionalLong partition = number(segments[1]);
            if (partition.isPresent()) {
                return Optional.of(partition(null, topic, (int) partition.getAsLong()));
            }
        }
        return Optional.empty();
    }

    private static boolean isLayoutEntry(String segment) {
        return segment.equals("LATEST") || segment.equals("files") || segment.equals("checkpoints");
    }

    private static OptionalLong number(String segment) {
        if (segment.isEmpty() || segment.length() > 9 || !segment.chars().allMatch(Character::isDigit)) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Long.parseLong(segment));
    }

    /** A checkpoint id as logs show it: {@code <claim>-<sequence>}. */
    public static String idText(long checkpointId) {
        return CheckpointIds.text(checkpointId);
    }

    /**
     * A checkpoint id from its text ({@code <claim>-<sequence>}) or its number.
     *
     * @throws IllegalArgumentException if it is neither
     */
    public static long parseId(String text) {
        return CheckpointIds.parse(text);
    }
}
