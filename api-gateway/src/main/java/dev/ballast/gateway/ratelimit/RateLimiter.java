package dev.ballast.gateway.ratelimit;

import io.vertx.core.Future;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Decides one request against a route's limit: in Redis when it answers in time (one budget for all replicas),
 * otherwise locally on this replica's share ({@code replicas} divisor) when the rule fails open, or refuses when it
 * fails closed. After a Redis failure the next {@code retryMillis} go straight to the local limiter (no timeout paid
 * per request); then one request tries Redis again, so recovery needs no operator.
 */
public final class RateLimiter {

    /** Who decided; {@code UNAVAILABLE} means Redis failed and the rule fails closed (answer 503). */
    public enum Source { REDIS, LOCAL, UNAVAILABLE }

    /** The outcome; {@code decision} is null when {@code source} is UNAVAILABLE. */
    public record Verdict(Source source, Gcra.Decision decision) {
        public boolean allowed() {
            return decision != null && decision.allowed();
        }
    }

    private final RedisGcra redis;
    private final LocalGcra local;
    private final int replicas;
    private final LongSupplier clockMillis;
    private final long retryMillis;
    private volatile long redisRetryAt;
    private volatile boolean redisUp = true;
    private final LongAdder redisDecisions = new LongAdder();
    private final LongAdder localDecisions = new LongAdder();

    /** {@code redis} may be null: then every decision is local (no Redis configured). */
    public RateLimiter(RedisGcra redis, LocalGcra local, int replicas, LongSupplier clockMillis, long retryMillis) {
        this.redis = redis;
        this.local = local;
        this.replicas = Math.max(1, replicas);
        this.clockMillis = clockMillis;
        this.retryMillis = retryMillis;
        this.redisUp = redis != null;
    }

    public Future<Verdict> decide(String key, RateLimitRule rule) {
        if (redis == null || clockMillis.getAsLong() < redisRetryAt) {
            return Future.succeededFuture(fallback(key, rule));
        }
        return redis.decide(key, rule.rate(), rule.burst()).transform(result -> {
            if (result.succeeded()) {
                redisUp = true;
                redisDecisions.increment();
                return Future.succeededFuture(new Verdict(Source.REDIS, result.result()));
            }
            redisUp = false;
            redisRetryAt = clockMillis.getAsLong() + retryMillis;
            return Future.succeededFuture(fallback(key, rule));
        });
    }

    private Verdict fallback(String key, RateLimitRule rule) {
        if (rule.failMode() == RateLimitRule.FailMode.CLOSED) {
            return new Verdict(Source.UNAVAILABLE, null);
        }
        localDecisions.increment();
        return new Verdict(Source.LOCAL, local.decide(key, rule.localShare(replicas)));
    }

    /** False while decisions fall back to the local limiter (readiness data and the redis.up gauge). */
    public boolean redisUp() {
        return redisUp;
    }

    public long redisDecisions() {
        return redisDecisions.sum();
    }

    public long localDecisions() {
        return localDecisions.sum();
    }
}
