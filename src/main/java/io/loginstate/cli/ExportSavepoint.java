package io.loginstate.cli;

import io.loginstate.objectstore.ObjectStore;
import io.loginstate.savepoint.SavepointCatalog;
import io.loginstate.savepoint.SavepointTransfer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
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

    @Option(
            names = "--to",
            required = true,
            paramLabel = "DIR",
            description = "The local directory: new or empty (created).")
    Path to;

    @Override
    public Integer call() {
        SavepointsCommand.checkId(store, "--id", id);
        if (Files.exists(to) && !isEmptyDirectory(to)) {
            // Objects of two savepoints in one directory would import as one.
            throw store.usage("--to '" + to + "' exists and is not an empty directory");
        }
        try (ObjectStore objects = store.open()) {
            int count = new SavepointTransfer(new SavepointCatalog(objects)).exportTo(id, to);
            spec.commandLine()
                    .getOut()
                    .println("Savepoint " + id + " exported to " + to + ": " + count + " objects, parts verified");
        }
        return 0;
    }

    private static boolean isEmptyDirectory(Path directory) {
        if (!Files.isDirectory(directory)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + directory, e);
        }
    }
}
