package io.loginstate.state.store;

import java.util.Arrays;

/**
 * Puts keys in unsigned byte order ({@link Arrays#compareUnsigned}) almost without comparing
 * them: a radix sort, one byte per pass, over the eight bytes after the keys' common prefix, held
 * as numbers in one array (passes where every key has the same byte are skipped); keys with the
 * same eight bytes are sorted again by their next eight, and so on, and short runs of them by
 * insertion. A comparison sort of the keys themselves misses the processor's caches on nearly
 * every comparison; these passes read arrays in order.
 */
final class KeyOrder {

    /** Runs of keys this short are sorted by comparing whole keys. */
    private static final int INSERTION_RUN = 16;

    private KeyOrder() {}

    /** The indices of {@code keys}, in the keys' unsigned byte order. */
    static int[] of(byte[][] keys) {
        int[] order = new int[keys.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        sort(keys, order, 0, order.length, Keys.commonPrefixLength(keys));
        return order;
    }

    /** Sorts {@code order[from, to)}, whose keys are equal in their first {@code offset} bytes (zeros past a key's end). */
    private static void sort(byte[][] keys, int[] order, int from, int to, int offset) {
        int count = to - from;
        if (count <= INSERTION_RUN) {
            insertionSort(keys, order, from, to);
            return;
        }
        int longest = 0;
        for (int i = from; i < to; i++) {
            longest = Math.max(longest, keys[order[i]].length);
        }
        if (offset >= longest) {
            // Distinct keys equal so far differ only in how many zero bytes they end with: few.
            insertionSort(keys, order, from, to);
            return;
        }
        long[] digits = new long[count];
        int[] indices = new int[count];
        for (int i = 0; i < count; i++) {
            indices[i] = order[from + i];
            digits[i] = Keys.bytesAt(keys[indices[i]], offset);
        }
        radixSort(digits, indices);
        System.arraycopy(indices, 0, order, from, count);
        for (int start = 0; start < count; ) {
            int end = start + 1;
            while (end < count && digits[end] == digits[start]) {
                end++;
            }
            if (end - start > 1) {
                sort(keys, order, from + start, from + end, offset + Long.BYTES);
            }
            start = end;
        }
    }

    /** Sorts {@code digits} as unsigned numbers, carrying {@code indices} along; stable. */
    private static void radixSort(long[] digits, int[] indices) {
        int count = digits.length;
        long[] digitsTo = new long[count];
        int[] indicesTo = new int[count];
        long[] digitsFrom = digits;
        int[] indicesFrom = indices;
        int[] starts = new int[256];
        for (int shift = 0; shift < Long.SIZE; shift += Byte.SIZE) {
            Arrays.fill(starts, 0);
            for (long digit : digitsFrom) {
                starts[(int) (digit >>> shift) & 0xFF]++;
            }
            if (starts[(int) (digitsFrom[0] >>> shift) & 0xFF] == count) {
                continue; // every number has this byte: the pass would not move any
            }
            int sum = 0;
            for (int b = 0; b < starts.length; b++) {
                int inBucket = starts[b];
                starts[b] = sum;
                sum += inBucket;
            }
            for (int i = 0; i < count; i++) {
                int to = starts[(int) (digitsFrom[i] >>> shift) & 0xFF]++;
                digitsTo[to] = digitsFrom[i];
                indicesTo[to] = indicesFrom[i];
            }
            long[] swapDigits = digitsTo;
            digitsTo = digitsFrom;
            digitsFrom = swapDigits;
            int[] swapIndices = indicesTo;
            indicesTo = indicesFrom;
            indicesFrom = swapIndices;
        }
        if (digitsFrom != digits) {
            System.arraycopy(digitsFrom, 0, digits, 0, count);
            System.arraycopy(indicesFrom, 0, indices, 0, count);
        }
    }

    private static void insertionSort(byte[][] keys, int[] order, int from, int to) {
        for (int i = from + 1; i < to; i++) {
            int index = order[i];
            int j = i - 1;
            while (j >= from && Arrays.compareUnsigned(keys[order[j]], keys[index]) > 0) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = index;
        }
    }
}
