package io.loginstate.bench;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Draws ranks 1..n with probability proportional to 1/rank^s, by binary search over the CDF. */
public final class ZipfSampler {

    private final double[] cdf;

    public ZipfSampler(int n, double s) {
        cdf = new double[n];
        double sum = 0;
        for (int rank = 1; rank <= n; rank++) {
            sum += 1.0 / Math.pow(rank, s);
            cdf[rank - 1] = sum;
        }
        for (int i = 0; i < n; i++) {
            cdf[i] /= sum;
        }
    }

    public int sample(SplittableRandom random) {
        int index = Arrays.binarySearch(cdf, random.nextDouble());
        return (index >= 0 ? index : -index - 1) + 1;
    }
}
