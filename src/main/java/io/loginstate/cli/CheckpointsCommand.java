package io.loginstate.cli;

import io.loginstate.checkpoint.CheckpointCatalog;
import io.loginstate.checkpoint.CheckpointCatalog.StoredPartition;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The commands over checkpoints: the state each partition's owner uploads and publishes through
 * {@code LATEST}, as a restore would find it. Savepoints get a group of their own beside this one.
 */
@Command(
        name = "checkpoints",
        mixinStandardHelpOptions = true,
        description = "Checkpoints as the service stores them: <deployment>/<topic>/<partition>/ (LATEST, manifests,"
                + " files).",
        subcommands = {ListCheckpoints.class, InspectCheckpoint.class, VerifyCheckpoints.class})
final class CheckpointsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command: list, inspect or verify");
    }

    /**
     * The stored partitions the options select: of the deployment given, or of every deployment;
     * with {@code partition}, only that partition.
     */
    static List<StoredPartition> select(CheckpointCatalog catalog, StoreOptions store, OptionalInt partition) {
        return catalog.partitions(store.topic, store.deployment()).stream()
                .filter(p -> partition.isEmpty() || p.partition() == partition.getAsInt())
                .toList();
    }

    /**
     * The one stored partition the options select.
     *
     * @throws ParameterException if several deployments have it and none was named
     * @throws IllegalStateException if the store has no checkpoint objects of it
     */
    static StoredPartition selectOne(CheckpointCatalog catalog, StoreOptions store, int partition, String storeName) {
        List<StoredPartition> found = select(catalog, store, OptionalInt.of(partition));
        if (found.isEmpty()) {
            throw nothingStored(store, partition, storeName);
        }
        if (found.size() > 1) {
            throw store.usage("Partition " + partition + " has checkpoints in several deployments ("
                    + found.stream().map(ListCheckpoints::deploymentText).collect(Collectors.joining(", "))
                    + "): name one with --deployment");
        }
        return found.get(0);
    }

    /** The store holds no object of the partition: an operator names a partition that should be there. */
    static IllegalStateException nothingStored(StoreOptions store, int partition, String storeName) {
        return new IllegalStateException("No checkpoint objects of " + store.topic + "-" + partition
                + store.deployment().map(d -> " of deployment '" + d + "'").orElse("") + " in " + storeName);
    }
}
