package dev.ballast.lb;

/*
 * The in-flight count is the only field of an endpoint written on every request. Sharing a cache line with the
 * fields every pick reads (weight, ramp, spec), each acquire/release on one event loop would evict that line from the
 * other core: a round-robin pass over 100 peers paid ~2 cross-core misses per pick (JMH, 2 threads: 186 ns against
 * 42 on one). So the count gets a line of its own, with 64 bytes of padding on both sides. It lives at the start of
 * the Endpoint object itself (superclass fields are laid out first), not in a separate object, so least-conn's pass
 * reads it with one load per peer after the array element instead of two.
 * No hole may be left near the count: since JDK 15 a subclass field may be placed in a superclass's hole, and
 * Endpoint's weight or draining flag there shared the count's line (two threads: round robin 164 CPU ns per pick
 * instead of 77, least-conn 439). p0 fills the hole after the object header, fill the one after the count.
 */

/** Padding before {@link EndpointCounter#inFlight}. */
abstract class EndpointCounterPadBefore {
    int p0;
    long p1, p2, p3, p4, p5, p6, p7, p8;
}

/** The in-flight count; accessed through {@link Endpoint}'s VarHandle only. */
abstract class EndpointCounter extends EndpointCounterPadBefore {
    volatile int inFlight;
    /** Fills the 4-byte hole after the count, where the JVM would otherwise place one of Endpoint's own ints. */
    int fill;
}

/** Padding between the count and {@link Endpoint}'s own fields. */
abstract class EndpointCounterPadAfter extends EndpointCounter {
    long q1, q2, q3, q4, q5, q6, q7, q8;
}
