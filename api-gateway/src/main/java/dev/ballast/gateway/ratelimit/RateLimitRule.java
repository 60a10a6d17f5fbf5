package dev.ballast.gateway.ratelimit;

/**
 * A route's limit: {@code rate} sustained, {@code burst} back to back, counted per {@code key} (client IP, a header's
 * value or the whole route), and what to do when Redis cannot decide.
 */
public record RateLimitRule(Rate rate, long burst, KeySource key, String header, FailMode failMode) {

    public enum KeySource { CLIENT_IP, HEADER, ROUTE }

    public enum FailMode { OPEN, CLOSED }

    public RateLimitRule {
        if (burst < 1) {
            throw new IllegalArgumentException("burst must be at least 1, was " + burst);
        }
    }

    /** The GCRA for this replica alone while Redis is away: rate and burst divided by the replica count. */
    public Gcra localShare(int replicas) {
        return new Gcra(rate.dividedAmong(replicas), Math.max(1, burst / Math.max(1, replicas)));
    }
}
