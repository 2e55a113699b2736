package io.loginstate.cli;

import io.loginstate.objectstore.ObjectStore;
import io.loginstate.savepoint.SavepointCatalog;
import io.loginstate.savepoint.SavepointTransfer;
import io.loginstate.support.Directories;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** A savepoint exported by 'savepoints export' into the store, its manifest written last. */
@Command(
        name = "import",
        mixinStandardHelpOptions = true,
        description = {
            "Writes a savepoint exported by 'savepoints export' into the store, under its own id or --id: the request"
                    + " first, then each part, read back and checked against the manifest, then the manifest, so an"
                    + " interrupted import leaves an open savepoint, never a complete one with a bad part.",
            "Refuses an id the store already has."
        })
final class ImportSavepoint implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions store;

    @Option(names = "--from", required = true, paramLabel = "DIR", description = "The exported savepoint.")
    Path from;

    @Option(names = "--id", paramLabel = "NEWID", description = "The id in the store; default: the exported one.")
    String id;

    @Override
    public Integer call() {
        if (id != null) {
            SavepointsCommand.checkId(store, "--id", id);
        }
        if (!Files.isRegularFile(from.resolve("_manifest.json"))) {
            throw store.usage("--from '" + from + "' holds no exported savepoint (no _manifest.json)");
        }
        Path scratch = VerifyCheckpoints.scratchDirectory();
        try (ObjectStore objects = store.open()) {
            String imported = new SavepointTransfer(new SavepointCatalog(objects))
                    .importFrom(from, Optional.ofNullable(id), scratch);
            spec.commandLine()
                    .getOut()
                    .println("Savepoint imported as " + imported + " into " + objects.name() + ", parts verified");
        } finally {
            Directories.deleteRecursively(scratch);
        }
        return 0;
    }
}
