package io.loginstate.cli;

import io.loginstate.objectstore.ObjectInfo;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.savepoint.SavepointCatalog;
import io.loginstate.savepoint.SavepointLayout;
import io.loginstate.savepoint.SavepointManifest;
import io.loginstate.savepoint.SavepointRefusedException;
import io.loginstate.savepoint.SavepointSource;
import io.loginstate.state.portable.PortableFormatException;
import io.loginstate.state.portable.PortableReader;
import io.loginstate.support.Directories;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Checks a savepoint as a restore would before importing it, and further: the manifest parses and
 * its checksum holds, every part is there with its size and CRC-32C ({@link SavepointSource}), and
 * each part reads to its end in the portable format (frames, order, trailer) with the records the
 * manifest lists.
 */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Checks one savepoint: its manifest parses and its checksum holds; every part is present with the listed"
                    + " size and CRC-32C and (unless --quick) reads to its end in the portable format: frames,"
                    + " record order, trailer. Reports each partition OK or DAMAGED, naming the object.",
            "Exit code 1 if anything is damaged, or the savepoint is not complete."
        })
final class VerifySavepoint implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions store;

    @Option(names = "--id", required = true, paramLabel = "ID", description = "The savepoint.")
    String id;

    @Option(names = "--quick", description = "Check the parts' presence and sizes only (downloads nothing).")
    boolean quick;

    @Override
    public Integer call() {
        SavepointsCommand.checkId(store, "--id", id);
        PrintWriter out = spec.commandLine().getOut();
        Path scratch = quick ? null : VerifyCheckpoints.scratchDirectory();
        int damaged = 0;
        int partitions;
        try (ObjectStore objects = store.open()) {
            SavepointCatalog catalog = new SavepointCatalog(objects);
            if (catalog.request(id).isEmpty()) {
                throw new IllegalStateException("No savepoint " + id + " in " + objects.name());
            }
            Optional<SavepointManifest> manifest;
            try {
                manifest = catalog.manifest(id);
            } catch (IllegalArgumentException e) {
                out.println("Savepoint " + id + "  DAMAGED");
                out.println("  " + Failures.oneLine(e));
                return 1;
            }
            if (manifest.isEmpty()) {
                out.println("Savepoint " + id + " is not complete (no manifest): nothing to verify yet");
                return 1;
            }
            SavepointManifest m = manifest.get();
            out.println("Savepoint " + id + " of " + m.topic() + ", " + m.partitions() + " partitions (manifest OK)");
            Map<String, ObjectInfo> stored = objects.list(SavepointLayout.ROOT + id + "/").stream()
                    .collect(Collectors.toMap(ObjectInfo::key, Function.identity()));
            SavepointSource source = new SavepointSource(catalog, id, Duration.ZERO, InstantSource.system());
            for (SavepointManifest.PartEntry part : m.parts()) {
                String problem = quick ? presence(part, stored) : read(source, m, part, scratch);
                String label = "  " + m.topic() + "-" + part.partition() + " offset " + part.nextOffset();
                if (problem == null) {
                    out.println(label + "  OK");
                } else {
                    damaged++;
                    out.println(label + "  DAMAGED");
                    out.println("    " + problem);
                }
            }
            partitions = m.parts().size();
        } finally {
            if (scratch != null) {
                Directories.deleteRecursively(scratch);
            }
        }
        out.println(partitions + " part" + (partitions == 1 ? "" : "s") + ": "
                + (damaged == 0 ? "all OK" : damaged + " DAMAGED") + (quick ? " (sizes only, --quick)" : ""));
        return damaged == 0 ? 0 : 1;
    }

    private static String presence(SavepointManifest.PartEntry part, Map<String, ObjectInfo> stored) {
        ObjectInfo object = stored.get(part.key());
        if (object == null) {
            return "the part " + part.key() + " the manifest names is missing";
        }
        if (object.size() != part.size()) {
            return "the part " + part.key() + " has " + object.size() + " bytes, the manifest says " + part.size();
        }
        return null;
    }

    /** Null if the part downloads intact and reads to its end with the manifest's record count. */
    private static String read(
            SavepointSource source, SavepointManifest m, SavepointManifest.PartEntry part, Path dir) {
        Path file = dir.resolve("part-" + part.partition());
        try {
            source.download(m, part.partition(), file);
            long records;
            try (InputStream in = Files.newInputStream(file);
                    PortableReader reader = new PortableReader(in, part.key())) {
                records = reader.verifyToEnd();
            }
            if (records != part.records()) {
                return "the part " + part.key() + " holds " + records + " records, the manifest says " + part.records();
            }
            return null;
        } catch (SavepointRefusedException | PortableFormatException e) {
            return Failures.oneLine(e);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the download of " + part.key(), e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // the scratch directory goes as a whole at the end
            }
        }
    }
}
