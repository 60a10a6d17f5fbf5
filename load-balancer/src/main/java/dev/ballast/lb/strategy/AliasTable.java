package dev.ballast.lb.strategy;

/**
 * Vose's alias method over static weights: one 64-bit random number picks an index in proportion to its weight,
 * in O(1) with no search. Built once per snapshot; used when every endpoint is usable at full weight.
 */
final class AliasTable {

    private static final long ONE = 1L << 31;

    private final int[] threshold;
    private final int[] alias;

    AliasTable(long[] weights) {
        int n = weights.length;
        threshold = new int[n];
        alias = new int[n];
        long total = 0;
        for (long w : weights) {
            total += w;
        }
        if (n == 0 || total == 0) {
            return;
        }
        double[] scaled = new double[n];
        int[] small = new int[n];
        int[] large = new int[n];
        int s = 0;
        int l = 0;
        for (int i = 0; i < n; i++) {
            scaled[i] = (double) weights[i] * n / total;
            if (scaled[i] < 1.0) {
                small[s++] = i;
            } else {
                large[l++] = i;
            }
        }
        while (s > 0 && l > 0) {
            int less = small[--s];
            int more = large[--l];
            threshold[less] = (int) Math.round(scaled[less] * ONE);
            alias[less] = more;
            scaled[more] = scaled[more] + scaled[less] - 1.0;
            if (scaled[more] < 1.0) {
                small[s++] = more;
            } else {
                large[l++] = more;
            }
        }
        while (l > 0) {
            int i = large[--l];
            threshold[i] = (int) Math.min(Integer.MAX_VALUE, ONE);
            alias[i] = i;
        }
        while (s > 0) { // rounding leftovers
            int i = small[--s];
            threshold[i] = (int) Math.min(Integer.MAX_VALUE, ONE);
            alias[i] = i;
        }
    }

    /** Index drawn with probability weight/total from 64 random bits. */
    int draw(long bits) {
        int i = (int) (((bits >>> 32) * threshold.length) >>> 32);
        int coin = (int) (bits & 0x7fffffffL);
        return coin < threshold[i] ? i : alias[i];
    }
}
