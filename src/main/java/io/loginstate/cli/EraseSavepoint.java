package io.loginstate.cli;

import io.loginstate.objectstore.ObjectStore;
import io.loginstate.processing.KeyPartitioner;
import io.loginstate.savepoint.SavepointCatalog;
import io.loginstate.savepoint.SavepointEraser;
import io.loginstate.savepoint.SavepointManifest;
import io.loginstate.support.Directories;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Removes one user from savepoints at rest (erasure on request): in each complete savepoint, the
 * part of the partition its partitioner maps the user to is rewritten without the user's records
 * ({@code savepoint.SavepointEraser}). The output names savepoints and counts, never the user.
 */
@Command(
        name = "erase",
        mixinStandardHelpOptions = true,
        description = {
            "Rewrites every complete savepoint (or the one given) without one user's records: the part of the"
                    + " partition the savepoint's partitioner maps the user id to is copied without them, the"
                    + " manifest is re-checksummed, the old part deleted. Safe to run again after a failure: a run"
                    + " finishes what an interrupted one left.",
            "Exit 0 when every savepoint is without the user, 1 when one could not be rewritten (a savepoint still"
                    + " being written is reported as pending: run the command again once it is complete)."
        })
final class EraseSavepoint implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions store;

    @Option(names = "--user", required = true, paramLabel = "USER", description = "The user id (the record key).")
    String user;

    @Option(names = "--id", paramLabel = "ID", description = "Only this savepoint; default: every savepoint.")
    String id;

    private final LoginStateCli.Context context;

    EraseSavepoint(LoginStateCli.Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        if (id != null) {
            SavepointsCommand.checkId(store, "--id", id);
        }
        byte[] key = user.getBytes(StandardCharsets.UTF_8);
        if (key.length == 0) {
            throw store.usage("--user must not be empty");
        }
        Path scratch = VerifyCheckpoints.scratchDirectory();
        try (ObjectStore objects = store.open()) {
            SavepointCatalog catalog = new SavepointCatalog(objects);
            SavepointEraser eraser = new SavepointEraser(catalog, context.clock(), scratch);
            List<String> ids =
                    id != null ? List.of(id) : new ArrayList<>(catalog.listAll().keySet());
            if (id != null && catalog.request(id).isEmpty()) {
                throw new IllegalStateException("No savepoint " + id + " in " + objects.name());
            }
            PrintWriter out = spec.commandLine().getOut();
            boolean allDone = true;
            for (String savepoint : ids) {
                Optional<SavepointManifest> manifest = catalog.manifest(savepoint);
                if (manifest.isEmpty()) {
                    out.printf("%s: pending (not complete yet); run again once it is%n", savepoint);
                    allDone = false;
                    continue;
                }
                int partition = KeyPartitioner.named(manifest.get().partitioner())
                        .partition(key, manifest.get().partitions());
                SavepointEraser.EraseResult result = eraser.erase(savepoint, partition, key, Long.MAX_VALUE);
                switch (result.outcome()) {
                    case REWRITTEN ->
                        out.printf(
                                "%s: partition %d rewritten, %d records removed%n",
                                savepoint, partition, result.recordsRemoved());
                    case NOT_PRESENT ->
                        out.printf("%s: partition %d holds no record of the user%n", savepoint, partition);
                    default -> {
                        out.printf("%s: %s%n", savepoint, result.reason());
                        allDone = false;
                    }
                }
            }
            out.flush();
            return allDone ? 0 : 1;
        } finally {
            Directories.deleteRecursively(scratch);
        }
    }
}
