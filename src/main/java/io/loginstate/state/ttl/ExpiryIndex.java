package io.loginstate.state.ttl;

import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.plain.ValueFormat;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.store.Keys;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Entries of TTL'd states ordered by stamp, so expired entries are found without scanning the
 * state: key {@code nameLength:1 | stateName | stamp:int64 (order-preserving) | entryKey}, empty
 * value. An index entry may be stale (its entry was rewritten with a newer stamp or deleted);
 * cleanup checks the entry itself before deleting anything.
 */
public final class ExpiryIndex {

    public static final String TABLE = "_ttl_index";

    private final ByteTable table;

    public ExpiryIndex(ByteTable table) {
        this.table = table;
    }

    /** One index entry: the stamp it was filed under and the state entry it points to. */
    public record Candidate(long stamp, byte[] entryKey, byte[] indexKey) {}

    private static final byte[] EMPTY = new byte[0];
    /** Index entries read per scan when a whole state's index is walked. */
    private static final int SCAN_CHUNK = 10_000;

    public void add(String state, long stamp, byte[] entryKey) {
        add(prefix(state), stamp, entryKey);
    }

    void add(byte[] prefix, long stamp, byte[] entryKey) {
        table.put(indexKey(prefix, stamp, entryKey), EMPTY);
    }

    void remove(byte[] prefix, long stamp, byte[] entryKey) {
        table.delete(indexKey(prefix, stamp, entryKey));
    }

    public void remove(Candidate candidate) {
        table.delete(candidate.indexKey());
    }

    /** Up to {@code limit} index entries of the state with a stamp at or before {@code threshold}. */
    public List<Candidate> expired(String state, long threshold, int limit) {
        byte[] prefix = prefix(state);
        byte[] end = threshold == Long.MAX_VALUE ? Keys.prefixEnd(prefix) : stampKey(prefix, threshold + 1);
        List<Candidate> candidates = new ArrayList<>();
        for (Map.Entry<byte[], byte[]> entry : table.scan(prefix, end, limit)) {
            candidates.add(decode(prefix.length, entry.getKey()));
        }
        return candidates;
    }

    /** Up to {@code limit} index entries of the state filed under a stamp after {@code stamp}. */
    public List<Candidate> filedAfter(String state, long stamp, int limit) {
        byte[] prefix = prefix(state);
        if (stamp == Long.MAX_VALUE) {
            return List.of();
        }
        List<Candidate> candidates = new ArrayList<>();
        for (Map.Entry<byte[], byte[]> entry : table.scan(stampKey(prefix, stamp + 1), Keys.prefixEnd(prefix), limit)) {
            candidates.add(decode(prefix.length, entry.getKey()));
        }
        return candidates;
    }

    /** The smallest stamp filed for the state, or {@link EventTimeClock#NO_TIME} if none. */
    public long oldestStamp(String state) {
        byte[] prefix = prefix(state);
        List<Map.Entry<byte[], byte[]>> first = table.scan(prefix, Keys.prefixEnd(prefix), 1);
        return first.isEmpty()
                ? EventTimeClock.NO_TIME
                : decode(prefix.length, first.get(0).getKey()).stamp();
    }

    /** Deletes every index entry of the state, in bounded chunks. */
    public void removeAll(String state) {
        byte[] prefix = prefix(state);
        List<Map.Entry<byte[], byte[]>> chunk;
        do {
            chunk = table.scan(prefix, Keys.prefixEnd(prefix), 10_000);
            chunk.forEach(entry -> table.delete(entry.getKey()));
        } while (!chunk.isEmpty());
    }

    /**
     * Deletes the state's index entries whose entry key lies in {@code [from, to)}, scanning the
     * state's whole index in bounded chunks (filing is lazy: an entry may be filed in any bucket).
     * Returns how many it deleted.
     */
    public int removeFilings(String state, byte[] from, byte[] to) {
        byte[] prefix = prefix(state);
        byte[] end = Keys.prefixEnd(prefix);
        int removed = 0;
        byte[] start = prefix;
        List<Map.Entry<byte[], byte[]>> chunk;
        do {
            chunk = table.scan(start, end, SCAN_CHUNK);
            for (Map.Entry<byte[], byte[]> entry : chunk) {
                byte[] entryKey = decode(prefix.length, entry.getKey()).entryKey();
                if (Arrays.compareUnsigned(entryKey, from) >= 0
                        && (to == null || Arrays.compareUnsigned(entryKey, to) < 0)) {
                    table.delete(entry.getKey());
                    removed++;
                }
            }
            if (!chunk.isEmpty()) {
                start = Keys.successor(chunk.get(chunk.size() - 1).getKey());
            }
        } while (chunk.size() == SCAN_CHUNK);
        return removed;
    }

    private static Candidate decode(int prefixLength, byte[] indexKey) {
        long stamp = ValueFormat.getLong(indexKey, prefixLength) ^ Long.MIN_VALUE;
        byte[] entryKey = Arrays.copyOfRange(indexKey, prefixLength + Long.BYTES, indexKey.length);
        return new Candidate(stamp, entryKey, indexKey);
    }

    static byte[] prefix(String state) {
        byte[] name = state.getBytes(StandardCharsets.UTF_8);
        byte[] prefix = new byte[1 + name.length];
        prefix[0] = (byte) name.length;
        System.arraycopy(name, 0, prefix, 1, name.length);
        return prefix;
    }

    private static byte[] stampKey(byte[] prefix, long stamp) {
        byte[] key = Arrays.copyOf(prefix, prefix.length + Long.BYTES);
        // Flipping the sign bit makes unsigned byte order equal signed numeric order.
        ValueFormat.putLong(key, prefix.length, stamp ^ Long.MIN_VALUE);
        return key;
    }

    static byte[] indexKey(byte[] prefix, long stamp, byte[] entryKey) {
        byte[] key = new byte[prefix.length + Long.BYTES + entryKey.length];
        System.arraycopy(prefix, 0, key, 0, prefix.length);
        ValueFormat.putLong(key, prefix.length, stamp ^ Long.MIN_VALUE);
        System.arraycopy(entryKey, 0, key, prefix.length + Long.BYTES, entryKey.length);
        return key;
    }
}
