package io.loginstate.state.heap;

import io.loginstate.state.heap.SortedTree.Node;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The heap store's own snapshot file, until the portable state format replaces it: the position,
 * then per table its name and its entries in key order, then a CRC-32C of everything before it. One
 * file per snapshot, never an {@code .sst}, so the checkpoint uploader stores it with its checkpoint.
 */
final class HeapSnapshotFile {

    static final String NAME = "heap-state.bin";
    private static final long MAGIC = 0x4c53_4845_4150_0001L; // "LSHEAP", format 1

    /** What a snapshot file holds: the position (-1: none) and each table's entries. */
    record Contents(long position, Map<String, Node> roots) {}

    private HeapSnapshotFile() {}

    static void write(Path directory, long position, Map<String, Node> roots) throws IOException {
        Files.createDirectories(directory);
        CRC32C crc = new CRC32C();
        try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(directory.resolve(NAME)), 1 << 16)) {
            DataOutputStream out = new DataOutputStream(new CheckedOutputStream(file, crc));
            out.writeLong(MAGIC);
            out.writeLong(position);
            out.writeInt(roots.size());
            for (Map.Entry<String, Node> table : roots.entrySet()) {
                out.writeUTF(table.getKey());
                out.writeLong(SortedTree.size(table.getValue()));
                IOException[] failure = {null};
                SortedTree.forEach(table.getValue(), (key, value) -> {
                    if (failure[0] == null) {
                        try {
                            writeBytes(out, key);
                            writeBytes(out, value);
                        } catch (IOException e) {
                            failure[0] = e;
                        }
                    }
                });
                if (failure[0] != null) {
                    throw failure[0];
                }
            }
            out.flush();
            new DataOutputStream(file).writeInt((int) crc.getValue());
        }
    }

    static boolean exists(Path directory) {
        return Files.isRegularFile(directory.resolve(NAME));
    }

    /** @throws IOException if the file is unreadable, cut short, out of order or fails its checksum */
    static Contents read(Path directory) throws IOException {
        CRC32C crc = new CRC32C();
        try (InputStream file = new BufferedInputStream(Files.newInputStream(directory.resolve(NAME)), 1 << 16)) {
            DataInputStream in = new DataInputStream(new CheckedInputStream(file, crc));
            if (in.readLong() != MAGIC) {
                throw new IOException("not a heap state snapshot of format 1");
            }
            long position = in.readLong();
            int tables = in.readInt();
            Map<String, Node> roots = new LinkedHashMap<>();
            for (int t = 0; t < tables; t++) {
                String name = in.readUTF();
                long count = in.readLong();
                if (count < 0 || count > Integer.MAX_VALUE) {
                    throw new IOException("impossible entry count " + count + " in table " + name);
                }
                List<byte[]> keys = new ArrayList<>((int) Math.min(count, 1 << 16));
                List<byte[]> values = new ArrayList<>((int) Math.min(count, 1 << 16));
                for (long i = 0; i < count; i++) {
                    keys.add(readBytes(in));
                    values.add(readBytes(in));
                }
                try {
                    roots.put(name, SortedTree.ofSorted(keys, values));
                } catch (IllegalArgumentException e) {
                    throw new IOException("table " + name + ": " + e.getMessage(), e);
                }
            }
            int expected = (int) crc.getValue();
            int stored = new DataInputStream(file).readInt();
            if (stored != expected || file.read() != -1) {
                throw new IOException("checksum mismatch or trailing bytes in " + NAME);
            }
            return new Contents(position, roots);
        } catch (EOFException e) {
            throw new IOException(NAME + " is cut short", e);
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > (1 << 30)) {
            throw new IOException("impossible entry length " + length);
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }
}
