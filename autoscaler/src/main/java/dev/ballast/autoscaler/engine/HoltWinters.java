package dev.ballast.autoscaler.engine;

/**
 * Additive Holt-Winters (triple exponential smoothing) over evenly spaced samples, as used by the predictive HPA
 * (jthomperoo/predictive-horizontal-pod-autoscaler) with a daily season. Needs two full seasons to initialise.
 */
public final class HoltWinters {

    private HoltWinters() {
    }

    /**
     * Forecasts {@code 1..steps} samples ahead and returns them, or null when fewer than two seasons of history
     * exist (the caller then falls back to a linear trend).
     */
    public static double[] forecast(double[] x, int season, int steps, double alpha, double beta, double gamma) {
        int n = x.length;
        if (season < 2 || n < 2 * season || steps < 1) {
            return null;
        }
        double level = 0;
        double second = 0;
        for (int i = 0; i < season; i++) {
            level += x[i];
            second += x[season + i];
        }
        level /= season;
        second /= season;
        double trend = (second - level) / season;
        double[] seasonal = new double[season];
        for (int i = 0; i < season; i++) {
            seasonal[i] = x[i] - level;
        }
        for (int t = season; t < n; t++) {
            int phase = t % season;
            double previousLevel = level;
            level = alpha * (x[t] - seasonal[phase]) + (1 - alpha) * (level + trend);
            trend = beta * (level - previousLevel) + (1 - beta) * trend;
            seasonal[phase] = gamma * (x[t] - level) + (1 - gamma) * seasonal[phase];
        }
        double[] out = new double[steps];
        for (int h = 1; h <= steps; h++) {
            out[h - 1] = level + h * trend + seasonal[(n - 1 + h) % season];
        }
        return out;
    }
}
