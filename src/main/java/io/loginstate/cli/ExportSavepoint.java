package io.loginstate.cli;

import io.loginstate.objectstore.ObjectStore;
import io.loginstate.savepoint.SavepointCatalog;
import io.loginstate.savepoint.SavepointTransfer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Every object of a complete savepoint into a local directory, each part checked against the manifest. */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = "Copies every object of a complete savepoint into a local directory (by its name under"
                + " savepoints/<id>/) and checks each part's size and CRC-32C against the manifest. 'savepoints"
                + " import' reads such a directory into a store.")
final class ExportSavepoint implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions store;

    @Option(names = "--id", required = true, paramLabel = "ID", description = "The savepoint.")
    String id;

    @Option(names = "--to", required = true, paramLabel = "DIR", description = "The local directory (created).")
    Path to;

    @Override
    public Integer call() {
        SavepointsCommand.checkId(store, "--id", id);
        try (ObjectStore objects = store.open()) {
            int count = new SavepointTransfer(new SavepointCatalog(objects)).exportTo(id, to);
            spec.commandLine()
                    .getOut()
                    .println("Savepoint " + id + " exported to " + to + ": " + count + " objects, parts verified");
        }
        return 0;
    }
}
