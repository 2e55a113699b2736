package io.loginstate.cli;

import io.loginstate.erasure.ErasureReceipt;
import io.loginstate.erasure.ErasureReceipts;
import io.loginstate.erasure.SavepointScrub;
import io.loginstate.erasure.SubjectKey;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.savepoint.SavepointCatalog;
import io.loginstate.savepoint.SavepointEraser;
import io.loginstate.support.Directories;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
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

    @Option(
            names = "--subject-key",
            paramLabel = "KEY",
            description =
                    "The deployment's subject key (env LOGIN_STATE_ERASURE_SUBJECT_KEY): with it, a receipt naming"
                            + " the user by its HMAC is stored under erasures/ and printed once every savepoint is without"
                            + " the user.")
    String subjectKey;

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
        SubjectKey subjects = null;
        if (subjectKey != null && !subjectKey.isBlank()) {
            try {
                subjects = SubjectKey.of(subjectKey);
            } catch (IllegalArgumentException e) {
                throw store.usage("--subject-key: " + e.getMessage());
            }
        }
        Path scratch = VerifyCheckpoints.scratchDirectory();
        try (ObjectStore objects = store.open()) {
            SavepointCatalog catalog = new SavepointCatalog(objects);
            SavepointScrub scrub =
                    new SavepointScrub(catalog, new SavepointEraser(catalog, context.clock(), scratch), false);
            if (id != null && catalog.request(id).isEmpty()) {
                throw new IllegalStateException("No savepoint " + id + " in " + objects.name());
            }
            PrintWriter out = spec.commandLine().getOut();
            Instant started = context.clock().instant();
            SavepointScrub.Tally tally = scrub.scrub(
                    id != null ? List.of(id) : scrub.all(),
                    key,
                    null,
                    -1,
                    Long.MAX_VALUE,
                    outcome -> print(out, outcome));
            if (tally.done() && subjects != null) {
                ErasureReceipt receipt = new ErasureReceipts(objects)
                        .recordOffline(
                                subjects,
                                key,
                                started,
                                context.clock().instant(),
                                tally.summary(),
                                tally.recordsRemoved() > 0);
                out.printf(
                        "Receipt %s:%n%s%n", receipt.erasureId(), new String(receipt.toJson(), StandardCharsets.UTF_8));
            }
            out.flush();
            return tally.done() ? 0 : 1;
        } finally {
            Directories.deleteRecursively(scratch);
        }
    }

    private static void print(PrintWriter out, SavepointScrub.Outcome outcome) {
        SavepointEraser.EraseResult result = outcome.result();
        if (result == null) {
            if (outcome.problem() != null) {
                out.printf("%s: %s%n", outcome.savepointId(), outcome.problem());
            }
            return;
        }
        switch (result.outcome()) {
            case REWRITTEN ->
                out.printf(
                        "%s: partition %d rewritten, %d records removed%n",
                        outcome.savepointId(), outcome.partition(), result.recordsRemoved());
            case NOT_PRESENT ->
                out.printf(
                        "%s: partition %d holds no record of the user%n", outcome.savepointId(), outcome.partition());
            default -> out.printf("%s: %s%n", outcome.savepointId(), result.reason());
        }
    }
}
