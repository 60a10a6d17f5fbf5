package dev.ballast.exporter.metrics;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** A histogram that many threads observe into without locks; {@link #snapshot()} gives cumulative buckets for a scrape. */
public final class LiveHistogram {

    private final double[] bounds;
    private final LongAdder[] buckets; // per bucket, not cumulative; last one is +Inf
    private final DoubleAdder sum = new DoubleAdder();

    public LiveHistogram(double[] bounds) {
        this.bounds = bounds.clone();
        this.buckets = new LongAdder[bounds.length + 1];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    public void observe(double value) {
        int i = 0;
        while (i < bounds.length && value > bounds[i]) {
            i++;
        }
        buckets[i].increment();
        sum.add(value);
    }

    public HistogramData snapshot() {
        long[] cumulative = new long[bounds.length];
        long running = 0;
        for (int i = 0; i < bounds.length; i++) {
            running += buckets[i].sum();
            cumulative[i] = running;
        }
        running += buckets[bounds.length].sum();
        return new HistogramData(bounds, cumulative, running, sum.sum());
    }
}
