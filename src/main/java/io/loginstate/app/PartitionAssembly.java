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
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.CorruptStateException;
import io.loginstate.state.store.IncompatibleStateException;
import io.loginstate.support.Directories;
import java.nio.file.Path;
import java.time.Instant;
import java.util.OptionalInt;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Opens an assigned partition: claims it in the object store for the owner epoch, restores its
 * local state directory from the latest checkpoint unless the local state is as new, opens the
 * state stack over the partition's store ({@link PartitionStores}: RocksDB or the heap), and makes
 * the partition's checkpointer and application handler. {@code checkpoints} is null when
 * checkpoints are off. A backend that keeps no local state (the heap) starts every open empty, so
 * the restore always takes the latest checkpoint, and leaves nothing in the directory once opened.
 * {@code savepoint} (null if none is configured) fills a partition that has neither local state nor
 * a checkpoint under this deployment.
 */
record PartitionAssembly(
        Path stateDir,
        KeyedStateBackendBuilder states,
        PartitionStores stores,
        PartitionStateHandlerFactory application,
        CheckpointService checkpoints,
        SavepointRestore savepoint)
        implements PartitionOpener {

    private static final Logger LOG = Logger.getLogger(PartitionAssembly.class);

    /** Over RocksDB, verifying the table files of a kept local state when it is opened. */
    PartitionAssembly(
            Path stateDir,
            KeyedStateBackendBuilder states,
            RocksDBSharedResources rocksResources,
            PartitionStateHandlerFactory application,
            CheckpointService checkpoints) {
        this(stateDir, states, new RocksDBPartitionStores(rocksResources, true), application, checkpoints, null);
    }

    /** Without a savepoint to restore. */
    PartitionAssembly(
            Path stateDir,
            KeyedStateBackendBuilder states,
            PartitionStores stores,
            PartitionStateHandlerFactory application,
            CheckpointService checkpoints) {
        this(stateDir, states, stores, application, checkpoints, null);
    }

    @Override
    public Opened open(TopicPartition partition, long epoch) {
        return open(partition, epoch, 0);
    }

    @Override
    public Opened open(TopicPartition partition, long epoch, int partitionCount) {
        if (checkpoints == null) {
            LayeredKeyedStateBackend state = openState(partition);
            if (savepoint != null && state.position().isEmpty()) {
                state.close();
                state = fromSavepoint(partition, partitionCount);
            }
            checkPartitionCount(partition, state, partitionCount);
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
                state[0] = fromSavepoint(partition, partitionCount);
            }
            if (outcome.source() == CheckpointRestorer.Source.UNUSABLE
                    && state[0].position().isEmpty()) {
                // Rebuilt from the topic, so from offset 0: a log start above it (records deleted by
                // retention) is then an offset gap, logged and counted when the consumer is
                // positioned, instead of a silent start at the log start.
                state[0].commit(0);
            }
            checkPartitionCount(partition, state[0], partitionCount);
            Checkpointer checkpointer = checkpoints.checkpointer(partition, claim, outcome.offset());
            return new Opened(state[0], application.create(partition, state[0]), checkpointer, failures(partition));
        } catch (RuntimeException e) {
            if (state[0] != null) {
                state[0].close();
            }
            throw e;
        }
    }

    /**
     * The local state, or an empty one if the store reports the local files corrupt, when opening
     * them or when verifying them: the checkpoint, or else the topic, has everything they held. Any
     * other failure to open (the database locked by another process, a full disk, too many open
     * files) leaves the files alone and fails the open, which is retried: those files may be the
     * newest state there is. A backend that keeps no local state starts empty: whatever a crash
     * left in the directory is deleted.
     */
    private LayeredKeyedStateBackend openLocalOrEmpty(TopicPartition partition) {
        if (!stores.keepsLocalState()) {
            delete(directory(partition));
            return openState(partition);
        }
        try {
            return openState(partition, true);
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

    /**
     * Nothing here yet and no checkpoint: the partition's part of the savepoint, imported into a
     * fresh store, which is deleted again if the import fails (the open is then retried).
     */
    private LayeredKeyedStateBackend fromSavepoint(TopicPartition partition, int partitionCount) {
        delete(directory(partition));
        ByteStore store = stores.open(partition.toString(), directory(partition), states.tableNames(), false);
        try {
            savepoint.restore(partition, partitionCount, store);
        } catch (RuntimeException e) {
            store.close();
            delete(directory(partition));
            throw e;
        }
        return build(partition, store);
    }

    private LayeredKeyedStateBackend openStateOnce(TopicPartition partition, boolean verify) {
        return build(partition, stores.open(partition.toString(), directory(partition), states.tableNames(), verify));
    }

    private LayeredKeyedStateBackend build(TopicPartition partition, ByteStore store) {
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

    /**
     * Refuses state built while the topic had another partition count (the producers' partitioner
     * now sends some of its users to other partitions, so its keys are no longer this partition's);
     * state that never recorded a count records the current one. Closes the state when refusing.
     */
    private static void checkPartitionCount(
            TopicPartition partition, LayeredKeyedStateBackend state, int partitionCount) {
        if (partitionCount <= 0) {
            return;
        }
        OptionalInt recorded = state.inputPartitions();
        if (recorded.isEmpty()) {
            state.recordInputPartitions(partitionCount);
        } else if (recorded.getAsInt() != partitionCount) {
            state.close();
            throw new PartitionCountChangedException(partition, recorded.getAsInt(), partitionCount);
        }
    }

    @Override
    public Set<TopicPartition> keptPartitions() {
        return files().kept();
    }

    @Override
    public void discard(TopicPartition partition) {
        files().moveAside(partition);
    }

    @Override
    public void deleteDiscarded() {
        files().deleteMovedAside();
    }

    /** Beside the state's directory, which a restore may replace. */
    private FailureHistory failures(TopicPartition partition) {
        return FailureHistory.at(files().failures(partition));
    }

    private Path directory(TopicPartition partition) {
        return files().state(partition);
    }

    private PartitionFiles files() {
        return new PartitionFiles(stateDir);
    }

    private static void delete(Path directory) {
        Directories.deleteRecursively(directory);
    }
}
