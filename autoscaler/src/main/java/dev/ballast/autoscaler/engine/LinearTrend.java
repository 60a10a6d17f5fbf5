package dev.ballast.autoscaler.engine;

/** Least-squares line through the recent samples, extrapolated ahead (the predictive HPA's linear model). */
public final class LinearTrend {

    private LinearTrend() {
    }

    /** Forecasts {@code 1..steps} samples ahead from the last {@code window} samples; null with fewer than 2. */
    public static double[] forecast(double[] x, int window, int steps) {
        int n = Math.min(x.length, Math.max(2, window));
        if (n < 2 || steps < 1) {
            return null;
        }
        int offset = x.length - n;
        double sumT = 0;
        double sumY = 0;
        double sumTT = 0;
        double sumTY = 0;
        for (int i = 0; i < n; i++) {
            double y = x[offset + i];
            sumT += i;
            sumY += y;
            sumTT += (double) i * i;
            sumTY += i * y;
        }
        double slope = (n * sumTY - sumT * sumY) / (n * sumTT - sumT * sumT);
        double intercept = (sumY - slope * sumT) / n;
        double[] out = new double[steps];
        for (int h = 1; h <= steps; h++) {
            out[h - 1] = intercept + slope * (n - 1 + h);
        }
        return out;
    }
}
