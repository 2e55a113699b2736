package io.loginstate.app;

import io.loginstate.support.Directories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a partition's files live under the state directory: its state ({@code <topic>-<n>}), a
 * restore's staging and discarded copies beside it ({@code .restoring}, {@code .discarded}), its
 * failure history ({@code .failures}), its local snapshots waiting for upload
 * ({@code checkpoints/<topic>-<n>}) and, once the partition left for good, those files moved aside
 * for deletion ({@code discarding/<topic>-<n>.<id>}).
 */
record PartitionFiles(Path stateDir) {

    /** The directory under the state directory that holds local snapshots waiting for upload. */
    static final String LOCAL_SNAPSHOTS = "checkpoints";
    /** The directory under the state directory that holds files of partitions waiting for deletion. */
    static final String MOVED_ASIDE = "discarding";

    private static final Pattern NAME = Pattern.compile("(.+)-(\\d{1,9})(\\.restoring|\\.discarded|\\.failures)?");
    private static final String[] SUFFIXES = {"", ".restoring", ".discarded", ".failures"};

    Path state(TopicPartition partition) {
        return stateDir.resolve(name(partition));
    }

    Path failures(TopicPartition partition) {
        return stateDir.resolve(name(partition) + ".failures");
    }

    /** Every partition with a file here. */
    Set<TopicPartition> kept() {
        Set<TopicPartition> kept = new HashSet<>();
        collect(stateDir, kept);
        collect(stateDir.resolve(LOCAL_SNAPSHOTS), kept);
        return kept;
    }

    /**
     * Moves every file of the partition here into a new directory under {@value #MOVED_ASIDE}, by
     * renames within the state directory; {@link #deleteMovedAside} deletes them.
     */
    void moveAside(TopicPartition partition) {
        Path aside = stateDir.resolve(MOVED_ASIDE).resolve(name(partition) + "." + System.nanoTime());
        try {
            Files.createDirectories(aside);
            for (String suffix : SUFFIXES) {
                moveIfPresent(stateDir.resolve(name(partition) + suffix), aside.resolve("state" + suffix));
            }
            moveIfPresent(stateDir.resolve(LOCAL_SNAPSHOTS).resolve(name(partition)), aside.resolve(LOCAL_SNAPSHOTS));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot move the files of " + partition + " aside", e);
        }
    }

    /** Deletes everything {@link #moveAside} moved, from this process or an earlier one. */
    void deleteMovedAside() {
        Directories.deleteRecursively(stateDir.resolve(MOVED_ASIDE));
    }

    private static void moveIfPresent(Path from, Path to) throws IOException {
        if (Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static String name(TopicPartition partition) {
        return partition.topic() + "-" + partition.partition();
    }

    private static void collect(Path directory, Set<TopicPartition> into) {
        if (!Files.isDirectory(directory)) {
            return;
        }
        try (Stream<Path> entries = Files.list(directory)) {
            entries.forEach(entry -> {
                Matcher name = NAME.matcher(entry.getFileName().toString());
                if (name.matches()) {
                    into.add(new TopicPartition(name.group(1), Integer.parseInt(name.group(2))));
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + directory, e);
        }
    }
}
