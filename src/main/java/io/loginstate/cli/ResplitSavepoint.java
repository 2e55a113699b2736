package io.loginstate.cli;

import io.loginstate.objectstore.ObjectStore;
import io.loginstate.processing.KeyPartitioner;
import io.loginstate.savepoint.SavepointCatalog;
import io.loginstate.savepoint.SavepointResplit;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Rewrites a savepoint for a topic that now has more partitions. */
@Command(
        name = "resplit",
        mixinStandardHelpOptions = true,
        description = "Writes a new savepoint holding a complete savepoint's state spread over more partitions: each"
                + " entry moves to the partition the partitioner gives its key; the old partitions keep their offsets,"
                + " the new ones start at 0. The source savepoint is left as it is. See README, \"Changing the"
                + " partition count\".")
final class ResplitSavepoint implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions store;

    @Option(names = "--id", required = true, paramLabel = "ID", description = "The savepoint to rewrite.")
    String id;

    @Option(
            names = "--partitions",
            required = true,
            paramLabel = "N",
            description = "The topic's partition count now (more than the savepoint's).")
    int partitions;

    @Option(names = "--new-id", paramLabel = "ID", description = "The new savepoint's id; default: <id>-p<N>.")
    String newId;

    @Option(
            names = "--partitioner",
            paramLabel = "NAME",
            description = "How producers place keys (murmur2 or crc32); default: the savepoint's own, which is the"
                    + " service's login-state.partitioner when it was taken.")
    String partitioner;

    private final LoginStateCli.Context context;

    ResplitSavepoint(LoginStateCli.Context context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        if (partitions < 1) {
            throw store.usage("--partitions must be at least 1, not " + partitions);
        }
        String target = newId != null ? newId : id + "-p" + partitions;
        Path work = Files.createTempDirectory("login-state-resplit");
        try (ObjectStore objects = store.open()) {
            SavepointCatalog catalog = new SavepointCatalog(objects);
            String name = partitioner != null
                    ? partitioner
                    : catalog.manifest(id)
                            .map(manifest -> manifest.partitioner())
                            .orElse("murmur2");
            KeyPartitioner keys;
            try {
                keys = KeyPartitioner.named(name);
            } catch (IllegalArgumentException e) {
                throw store.usage("--partitioner: " + e.getMessage());
            }
            SavepointResplit.Result result = new SavepointResplit(catalog, context.clock(), work)
                    .resplit(id, target, partitions, keys::partition);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("Wrote savepoint %s: %d partitions%n", result.id(), result.partitions());
            for (int p = 0; p < result.records().size(); p++) {
                out.printf("  partition %d: %d records%n", p, result.records().get(p));
            }
            out.printf(
                    "Restore it in a new deployment: login-state.restore.savepoint=%s with a new"
                            + " login-state.checkpoint.deployment-id%n",
                    result.id());
            out.flush();
            return 0;
        } finally {
            io.loginstate.support.Directories.deleteRecursively(work);
        }
    }
}
