package io.loginstate.objectstore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Increments a counter object by compare-and-swap; run as a separate JVM by the tests. */
final class DirectoryCounter {

    private DirectoryCounter() {}

    /**
     * Arguments: store directory, key, number of increments, a file to create when ready and a
     * file to wait for before starting (so that all writers overlap). Prints the races lost.
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        try (ObjectStore store = new DirectoryObjectStore(Path.of(args[0]))) {
            Files.createFile(Path.of(args[3]));
            // The start signal is a line on standard input, written once every writer is ready.
            if (System.in.read() < 0) {
                throw new IOException("no start signal");
            }
            System.out.println(increment(store, args[1], Integer.parseInt(args[2])));
        }
    }

    /** Adds {@code increments} to the counter; returns how many attempts lost a race. */
    static int increment(ObjectStore store, String key, int increments) {
        int lost = 0;
        for (int done = 0; done < increments; ) {
            Versioned current = store.getVersioned(key).orElseThrow();
            long value = Long.parseLong(new String(current.bytes(), StandardCharsets.UTF_8));
            byte[] next = Long.toString(value + 1).getBytes(StandardCharsets.UTF_8);
            if (store.replaceIfMatch(key, next, current.version())) {
                done++;
            } else {
                lost++;
            }
        }
        return lost;
    }
}
