package io.loginstate.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.processing.KeyPartitioner;
import io.loginstate.savepoint.SavepointCatalog;
import io.loginstate.savepoint.SavepointManifest;
import io.loginstate.savepoint.SavepointSource;
import io.loginstate.state.portable.PortableReader;
import io.loginstate.support.Directories;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * One user's entries in a savepoint, decoded: the part of the partition the savepoint's partitioner
 * maps the user to is downloaded, checked, and read through; personal data goes to stdout only.
 */
@Command(
        name = "dump",
        mixinStandardHelpOptions = true,
        description = {
            "One user's entries in every state of a complete savepoint, decoded, with their TTL stamps: the user's"
                    + " partition is the one the savepoint's partitioner maps the user id to. Payloads of a serializer"
                    + " this build does not know are printed in hex.",
            "Prints personal data (to stdout only). A user without entries is not an error (exit 0)."
        })
final class DumpSavepoint implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions store;

    @Option(names = "--id", required = true, paramLabel = "ID", description = "The savepoint.")
    String id;

    @Option(names = "--user", required = true, paramLabel = "USER", description = "The user id (the record key).")
    String user;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
        SavepointsCommand.checkId(store, "--id", id);
        byte[] key = user.getBytes(StandardCharsets.UTF_8);
        if (key.length == 0) {
            throw store.usage("--user must not be empty");
        }
        Path scratch = VerifyCheckpoints.scratchDirectory();
        try (ObjectStore objects = store.open()) {
            SavepointCatalog catalog = new SavepointCatalog(objects);
            SavepointManifest manifest = catalog.manifest(id)
                    .orElseThrow(() -> new IllegalStateException(
                            catalog.request(id).isPresent()
                                    ? "Savepoint " + id + " is not complete (no manifest)"
                                    : "No savepoint " + id + " in " + objects.name()));
            int partition = KeyPartitioner.named(manifest.partitioner()).partition(key, manifest.partitions());
            Path file = scratch.resolve("part");
            SavepointManifest.PartEntry part = new SavepointSource(catalog, id, Duration.ZERO, InstantSource.system())
                    .download(manifest, partition, file);
            Map<String, List<StoredEntries.Entry>> found = read(file, part.key(), key, new StoredEntries(manifest));
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.write(json(manifest, part, found)));
            } else {
                print(out, manifest, part, found);
            }
        } finally {
            Directories.deleteRecursively(scratch);
        }
        return 0;
    }

    /** The user's entries by state, in the part's table order. */
    private static Map<String, List<StoredEntries.Entry>> read(
            Path file, String source, byte[] key, StoredEntries decoder) {
        Map<String, List<StoredEntries.Entry>> found = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(file);
                PortableReader reader = new PortableReader(in, source)) {
            reader.tables().forEach(table -> found.put(table, new ArrayList<>()));
            while (reader.next()) {
                if (Arrays.equals(reader.key(), key)) {
                    found.get(reader.tableName())
                            .add(decoder.decode(reader.tableName(), reader.subKey(), reader.value()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the download of " + source, e);
        }
        return found;
    }

    private void print(
            PrintWriter out,
            SavepointManifest m,
            SavepointManifest.PartEntry part,
            Map<String, List<StoredEntries.Entry>> found) {
        String where = "partition " + part.partition() + " of " + m.partitions() + " (" + m.partitioner() + "), part "
                + part.key();
        if (found.values().stream().allMatch(List::isEmpty)) {
            out.println("User '" + user + "' not found in savepoint " + id + ": no entries in " + where);
            return;
        }
        out.println("User '" + user + "' in savepoint " + id + ", " + where);
        found.forEach((state, entries) -> {
            out.println("  " + state + ": " + entries.size() + (entries.size() == 1 ? " entry" : " entries"));
            for (StoredEntries.Entry entry : entries) {
                out.println("    " + entry.text() + "  (" + entry.stampText() + ")");
            }
        });
    }

    private ObjectNode json(
            SavepointManifest m, SavepointManifest.PartEntry part, Map<String, List<StoredEntries.Entry>> found) {
        ObjectNode node = Json.object();
        node.put("id", id);
        node.put("user", user);
        node.put("partition", part.partition());
        node.put("part", part.key());
        node.put("found", found.values().stream().anyMatch(list -> !list.isEmpty()));
        ObjectNode states = node.putObject("states");
        found.forEach((state, entries) -> {
            ArrayNode array = states.putArray(state);
            for (StoredEntries.Entry entry : entries) {
                ObjectNode e = array.addObject();
                if (entry.subKey() != null) {
                    e.put("subKey", entry.subKey());
                }
                e.put("value", entry.value());
                e.put("decoded", entry.decoded());
                if (entry.stamp() == null) {
                    e.putNull("stamp");
                } else {
                    e.put("stamp", entry.stamp());
                }
            }
        });
        return node;
    }
}
