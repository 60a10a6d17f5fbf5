package dev.ballast.lb;

/**
 * How one use of an endpoint ended; feeds passive health (nginx), outlier detection (Envoy) and effective weight.
 * Envoy counts every 5xx towards consecutive_5xx and 502/503/504 (and local connect failures) towards
 * consecutive_gateway_failure; a timeout is treated like 504.
 */
public enum Outcome {
    SUCCESS,
    /** 5xx other than 502, 503, 504. */
    SERVER_ERROR,
    /** Connect error, 502, 503, 504. */
    GATEWAY_FAILURE,
    TIMEOUT,
    /** The client went away (or stalled): says nothing about the endpoint. */
    CLIENT_ABORT,
    /**
     * The gateway ended a use that was going well, by a limit of its own (a route's total timeout cutting a long
     * stream or WebSocket after the endpoint answered): says nothing about the endpoint, like {@link #CLIENT_ABORT},
     * but kept apart so logs and metrics do not call it a client abort.
     */
    LOCAL_LIMIT;

    /**
     * Maps an upstream HTTP status: 1xx-4xx are successes for health purposes (a 4xx is the caller's fault),
     * 502/503/504 are gateway failures, any other 5xx a server error.
     */
    public static Outcome ofStatus(int httpStatus) {
        if (httpStatus < 100 || httpStatus > 599) {
            throw new IllegalArgumentException("HTTP status " + httpStatus + " is outside 100..599");
        }
        if (httpStatus >= 502 && httpStatus <= 504) {
            return GATEWAY_FAILURE;
        }
        return httpStatus >= 500 ? SERVER_ERROR : SUCCESS;
    }

    /**
     * Says nothing about the endpoint's health: no passive failure, no outlier counter moves (not even a reset).
     * Only the in-flight count drops, and an endpoint on its trial request after fail_timeout passes it, as nginx
     * frees a peer without NGX_PEER_FAILED for a client that went away.
     */
    public boolean isNeutral() {
        return this == CLIENT_ABORT || this == LOCAL_LIMIT;
    }

    /** Counts as a failure for nginx max_fails: nginx's default proxy_next_upstream is "error timeout". */
    public boolean isPassiveFailure() {
        return this == GATEWAY_FAILURE || this == TIMEOUT;
    }

    /** Counts towards Envoy consecutive_5xx (every 5xx, local connect failures and timeouts map to 503/504). */
    public boolean is5xx() {
        return this == SERVER_ERROR || this == GATEWAY_FAILURE || this == TIMEOUT;
    }

    /** Counts towards Envoy consecutive_gateway_failure. */
    public boolean isGatewayFailure() {
        return this == GATEWAY_FAILURE || this == TIMEOUT;
    }
}
