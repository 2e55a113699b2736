package io.loginstate.state.store;

import java.util.Arrays;

/**
 * Puts keys in unsigned byte order ({@link Arrays#compareUnsigned}) without comparing them: a
 * radix sort, one byte per pass, over the eight bytes after the keys' common prefix, held as
 * numbers in one array (passes where every key has the same byte are skipped), then the few keys
 * with the same eight bytes in whole-key order. A comparison sort of the keys themselves misses
 * the processor's caches on nearly every comparison; these passes read two arrays in order.
 */
final class KeyOrder {

    /** Runs of keys with the same eight bytes up to this long are sorted by insertion. */
    private static final int INSERTION_RUN = 16;

    private KeyOrder() {}

    /** The indices of {@code keys}, in the keys' unsigned byte order. */
    static int[] of(byte[][] keys) {
        int count = keys.length;
        int[] order = new int[count];
        if (count == 0) {
            return order;
        }
        int common = Keys.commonPrefixLength(keys);
        long[] digits = new long[count];
        for (int i = 0; i < count; i++) {
            digits[i] = Keys.bytesAt(keys[i], common);
            order[i] = i;
        }
        long[] digitsTo = new long[count];
        int[] orderTo = new int[count];
        int[] starts = new int[256];
        for (int shift = 0; shift < Long.SIZE; shift += Byte.SIZE) {
            Arrays.fill(starts, 0);
            for (long digit : digits) {
                starts[(int) (digit >>> shift) & 0xFF]++;
            }
            if (starts[(int) (digits[0] >>> shift) & 0xFF] == count) {
                continue; // every key has this byte: the pass would not move any
            }
            int sum = 0;
            for (int b = 0; b < starts.length; b++) {
                int inBucket = starts[b];
                starts[b] = sum;
                sum += inBucket;
            }
            for (int i = 0; i < count; i++) {
                int to = starts[(int) (digits[i] >>> shift) & 0xFF]++;
                digitsTo[to] = digits[i];
                orderTo[to] = order[i];
            }
            long[] sortedDigits = digitsTo;
            digitsTo = digits;
            digits = sortedDigits;
            int[] sortedOrder = orderTo;
            orderTo = order;
            order = sortedOrder;
        }
        for (int start = 0; start < count; ) {
            int end = start + 1;
            while (end < count && digits[end] == digits[start]) {
                end++;
            }
            if (end - start > 1) {
                sortByWholeKeys(keys, order, start, end);
            }
            start = end;
        }
        return order;
    }

    private static void sortByWholeKeys(byte[][] keys, int[] order, int from, int to) {
        if (to - from <= INSERTION_RUN) {
            for (int i = from + 1; i < to; i++) {
                int index = order[i];
                int j = i - 1;
                while (j >= from && Arrays.compareUnsigned(keys[order[j]], keys[index]) > 0) {
                    order[j + 1] = order[j];
                    j--;
                }
                order[j + 1] = index;
            }
            return;
        }
        Integer[] run = new Integer[to - from];
        for (int i = from; i < to; i++) {
            run[i - from] = order[i];
        }
        Arrays.sort(run, (a, b) -> Arrays.compareUnsigned(keys[a], keys[b]));
        for (int i = from; i < to; i++) {
            order[i] = run[i - from];
        }
    }
}
