package io.loginstate.state.heap;

import io.loginstate.state.heap.SortedTree.Node;
import io.loginstate.state.portable.PortableFormatException;
import io.loginstate.state.portable.PortableReader;
import io.loginstate.state.portable.PortableWriter;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The heap store's snapshot file, in the portable state format (docs/SAVEPOINT-FORMAT.md, package
 * {@code state.portable}): one portable table per store table (meta and TTL index included), each
 * entry a record with an empty subKey, in key order; the position as the property
 * {@code position}. One file per snapshot, never an {@code .sst}, so the checkpoint uploader
 * stores it with its checkpoint.
 */
final class HeapSnapshotFile {

    static final String NAME = "heap-state.bin";
    private static final String KIND = "heap-snapshot";

    /** What a snapshot file holds: the position (-1: none) and each table's entries. */
    record Contents(long position, Map<String, Node> roots) {}

    private HeapSnapshotFile() {}

    static void write(Path directory, long position, Map<String, Node> roots) throws IOException {
        Files.createDirectories(directory);
        try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(directory.resolve(NAME)), 1 << 16)) {
            List<String> tables = new ArrayList<>(roots.keySet());
            PortableWriter writer =
                    new PortableWriter(file, tables, Map.of("kind", KIND, "position", Long.toString(position)));
            for (int table = 0; table < tables.size(); table++) {
                int index = table;
                SortedTree.forEach(roots.get(tables.get(table)), (key, value) -> writer.write(index, key, null, value));
            }
            writer.finish();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    static boolean exists(Path directory) {
        return Files.isRegularFile(directory.resolve(NAME));
    }

    /** @throws IOException if the file is unreadable, cut short, out of order or fails its checksum */
    static Contents read(Path directory) throws IOException {
        try (InputStream file = new BufferedInputStream(Files.newInputStream(directory.resolve(NAME)), 1 << 16);
                PortableReader reader = new PortableReader(file, NAME)) {
            if (!KIND.equals(reader.properties().get("kind"))) {
                throw new IOException(NAME + " is not a heap state snapshot");
            }
            long position = Long.parseLong(reader.properties().getOrDefault("position", "-1"));
            List<List<byte[]>> keys = new ArrayList<>();
            List<List<byte[]>> values = new ArrayList<>();
            for (int i = 0; i < reader.tables().size(); i++) {
                keys.add(new ArrayList<>());
                values.add(new ArrayList<>());
            }
            while (reader.next()) {
                if (reader.subKey().length != 0) {
                    throw new IOException(NAME + ": record " + reader.records() + " has a subKey");
                }
                keys.get(reader.table()).add(reader.key());
                values.get(reader.table()).add(reader.value());
            }
            Map<String, Node> roots = new LinkedHashMap<>();
            for (int i = 0; i < reader.tables().size(); i++) {
                roots.put(reader.tables().get(i), SortedTree.ofSorted(keys.get(i), values.get(i)));
            }
            return new Contents(position, roots);
        } catch (PortableFormatException | NumberFormatException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
