package io.loginstate.app;

import io.loginstate.checkpoint.CheckpointRestorer;
import io.loginstate.checkpoint.CheckpointService;
import io.loginstate.checkpoint.Checkpointer;
import io.loginstate.checkpoint.OwnershipFence;
import io.loginstate.processing.FailureHistory;
import io.loginstate.processing.PartitionOpener;
import io.loginstate.processing.PartitionStateHandlerFactory;
import io.loginstate.state.KeyedStateBackendBuilder;
import io.loginstate.state.LayeredKeyedStateBackend;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.rocksdb.RocksDBSharedResources;
import io.loginstate.state.rocksdb.RocksDBStore;
import io.loginstate.state.store.CorruptStateException;
import io.loginstate.state.store.IncompatibleStateException;
import io.loginstate.support.Directories;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Opens an assigned partition: claims it in the object store for the owner epoch, restores its
 * local state directory from the latest checkpoint unless the local state is as new, opens the
 * state stack over RocksDB, and makes the partition's checkpointer and application handler.
 * {@code checkpoints} is null when checkpoints are off. With {@code verifyOnOpen}, a kept local
 * state has every block of its table files checked before it is trusted (about 0.2 s per 350 MB
 * from the page cache), so a damaged file drops it for the checkpoint instead of failing a read
 * later, or never. {@code savepoint} (null if none is configured) fills a partition that has neither
 * local state nor a checkpoint under this deployment.
 */
record PartitionAssembly(
        Path stateDir,
        KeyedStateBackendBuilder states,
        RocksDBSharedResources rocksResources,
        PartitionStateHandlerFactory application,
        CheckpointService checkpoints,
        boolean verifyOnOpen,
        SavepointRestore savepoint)
        implements PartitionOpener {

    private static final Logger LOG = Logger.getLogger(PartitionAssembly.class);

    /** Without a savepoint to restore. */
    PartitionAssembly(
            Path stateDir,
            KeyedStateBackendBuilder states,
            RocksDBSharedResources rocksResources,
            PartitionStateHandlerFactory application,
            CheckpointService checkpoints,
            boolean verifyOnOpen) {
        this(stateDir, states, rocksResources, application, checkpoints, verifyOnOpen, null);
    }

    /** Verifying the table files of a kept local state when it is opened. */
    PartitionAssembly(
            Path stateDir,
            KeyedStateBackendBuilder states,
            RocksDBSharedResources rocksResources,
            PartitionStateHandlerFactory application,
            CheckpointService checkpoints) {
        this(stateDir, states, rocksResources, application, checkpoints, true, null);
    }

    @Override
    public Opened open(TopicPartition partition, long epoch) {
        if (checkpoints == null) {
            LayeredKeyedStateBackend state = openState(partition);
            if (savepoint != null && state.position().isEmpty()) {
                state.close();
                state = fromSavepoint(partition);
            }
            return new Opened(state, application.create(partition, state), null, failures(partition));
        }
        OwnershipFence.Claim claim = checkpoints.claim(partition, epoch);
        LayeredKeyedStateBackend[] state = {openLocalOrEmpty(partition)};
        long local = state[0].position().orElse(-1);
        CheckpointRestorer.Outcome outcome;
        try {
            outcome = checkpoints.restore(partition, claim, local, directory(partition), () -> {
                state[0].close();
                state[0] = null;
            });
        } catch (RuntimeException e) {
            // The open is retried: it must find the local state closed.
            if (state[0] != null) {
                state[0].close();
            }
            throw e;
        }
        try {
            if (state[0] == null) {
                state[0] = openState(partition);
            }
            if (savepoint != null
                    && outcome.source() == CheckpointRestorer.Source.NONE
                    && claim.checkpointId() < 0
                    && state[0].position().isEmpty()) {
                state[0].close();
                state[0] = null;
                state[0] = fromSavepoint(partition);
            }
            if (outcome.source() == CheckpointRestorer.Source.UNUSABLE
                    && state[0].position().isEmpty()) {
                // Rebuilt from the topic, so from offset 0: a log start above it (records deleted by
                // retention) is then an offset gap, logged and counted when the consumer is
                // positioned, instead of a silent start at the log start.
                state[0].commit(0);
            }
            Checkpointer checkpointer = checkpoints.checkpointer(partition, claim, outcome.offset());
            return new Opened(state[0], application.create(partition, state[0]), checkpointer, failures(partition));
        } catch (RuntimeException e) {
            if (state[0] != null) {
                state[0].close();
            }
            throw e;
        }
    }

    /** Nothing here yet, no checkpoint: the partition's part of the savepoint, imported into a fresh directory. */
    private LayeredKeyedStateBackend fromSavepoint(TopicPartition partition) {
        delete(directory(partition));
        savepoint.restore(partition, directory(partition));
        return openState(partition);
    }

    /**
     * The local state, or an empty one if RocksDB reports the local files corrupt, when opening them
     * or (with {@code verifyOnOpen}) when checking every block of their table files: the
     * checkpoint, or else the topic, has everything they held. Any other failure to open (the database locked
     * by another process, a full disk, too many open files) leaves the files alone and fails the
     * open, which is retried: those files may be the newest state there is.
     */
    private LayeredKeyedStateBackend openLocalOrEmpty(TopicPartition partition) {
        try {
            return openState(partition, verifyOnOpen);
        } catch (CorruptStateException e) {
            LOG.errorf(
                    "Partition %s: local state is corrupt (%s); deleting it and restoring from the checkpoint",
                    partition, e.getMessage());
            delete(directory(partition));
            return openState(partition);
        }
    }

    private LayeredKeyedStateBackend openState(TopicPartition partition) {
        return openState(partition, false);
    }

    private LayeredKeyedStateBackend openState(TopicPartition partition, boolean verify) {
        try {
            return openStateOnce(partition, verify);
        } catch (IncompatibleStateException e) {
            // The input log is the source of truth: unreadable local state is rebuilt from it.
            LOG.warnf(
                    "%s; deleting %s and rebuilding the partition from the input",
                    e.getMessage(), directory(partition));
            delete(directory(partition));
            return openStateOnce(partition, false);
        }
    }

    private LayeredKeyedStateBackend openStateOnce(TopicPartition partition, boolean verify) {
        RocksDBStore store =
                RocksDBStore.open(partition.toString(), directory(partition), states.tableNames(), rocksResources);
        if (verify && store.position().isPresent()) {
            try {
                long started = System.nanoTime();
                long bytes = store.verifyChecksums();
                LOG.infof(
                        "Partition %s: verified the checksums of the local table files (%d bytes) in %d ms",
                        partition, bytes, (System.nanoTime() - started) / 1_000_000);
            } catch (RuntimeException e) {
                store.close();
                throw e;
            }
        }
        LayeredKeyedStateBackend state = states.build(store);
        if (state.storedFutureEventTime() != EventTimeClock.NO_TIME) {
            LOG.warnf(
                    "Partition %s: stored event time %s lies beyond the wall clock + ttl.max-future-skew; held at %s,"
                            + " and %d entries stamped later re-stamped there (they expire one TTL after it)",
                    partition,
                    Instant.ofEpochMilli(state.storedFutureEventTime()),
                    Instant.ofEpochMilli(state.time().maxEventTimestamp()),
                    state.futureStampsRepaired());
        }
        return state;
    }

    /** Beside the state's directory, which a restore may replace. */
    private FailureHistory failures(TopicPartition partition) {
        return FailureHistory.at(stateDir.resolve(partition.topic() + "-" + partition.partition() + ".failures"));
    }

    private Path directory(TopicPartition partition) {
        return stateDir.resolve(partition.topic() + "-" + partition.partition());
    }

    private static void delete(Path directory) {
        Directories.deleteRecursively(directory);
    }
}
