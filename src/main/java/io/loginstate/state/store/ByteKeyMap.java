package io.loginstate.state.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An open-addressing hash map from byte-array keys to byte-array values, for one writer thread:
 * linear probing over one array of slot records (no entry objects), deletion by backward shift (no
 * tombstones). A slot's record is four adjacent ints: the mixed hash of its key (0 marks an empty
 * slot), where its entry starts in the arena, the key's length with the referenced flag, and the
 * value's length; so a lookup touches one cache line of the slots and one of the arena, not one
 * line per field. Each slot also carries a dirty flag, kept apart in a bitmap that a commit reads
 * in slot order; {@link CachingStore} uses the two flags for write-back and CLOCK eviction.
 *
 * <p>Keys and values are copied into one byte array (the arena) and copied out when read, so the
 * map is a handful of objects however many entries it holds: the garbage collector neither copies
 * nor promotes an entry, and an entry replaced or removed leaves no object behind. In the arena
 * each entry is a header (its slot, its length) followed by its key and its value. A value of the
 * same length is overwritten in place; any other is appended and the old entry left behind. When
 * the arena is full its live entries slide down over the space left behind, in one pass in arena
 * order (an entry is live if its slot still points at it); a new arena, half again as large as the
 * live entries, is made only when they fill three quarters of it. {@link #ABSENT} (by identity) is
 * stored as a marker and read back as itself. Slots move only when an entry is removed or the map
 * grows; {@link #layoutVersion} counts those moves.
 */
final class ByteKeyMap {

    /** A value stored without bytes and read back as this very array: an absent or deleted key. */
    static final byte[] ABSENT = new byte[0];

    private static final int MIN_CAPACITY = 16;
    private static final int MIN_ARENA = 4096;
    /** An entry's header in the arena: its slot, then the length of its key and value. */
    private static final int HEADER = 8;

    /** Ints per slot record, and the place of each field in it. */
    private static final int STRIDE = 4;

    private static final int HASH = 0;
    private static final int OFFSET = 1;
    /** The key's length, with {@link #REFERENCED} in its top bit. */
    private static final int KEY = 2;
    /** The value's length, or {@link #ABSENT_LENGTH}. */
    private static final int VALUE = 3;

    private static final int REFERENCED = 1 << 31;
    private static final int KEY_LENGTH = ~REFERENCED;
    /** The value length of an entry whose value is {@link #ABSENT}. */
    private static final int ABSENT_LENGTH = -1;

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** {@link #STRIDE} ints per slot: hash, arena offset, key length and referenced flag, value length. */
    private int[] slots;
    /** One bit per slot: its entry is dirty. */
    private long[] dirtyBits;

    private byte[] arena = new byte[MIN_ARENA];
    /** Arena bytes in use, by live entries and by those left behind. */
    private int arenaUsed;
    /** Arena bytes of live entries, headers included. */
    private long arenaLive;

    private int size;
    private int capacity;
    private int mask;
    private int clockHand;
    private int layoutVersion;

    ByteKeyMap() {
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        slots = new int[capacity * STRIDE];
        dirtyBits = new long[(capacity + 63) >>> 6];
        this.capacity = capacity;
        mask = capacity - 1;
    }

    int size() {
        return size;
    }

    /** Number of slots. */
    int capacity() {
        return capacity;
    }

    /** Bytes of the arena: the entries' copies and the room around them. */
    int arenaBytes() {
        return arena.length;
    }

    /** The first slot at or after {@code from} holding a dirty entry, or -1. Reads the dirty bits in order. */
    int nextDirty(int from) {
        if (from >= capacity) {
            return -1;
        }
        int word = from >>> 6;
        long bits = dirtyBits[word] & (-1L << (from & 63));
        while (bits == 0) {
            if (++word == dirtyBits.length) {
                return -1;
            }
            bits = dirtyBits[word];
        }
        return (word << 6) + Long.numberOfTrailingZeros(bits);
    }

    /** Changes whenever entries may have moved to other slots. */
    int layoutVersion() {
        return layoutVersion;
    }

    /**
     * The key's hash, read eight bytes at a time and mixed so that keys differing only in their
     * last bytes (user-1, user-2, ...) land far apart (linear probing clusters on sequential
     * hashes); never 0.
     */
    static int hash(byte[] key) {
        int length = key.length;
        long h = 0x9E3779B97F4A7C15L ^ length;
        int at = 0;
        // Eight bytes per step: a key of a few dozen bytes is a handful of multiplications.
        for (; at + Long.BYTES <= length; at += Long.BYTES) {
            h = step(h, (long) LONG.get(key, at));
        }
        if (at < length) {
            long tail = 0;
            for (int i = length - 1; i >= at; i--) {
                tail = (tail << 8) | (key[i] & 0xFF);
            }
            h = step(h, tail);
        }
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        int mixed = (int) h;
        return mixed == 0 ? 1 : mixed;
    }

    private static long step(long h, long eightBytes) {
        return Long.rotateLeft(h ^ (eightBytes * 0xC2B2AE3D27D4EB4FL), 31) * 0x9E3779B97F4A7C15L;
    }

    /** The slot holding {@code key}, or -1. */
    int find(byte[] key) {
        return find(key, hash(key));
    }

    /** As {@link #find(byte[])}, with the key's {@link #hash} already computed. */
    int find(byte[] key, int hash) {
        int[] records = slots;
        for (int slot = hash & mask; ; slot = (slot + 1) & mask) {
            int stored = records[slot * STRIDE + HASH];
            if (stored == 0) {
                return -1;
            }
            if (stored == hash && keyIs(slot, key)) {
                return slot;
            }
        }
    }

    private boolean keyIs(int slot, byte[] key) {
        int record = slot * STRIDE;
        int start = slots[record + OFFSET] + HEADER;
        return (slots[record + KEY] & KEY_LENGTH) == key.length
                && Arrays.equals(arena, start, start + key.length, key, 0, key.length);
    }

    /** A copy of the slot's key. */
    byte[] key(int slot) {
        int start = slots[slot * STRIDE + OFFSET] + HEADER;
        return Arrays.copyOfRange(arena, start, start + keyLength(slot));
    }

    /** A copy of the slot's value, or {@link #ABSENT} itself. */
    byte[] value(int slot) {
        int record = slot * STRIDE;
        int length = slots[record + VALUE];
        if (length == ABSENT_LENGTH) {
            return ABSENT;
        }
        int start = slots[record + OFFSET] + HEADER + (slots[record + KEY] & KEY_LENGTH);
        return Arrays.copyOfRange(arena, start, start + length);
    }

    int keyLength(int slot) {
        return slots[slot * STRIDE + KEY] & KEY_LENGTH;
    }

    /** The length of the slot's value; 0 for {@link #ABSENT}. */
    int valueLength(int slot) {
        return Math.max(0, slots[slot * STRIDE + VALUE]);
    }

    boolean dirty(int slot) {
        return (dirtyBits[slot >>> 6] & (1L << slot)) != 0;
    }

    void referenced(int slot) {
        slots[slot * STRIDE + KEY] |= REFERENCED;
    }

    void clean(int slot) {
        dirtyBits[slot >>> 6] &= ~(1L << slot);
    }

    private void markDirty(int slot) {
        dirtyBits[slot >>> 6] |= 1L << slot;
    }

    private boolean isReferenced(int slot) {
        return (slots[slot * STRIDE + KEY] & REFERENCED) != 0;
    }

    /** Replaces the value of an occupied slot, marking it referenced (and dirty if {@code dirty}). */
    void setValue(int slot, byte[] value, boolean dirty) {
        int record = slot * STRIDE;
        int length = lengthOf(value);
        int keyLength = keyLength(slot);
        if (Math.max(0, length) == valueLength(slot)) {
            System.arraycopy(value, 0, arena, slots[record + OFFSET] + HEADER + keyLength, Math.max(0, length));
        } else {
            int entry = HEADER + keyLength + Math.max(0, length);
            int offset = reserve(entry);
            // After the reservation, which may have moved the old entry: copy its key from where it is now.
            System.arraycopy(arena, slots[record + OFFSET] + HEADER, arena, offset + HEADER, keyLength);
            System.arraycopy(value, 0, arena, offset + HEADER + keyLength, Math.max(0, length));
            header(offset, slot, entry);
            arenaLive += entry - entryBytes(slot);
            slots[record + OFFSET] = offset;
        }
        slots[record + VALUE] = length;
        slots[record + KEY] = keyLength | REFERENCED;
        if (dirty) {
            markDirty(slot);
        }
    }

    /** Sets the value of {@code key}, adding it if absent; returns its slot. Marks it referenced. */
    int put(byte[] key, byte[] value, boolean dirty) {
        return put(key, hash(key), value, dirty);
    }

    /** As {@link #put(byte[], byte[], boolean)}, with the key's {@link #hash} already computed. */
    int put(byte[] key, int hash, byte[] value, boolean dirty) {
        if (key.length > KEY_LENGTH) {
            throw new IllegalArgumentException("A key of " + key.length + " bytes is longer than the cache takes");
        }
        // At most half full: a lookup of an absent key (every new user) probes 2.5 slots on average, not 8.5.
        if ((size + 1) * 2 > capacity) {
            grow();
        }
        int slot = hash & mask;
        while (slots[slot * STRIDE + HASH] != 0) {
            if (slots[slot * STRIDE + HASH] == hash && keyIs(slot, key)) {
                setValue(slot, value, dirty);
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        int length = lengthOf(value);
        int entry = HEADER + key.length + Math.max(0, length);
        int offset = reserve(entry);
        header(offset, slot, entry);
        System.arraycopy(key, 0, arena, offset + HEADER, key.length);
        System.arraycopy(value, 0, arena, offset + HEADER + key.length, Math.max(0, length));
        arenaLive += entry;
        int record = slot * STRIDE;
        slots[record + HASH] = hash;
        slots[record + OFFSET] = offset;
        slots[record + KEY] = key.length | REFERENCED;
        slots[record + VALUE] = length;
        if (dirty) {
            markDirty(slot);
        } else {
            clean(slot);
        }
        size++;
        return slot;
    }

    /** Removes the entry of a slot, shifting back the entries probed past it. */
    void removeAt(int slot) {
        arenaLive -= entryBytes(slot);
        int hole = slot;
        for (int next = (hole + 1) & mask; slots[next * STRIDE + HASH] != 0; next = (next + 1) & mask) {
            int home = slots[next * STRIDE + HASH] & mask;
            // The entry at next may fill the hole if its home is not cyclically within (hole, next].
            boolean movable = hole <= next ? (home <= hole || home > next) : (home <= hole && home > next);
            if (movable) {
                moveSlot(next, hole);
                hole = next;
            }
        }
        slots[hole * STRIDE + HASH] = 0;
        clean(hole);
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
        for (int visited = 0; visited < capacity * 3; visited++) {
            int slot = clockHand;
            clockHand = (clockHand + 1) & mask;
            if (slots[slot * STRIDE + HASH] == 0 || dirty(slot)) {
                continue;
            }
            if (isReferenced(slot)) {
                slots[slot * STRIDE + KEY] &= KEY_LENGTH;
                continue;
            }
            return slot;
        }
        return -1;
    }

    void clear() {
        Arrays.fill(slots, 0);
        Arrays.fill(dirtyBits, 0);
        arena = new byte[MIN_ARENA];
        arenaUsed = 0;
        arenaLive = 0;
        size = 0;
        layoutVersion++;
    }

    private void grow() {
        int[] oldSlots = slots;
        long[] oldDirty = dirtyBits;
        int oldCapacity = capacity;
        allocate(capacity * 2);
        for (int i = 0; i < oldCapacity; i++) {
            int from = i * STRIDE;
            int hash = oldSlots[from + HASH];
            if (hash != 0) {
                int slot = hash & mask;
                while (slots[slot * STRIDE + HASH] != 0) {
                    slot = (slot + 1) & mask;
                }
                System.arraycopy(oldSlots, from, slots, slot * STRIDE, STRIDE);
                if ((oldDirty[i >>> 6] & (1L << i)) != 0) {
                    markDirty(slot);
                }
                INT.set(arena, slots[slot * STRIDE + OFFSET], slot);
            }
        }
        clockHand = 0;
        layoutVersion++;
    }

    private void moveSlot(int from, int to) {
        System.arraycopy(slots, from * STRIDE, slots, to * STRIDE, STRIDE);
        if (dirty(from)) {
            markDirty(to);
        } else {
            clean(to);
        }
        INT.set(arena, slots[to * STRIDE + OFFSET], to);
    }

    private int entryBytes(int slot) {
        return HEADER + keyLength(slot) + valueLength(slot);
    }

    private static int lengthOf(byte[] value) {
        return value == ABSENT ? ABSENT_LENGTH : value.length;
    }

    private void header(int offset, int slot, int entry) {
        INT.set(arena, offset, slot);
        INT.set(arena, offset + 4, entry);
    }

    /**
     * The arena offset of {@code length} free bytes at the end of its used part, making room first
     * if they do not fit: by sliding the live entries down over the space entries left behind, or,
     * when live entries fill three quarters of the arena, by copying them into a new one half again
     * as large as they are with the new entry. Entries move within the arena; slots do not.
     */
    private int reserve(int length) {
        if (arena.length - arenaUsed < length) {
            long needed = arenaLive + length;
            byte[] target = arena;
            if (needed * 4 > (long) arena.length * 3) {
                long capacity = Math.max(MIN_ARENA, needed + needed / 2);
                if (capacity > Integer.MAX_VALUE - 8) {
                    throw new IllegalStateException("The cache's entries outgrew one array: " + needed + " bytes");
                }
                target = new byte[(int) capacity];
            }
            compactInto(target);
        }
        int offset = arenaUsed;
        arenaUsed += length;
        return offset;
    }

    /**
     * Copies the live entries, in arena order, to the start of {@code target} (the arena itself or
     * a larger one): an entry is live if its header names an occupied slot whose offset is the
     * entry's. Each copy goes to an offset at or below its source, so sliding within one array
     * never overwrites an entry not yet copied.
     */
    private void compactInto(byte[] target) {
        byte[] source = arena;
        int used = 0;
        for (int at = 0; at < arenaUsed; ) {
            int slot = (int) INT.get(source, at);
            int entry = (int) INT.get(source, at + 4);
            if (slot >= 0
                    && slot < capacity
                    && slots[slot * STRIDE + HASH] != 0
                    && slots[slot * STRIDE + OFFSET] == at) {
                System.arraycopy(source, at, target, used, entry);
                slots[slot * STRIDE + OFFSET] = used;
                used += entry;
            }
            at += entry;
        }
        arena = target;
        arenaUsed = used;
    }
}
