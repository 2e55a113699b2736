package io.loginstate.app;

import io.loginstate.savepoint.SavepointManifest;
import io.loginstate.savepoint.SavepointSource;
import io.loginstate.support.Directories;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * {@code login-state.restore.savepoint=<id>}: a partition opened with no local state and no
 * checkpoint under this deployment imports its part of the savepoint and starts at the part's
 * offset. The savepoint is checked first (complete, same topic, partitioner and partition count,
 * not too old); a damaged part fails the open naming the object, and the open is retried.
 */
final class SavepointRestore {

    private static final Logger LOG = Logger.getLogger(SavepointRestore.class);

    private final SavepointSource source;
    private final String partitioner;
    private final Supplier<OptionalInt> partitionCount;
    private final TableDumpParts parts;

    SavepointRestore(
            SavepointSource source, String partitioner, Supplier<OptionalInt> partitionCount, TableDumpParts parts) {
        this.source = source;
        this.partitioner = partitioner;
        this.partitionCount = partitionCount;
        this.parts = parts;
    }

    /** Fills the empty state directory {@code target} from the partition's part; returns its next offset. */
    long restore(TopicPartition partition, Path target) {
        int count = partitionCount
                .get()
                .orElseThrow(() -> new IllegalStateException("Partition " + partition + ": the partition count of "
                        + partition.topic() + " is not known; cannot check savepoint " + source.id() + " against it"));
        SavepointManifest manifest = source.check(partition.topic(), partitioner, count);
        long started = System.nanoTime();
        Path download = target.resolveSibling(target.getFileName() + ".savepoint-part");
        try {
            SavepointManifest.PartEntry part = source.download(manifest, partition.partition(), download);
            long records = parts.importInto(download, part.key(), target, part.nextOffset());
            LOG.infof(
                    "Partition %s: restored from savepoint %s (%d records, %d bytes) in %d ms; starting at offset %d",
                    partition,
                    source.id(),
                    records,
                    part.size(),
                    (System.nanoTime() - started) / 1_000_000,
                    part.nextOffset());
            return part.nextOffset();
        } finally {
            Directories.deleteRecursively(download);
        }
    }
}
