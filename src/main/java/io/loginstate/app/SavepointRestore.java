package io.loginstate.app;

import io.loginstate.savepoint.SavepointManifest;
import io.loginstate.savepoint.SavepointSource;
import io.loginstate.state.StateImport;
import io.loginstate.state.store.ByteStore;
import io.loginstate.support.Directories;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * {@code login-state.restore.savepoint=<id>}: a partition opened with no local state and no
 * checkpoint under this deployment imports its part of the savepoint and starts at the part's
 * offset. The savepoint is checked first (complete, same topic, partitioner and partition count,
 * not too old); a damaged part fails the open naming the object, and the open is retried. The
 * import goes through {@link StateImport}, so either backend restores a part either one wrote, and
 * entries expired by now are left out.
 */
final class SavepointRestore {

    private static final Logger LOG = Logger.getLogger(SavepointRestore.class);

    private final SavepointSource source;
    private final String partitioner;
    private final Supplier<OptionalInt> partitionCount;
    private final StateImport importer;
    private final Path workDir;

    /**
     * @param partitionCount the topic's partition count where the open does not say it
     * @param workDir where parts are downloaded to before they are imported
     */
    SavepointRestore(
            SavepointSource source,
            String partitioner,
            Supplier<OptionalInt> partitionCount,
            StateImport importer,
            Path workDir) {
        this.source = source;
        this.partitioner = partitioner;
        this.partitionCount = partitionCount;
        this.importer = importer;
        this.workDir = workDir;
    }

    /**
     * Fills the empty store {@code target} from the partition's part and commits it at the part's
     * next offset, which it returns; {@code count} is the topic's partition count (0: ask the cluster).
     */
    long restore(TopicPartition partition, int count, ByteStore target) {
        int partitions = count > 0
                ? count
                : partitionCount
                        .get()
                        .orElseThrow(() -> new IllegalStateException("Partition " + partition
                                + ": the partition count of " + partition.topic() + " is not known; cannot check"
                                + " savepoint " + source.id() + " against it"));
        SavepointManifest manifest = source.check(partition.topic(), partitioner, partitions);
        long started = System.nanoTime();
        Path download = workDir.resolve(partition.topic() + "-" + partition.partition() + ".savepoint-part");
        try {
            Files.createDirectories(workDir);
            SavepointManifest.PartEntry part = source.download(manifest, partition.partition(), download);
            StateImport.Summary imported;
            try (InputStream in = new BufferedInputStream(Files.newInputStream(download), 1 << 16)) {
                imported = importer.importPart(in, part.key(), target);
            }
            if (imported.nextOffset() != part.nextOffset()) {
                throw new IllegalStateException(part.key() + " says next offset " + imported.nextOffset()
                        + ", the manifest of savepoint " + source.id() + " says " + part.nextOffset());
            }
            LOG.infof(
                    "Partition %s: restored from savepoint %s (%d bytes, %d entries expired since left out, %d"
                            + " upgraded) in %d ms; starting at offset %d",
                    partition,
                    source.id(),
                    part.size(),
                    imported.expiredDropped(),
                    imported.upgraded(),
                    (System.nanoTime() - started) / 1_000_000,
                    part.nextOffset());
            return part.nextOffset();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot restore " + partition + " from savepoint " + source.id(), e);
        } finally {
            Directories.deleteRecursively(download);
        }
    }
}
