package io.loginstate.cli;

import io.loginstate.checkpoint.CheckpointCatalog;
import io.loginstate.checkpoint.CheckpointCatalog.Contents;
import io.loginstate.checkpoint.CheckpointCatalog.StoredPartition;
import io.loginstate.checkpoint.CheckpointManifest;
import io.loginstate.checkpoint.OwnershipFence;
import io.loginstate.checkpoint.UnreadableLatestException;
import io.loginstate.checkpoint.UnreadableManifestException;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.support.Directories;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Checks every stored checkpoint as a restore would before using it: the manifest parses and its
 * checksum holds, and every object it lists is there with its size and CRC-32C.
 */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Checks every stored checkpoint: its manifest parses and its checksum holds, every object it lists is"
                    + " present with the listed size and (unless --quick) the listed CRC-32C, which downloads"
                    + " every object. Reports each checkpoint OK or DAMAGED, naming the objects.",
            "Exit code 1 if anything is damaged."
        })
final class VerifyCheckpoints implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions store;

    @Option(names = "--partition", paramLabel = "N", description = "Only this partition.")
    Integer partition;

    @Option(names = "--quick", description = "Check presence and sizes only, not the CRC-32C (downloads nothing).")
    boolean quick;

    private int partitionsSeen;
    private int checkpoints;
    private int damaged;
    private int damagedLatest;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path scratch = quick ? null : scratchDirectory();
        try (ObjectStore objects = store.open()) {
            CheckpointCatalog catalog = new CheckpointCatalog(objects);
            List<StoredPartition> partitions = CheckpointsCommand.select(
                    catalog, store, partition == null ? OptionalInt.empty() : OptionalInt.of(partition));
            if (partitions.isEmpty()) {
                if (partition != null) {
                    throw CheckpointsCommand.nothingStored(store, partition, objects.name());
                }
                out.println("No checkpoints of topic '" + store.topic + "' in " + objects.name());
                return 0;
            }
            for (StoredPartition stored : partitions) {
                verify(out, catalog.contents(stored), scratch);
            }
        } finally {
            if (scratch != null) {
                Directories.deleteRecursively(scratch);
            }
        }
        out.println(checkpoints + " checkpoint" + (checkpoints == 1 ? "" : "s") + " in " + partitions() + ": "
                + summary() + (quick ? " (sizes only, --quick)" : ""));
        return damaged + damagedLatest == 0 ? 0 : 1;
    }

    private String summary() {
        if (damaged + damagedLatest == 0) {
            return "all OK";
        }
        List<String> parts = new ArrayList<>();
        if (damaged > 0) {
            parts.add(damaged + " DAMAGED");
        }
        if (damagedLatest > 0) {
            parts.add(damagedLatest + " LATEST DAMAGED");
        }
        return String.join(", ", parts);
    }

    private String partitions() {
        return partitionsSeen + " partition" + (partitionsSeen == 1 ? "" : "s");
    }

    private void verify(PrintWriter out, Contents contents, Path scratch) {
        partitionsSeen++;
        StoredPartition stored = contents.partition();
        out.println(stored.topic() + "-" + stored.partition() + ", deployment " + ListCheckpoints.deploymentText(stored)
                + " (" + stored.prefix() + "/)");
        Optional<OwnershipFence.Latest> latest;
        try {
            latest = contents.latest();
        } catch (UnreadableLatestException e) {
            damagedLatest++;
            out.println("  LATEST  DAMAGED");
            out.println("    " + Failures.oneLine(e));
            latest = Optional.empty();
        }
        List<Long> published = latest.map(OwnershipFence.Latest::published).orElse(List.of());
        List<Long> ids = new ArrayList<>(contents.checkpointIds());
        latest.filter(l -> l.checkpoint() >= 0 && !ids.contains(l.checkpoint()))
                .ifPresent(l -> ids.add(l.checkpoint()));
        for (long id : ids.stream().sorted().toList()) {
            checkpoints++;
            String label = "  checkpoint " + CheckpointCatalog.idText(id) + " " + publication(latest, published, id);
            List<String> problems = new ArrayList<>();
            String offset = "";
            try {
                Optional<CheckpointManifest> manifest = contents.manifest(id);
                if (manifest.isEmpty()) {
                    problems.add(contents.manifestKey(id) + " is missing, yet LATEST names this checkpoint");
                } else {
                    offset = " offset " + manifest.get().offset();
                    problems.addAll(contents.problems(manifest.get(), quick, scratch));
                }
            } catch (UnreadableManifestException e) {
                problems.add(Failures.oneLine(e));
            }
            if (problems.isEmpty()) {
                out.println(label + offset + "  OK");
            } else {
                damaged++;
                out.println(label + offset + "  DAMAGED");
                problems.forEach(problem -> out.println("    " + problem));
            }
        }
        if (ids.isEmpty()) {
            out.println("  no checkpoints stored");
        }
    }

    /** What LATEST says of the checkpoint; nothing can be said while it is unreadable. */
    private static String publication(Optional<OwnershipFence.Latest> latest, List<Long> published, long id) {
        if (latest.isEmpty()) {
            return "(publication unknown)";
        }
        if (latest.get().checkpoint() == id) {
            return "(latest)";
        }
        return published.contains(id) ? "(published)" : "(not published)";
    }

    static Path scratchDirectory() {
        try {
            return Files.createTempDirectory("login-state-verify");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a directory for the downloads to check", e);
        }
    }
}
