package io.loginstate.state.store;

import java.util.Arrays;

/**
 * An open-addressing hash map from byte-array keys to byte-array values, for one writer thread:
 * linear probing over parallel arrays (no entry objects), the mixed hash of each key kept (0 marks
 * an empty slot, so a probe reads only the hash array until it finds its key), deletion by
 * backward shift (no tombstones). Each slot also carries two flags, dirty and referenced, which
 * {@link CachingStore} uses for write-back and CLOCK eviction. Keys and values are kept as given,
 * never copied: callers must not modify them afterwards. Slots move only when an entry is removed
 * or the map grows; {@link #layoutVersion} counts those moves.
 */
final class ByteKeyMap {

    private static final int MIN_CAPACITY = 16;
    private static final byte DIRTY = 1;
    private static final byte REFERENCED = 2;

    private byte[][] keys;
    private byte[][] values;
    private int[] hashes;
    private byte[] flags;
    private int size;
    private int mask;
    private int clockHand;
    private int layoutVersion;

    ByteKeyMap() {
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        keys = new byte[capacity][];
        values = new byte[capacity][];
        hashes = new int[capacity];
        flags = new byte[capacity];
        mask = capacity - 1;
    }

    int size() {
        return size;
    }

    /** Number of slots. */
    int capacity() {
        return hashes.length;
    }

    /** The first slot at or after {@code from} holding a dirty entry, or -1. Reads the flags in order. */
    int nextDirty(int from) {
        for (int slot = from; slot < flags.length; slot++) {
            if ((flags[slot] & DIRTY) != 0) {
                return slot;
            }
        }
        return -1;
    }

    /** Changes whenever entries may have moved to other slots. */
    int layoutVersion() {
        return layoutVersion;
    }

    /**
     * The key's hash, mixed so that keys differing only in their last bytes (user-1, user-2, ...)
     * land far apart (linear probing clusters on sequential hashes); never 0.
     */
    static int hash(byte[] key) {
        int h = 1;
        for (byte b : key) {
            h = 31 * h + b;
        }
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h == 0 ? 1 : h;
    }

    /** The slot holding {@code key}, or -1. */
    int find(byte[] key) {
        return find(key, hash(key));
    }

    /** As {@link #find(byte[])}, with the key's {@link #hash} already computed. */
    int find(byte[] key, int hash) {
        for (int slot = hash & mask; ; slot = (slot + 1) & mask) {
            int stored = hashes[slot];
            if (stored == 0) {
                return -1;
            }
            if (stored == hash && Arrays.equals(keys[slot], key)) {
                return slot;
            }
        }
    }

    byte[] key(int slot) {
        return keys[slot];
    }

    byte[] value(int slot) {
        return values[slot];
    }

    boolean dirty(int slot) {
        return (flags[slot] & DIRTY) != 0;
    }

    void referenced(int slot) {
        flags[slot] |= REFERENCED;
    }

    void clean(int slot) {
        flags[slot] &= ~DIRTY;
    }

    /** Replaces the value of an occupied slot, marking it referenced (and dirty if {@code dirty}). */
    void setValue(int slot, byte[] value, boolean dirty) {
        values[slot] = value;
        flags[slot] = (byte) (REFERENCED | (dirty || dirty(slot) ? DIRTY : 0));
    }

    /** Sets the value of {@code key}, adding it if absent; returns its slot. Marks it referenced. */
    int put(byte[] key, byte[] value, boolean dirty) {
        return put(key, hash(key), value, dirty);
    }

    /** As {@link #put(byte[], byte[], boolean)}, with the key's {@link #hash} already computed. */
    int put(byte[] key, int hash, byte[] value, boolean dirty) {
        // At most half full: a lookup of an absent key (every new user) probes 2.5 slots on average, not 8.5.
        if ((size + 1) * 2 > hashes.length) {
            grow();
        }
        int slot = hash & mask;
        while (hashes[slot] != 0) {
            if (hashes[slot] == hash && Arrays.equals(keys[slot], key)) {
                setValue(slot, value, dirty);
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        keys[slot] = key;
        values[slot] = value;
        hashes[slot] = hash;
        flags[slot] = (byte) (REFERENCED | (dirty ? DIRTY : 0));
        size++;
        return slot;
    }

    /** Removes the entry of a slot, shifting back the entries probed past it. */
    void removeAt(int slot) {
        int hole = slot;
        for (int next = (hole + 1) & mask; hashes[next] != 0; next = (next + 1) & mask) {
            int home = hashes[next] & mask;
            // The entry at next may fill the hole if its home is not cyclically within (hole, next].
            boolean movable = hole <= next ? (home <= hole || home > next) : (home <= hole && home > next);
            if (movable) {
                keys[hole] = keys[next];
                values[hole] = values[next];
                hashes[hole] = hashes[next];
                flags[hole] = flags[next];
                hole = next;
            }
        }
        keys[hole] = null;
        values[hole] = null;
        hashes[hole] = 0;
        flags[hole] = 0;
        size--;
        layoutVersion++;
    }

    /**
     * The next clean entry the CLOCK hand finds unreferenced since it last passed (clearing the
     * referenced flags it passes), or -1 if every entry is dirty. The caller removes it.
     */
    int nextVictim() {
        if (size == 0) {
            return -1;
        }
        // Two sweeps clear every referenced flag; a third finds only dirty entries left.
        for (int visited = 0; visited < hashes.length * 3; visited++) {
            int slot = clockHand;
            clockHand = (clockHand + 1) & mask;
            if (hashes[slot] == 0 || dirty(slot)) {
                continue;
            }
            if ((flags[slot] & REFERENCED) != 0) {
                flags[slot] &= ~REFERENCED;
                continue;
            }
            return slot;
        }
        return -1;
    }

    void clear() {
        Arrays.fill(keys, null);
        Arrays.fill(values, null);
        Arrays.fill(hashes, 0);
        Arrays.fill(flags, (byte) 0);
        size = 0;
        layoutVersion++;
    }

    private void grow() {
        byte[][] oldKeys = keys;
        byte[][] oldValues = values;
        int[] oldHashes = hashes;
        byte[] oldFlags = flags;
        allocate(hashes.length * 2);
        for (int i = 0; i < oldHashes.length; i++) {
            if (oldHashes[i] != 0) {
                int slot = oldHashes[i] & mask;
                while (hashes[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                keys[slot] = oldKeys[i];
                values[slot] = oldValues[i];
                hashes[slot] = oldHashes[i];
                flags[slot] = oldFlags[i];
            }
        }
        clockHand = 0;
        layoutVersion++;
    }
}
