package dev.ballast.exporter.collector;

import java.util.Locale;

/** A failed collection with a bounded reason, so errors can be counted by reason without exploding labels. */
public class CollectionException extends RuntimeException {

    public enum Reason {
        /** The target did not answer within its timeout. */
        TIMEOUT,
        /** Could not connect, or the connection broke. */
        CONNECTION,
        /** The target answered with an HTTP status that is not a success. */
        HTTP_STATUS,
        /** The answer did not have the expected shape. */
        PARSE,
        /** The source is not present here (e.g. no nvidia-smi). */
        UNAVAILABLE,
        /** Anything else. */
        OTHER;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;

    public CollectionException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public CollectionException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** The reason for any failure: ours when we know it, otherwise guessed from the exception type. */
    public static Reason reasonOf(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof CollectionException c) {
                return c.reason();
            }
            if (t instanceof java.util.concurrent.TimeoutException || t instanceof java.net.http.HttpTimeoutException
                    || t instanceof io.smallrye.mutiny.TimeoutException) {
                return Reason.TIMEOUT;
            }
            if (t instanceof java.net.ConnectException || t instanceof java.io.IOException
                    || t.getClass().getName().contains("Connection")) {
                return Reason.CONNECTION;
            }
            if (t instanceof com.fasterxml.jackson.core.JsonProcessingException || t instanceof NumberFormatException) {
                return Reason.PARSE;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return Reason.OTHER;
    }
}
