package io.loginstate.bench.throughput.oracle;

import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * Which users the verification queries: the hottest ranks (the most updated state, where lost or
 * doubled updates show first) and a seeded draw from all the others, mostly cold users with a
 * handful of events or none at all (these must answer 404). The same users on every run.
 */
public final class VerificationSample {

    private static final long SEED = 0x5a3c1eL;

    private VerificationSample() {}

    /** {@code size} distinct ranks of 1..users, the first {@code hottest} of them 1..hottest. */
    public static int[] of(int users, int size, int hottest) {
        int total = Math.min(size, users);
        int hot = total == users ? total : Math.min(hottest, total);
        int[] ranks = new int[total];
        BitSet taken = new BitSet(users + 1);
        for (int rank = 1; rank <= hot; rank++) {
            ranks[rank - 1] = rank;
            taken.set(rank);
        }
        SplittableRandom random = new SplittableRandom(SEED);
        for (int i = hot; i < total; i++) {
            int rank;
            do {
                rank = hot + 1 + random.nextInt(users - hot);
            } while (taken.get(rank));
            taken.set(rank);
            ranks[i] = rank;
        }
        return ranks;
    }
}
