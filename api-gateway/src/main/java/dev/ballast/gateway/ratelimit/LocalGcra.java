package dev.ballast.gateway.ratelimit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The in-process limiter that decides while Redis is absent, failing or slow: the same GCRA over a map of TATs,
 * one per key. The caller hands it each replica's share of the budget, so N replicas together stay near the limit.
 * Keys whose budget is full again are swept once the map grows past {@code maxKeys}, so idle clients cost nothing.
 */
public final class LocalGcra {

    private final Map<String, Long> tats = new ConcurrentHashMap<>();
    private final LongSupplier clockMicros;
    private final int maxKeys;

    public LocalGcra(LongSupplier clockMicros, int maxKeys) {
        this.clockMicros = clockMicros;
        this.maxKeys = maxKeys;
    }

    /** One decision; atomic per key (compute holds the key's bin), so event loops never race on one budget. */
    public Gcra.Decision decide(String key, Gcra gcra) {
        long now = clockMicros.getAsLong();
        Gcra.Decision[] decision = new Gcra.Decision[1];
        tats.compute(key, (k, stored) -> {
            decision[0] = gcra.decide(stored == null ? 0 : stored, now);
            return decision[0].tat();
        });
        if (tats.size() > maxKeys) {
            tats.values().removeIf(tat -> tat <= now);
        }
        return decision[0];
    }

    int keys() {
        return tats.size();
    }
}
