package io.loginstate.cli;

import io.loginstate.savepoint.SavepointLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The commands over savepoints: {@code savepoints/<id>/} beside the deployments, as the service
 * writes them (README, "Savepoints"), read through {@code savepoint.SavepointCatalog}.
 */
@Command(
        name = "savepoints",
        mixinStandardHelpOptions = true,
        description = "Savepoints as the service stores them: savepoints/<id>/ (_request.json, parts, summaries,"
                + " _manifest.json).",
        subcommands = {
            ListSavepoints.class,
            InspectSavepoint.class,
            VerifySavepoint.class,
            DumpSavepoint.class,
            ExportSavepoint.class,
            ImportSavepoint.class,
            ResplitSavepoint.class,
            EraseSavepoint.class
        })
final class SavepointsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(
                spec.commandLine(), "Missing command: list, inspect, verify, dump, export, import, resplit or erase");
    }

    /** The id as given, if it is a savepoint id at all. */
    static String checkId(StoreOptions store, String option, String id) {
        try {
            return SavepointLayout.checkId(id);
        } catch (IllegalArgumentException e) {
            throw store.usage(option + ": " + e.getMessage());
        }
    }
}
