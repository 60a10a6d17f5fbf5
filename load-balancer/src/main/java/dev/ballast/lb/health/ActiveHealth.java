package dev.ballast.lb.health;

/**
 * HAProxy active check state for one endpoint: a health counter from 0 to rise+fall-1, UP from rise
 * (src/check.c). Like HAProxy at startup a trusted endpoint starts at health=rise, so its first failed probe marks it
 * down; an untrusted one starts down and, as Envoy does at startup, needs a single passing probe.
 */
public final class ActiveHealth {

    /** What one probe result changed. */
    /** FIRST_UP: the first passing probe of an endpoint that started down (it was never seen failed). */
    public enum Transition { NONE, UP, FIRST_UP, DOWN }

    private final int rise;
    private final int fall;
    private int health;
    private boolean everPassed;
    private volatile boolean up;

    public ActiveHealth(int rise, int fall, boolean initialHealthy) {
        this.rise = rise;
        this.fall = fall;
        this.up = initialHealthy;
        this.health = initialHealthy ? rise : 0;
        this.everPassed = initialHealthy;
    }

    public synchronized Transition record(boolean success) {
        if (success) {
            if (!everPassed) {
                everPassed = true;
                health = rise + fall - 1;
                return setUp(true) == Transition.UP ? Transition.FIRST_UP : Transition.NONE;
            }
            if (health < rise + fall - 1) {
                health++;
                if (health >= rise) {
                    health = rise + fall - 1;
                    return setUp(true);
                }
            }
            return Transition.NONE;
        }
        if (health > rise) {
            health--;
            return Transition.NONE;
        }
        health = 0;
        return setUp(false);
    }

    private Transition setUp(boolean value) {
        if (up == value) {
            return Transition.NONE;
        }
        up = value;
        return value ? Transition.UP : Transition.DOWN;
    }

    public boolean isUp() {
        return up;
    }
}
