package dev.ballast.autoscaler.source;

/** A source could not answer (unreachable, timed out, error, empty or ambiguous result): missing data, never zero. */
public class MissingDataException extends Exception {

    public MissingDataException(String message) {
        super(message);
    }

    public MissingDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
