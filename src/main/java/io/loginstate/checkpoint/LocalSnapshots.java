package io.loginstate.checkpoint;

import io.loginstate.support.Directories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * The directory where a partition's local snapshots wait for their upload, one subdirectory per
 * checkpoint id. On the state's file system, so a RocksDB snapshot is hard links, not a copy.
 */
final class LocalSnapshots {

    private static final Logger LOG = Logger.getLogger(LocalSnapshots.class);

    private final TopicPartition partition;
    private final Path root;

    LocalSnapshots(TopicPartition partition, Path root) {
        this.partition = partition;
        this.root = root;
    }

    /** An empty place for checkpoint {@code id}'s snapshot (which must not exist yet). */
    Path prepare(long id) {
        Path directory = root.resolve(Long.toString(id));
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare " + directory, e);
        }
        Directories.deleteRecursively(directory);
        return directory;
    }

    /** Deletes a snapshot that was uploaded or given up; a failure is only logged. */
    void discard(Path directory) {
        try {
            Directories.deleteRecursively(directory);
        } catch (UncheckedIOException e) {
            LOG.warnf(
                    "Partition %s: cannot delete local checkpoint %s: %s",
                    partition, directory, e.getCause().getMessage());
        }
    }
}
