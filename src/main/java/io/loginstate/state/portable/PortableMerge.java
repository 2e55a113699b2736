package io.loginstate.state.portable;

import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Merges sorted portable files into one sorted stream and routes each record to one of several
 * writers: the core of rewriting a savepoint for another partition count. Every reader must name
 * the same tables in the same order. Each writer receives a subsequence of one sorted stream, so
 * its file is sorted too; memory holds one record per reader.
 */
public final class PortableMerge {

    /** Chooses the writer of a record by its key; -1 drops the record. */
    @FunctionalInterface
    public interface Router {
        int route(int table, byte[] key);
    }

    private PortableMerge() {}

    /**
     * Reads every reader to its end (each one's trailer checked) and writes each record to
     * {@code writers[router.route(...)]}. Returns the records written.
     *
     * @throws PortableFormatException if two readers hold the same record key (the same user's entry
     *     in two files: the files were not a partitioning of one state) or a reader is damaged
     */
    public static long merge(List<PortableReader> readers, List<PortableWriter> writers, Router router) {
        PriorityQueue<PortableReader> heads = new PriorityQueue<>(PortableMerge::compare);
        List<String> tables = null;
        for (PortableReader reader : readers) {
            if (tables == null) {
                tables = reader.tables();
            } else if (!tables.equals(reader.tables())) {
                throw new IllegalArgumentException(
                        "Files to merge name different tables: " + tables + " and " + reader.tables());
            }
            if (reader.next()) {
                heads.add(reader);
            }
        }
        long written = 0;
        byte[] previousKey = null;
        byte[] previousSubKey = null;
        int previousTable = -1;
        while (!heads.isEmpty()) {
            PortableReader head = heads.poll();
            if (previousKey != null
                    && previousTable == head.table()
                    && Arrays.equals(previousKey, head.key())
                    && Arrays.equals(previousSubKey, head.subKey())) {
                throw new PortableFormatException(
                        "merge", "the same entry of table '" + head.tableName() + "' is in two files");
            }
            int target = router.route(head.table(), head.key());
            if (target >= 0) {
                writers.get(target).write(head.table(), head.key(), head.subKey(), head.value());
                written++;
            }
            previousTable = head.table();
            previousKey = head.key();
            previousSubKey = head.subKey();
            if (head.next()) {
                heads.add(head);
            }
        }
        return written;
    }

    private static int compare(PortableReader a, PortableReader b) {
        if (a.table() != b.table()) {
            return Integer.compare(a.table(), b.table());
        }
        int byKey = Arrays.compareUnsigned(a.key(), b.key());
        return byKey != 0 ? byKey : Arrays.compareUnsigned(a.subKey(), b.subKey());
    }
}
