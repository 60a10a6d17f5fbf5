package dev.ballast.autoscaler.api;

import dev.ballast.autoscaler.policy.Violation;

import java.util.List;

/** A request the API refuses, with the fields at fault; mapped to a 400 problem detail. */
class InvalidRequestException extends RuntimeException {

    final transient List<Violation> violations;

    InvalidRequestException(List<Violation> violations) {
        super(violations.toString());
        this.violations = List.copyOf(violations);
    }

    InvalidRequestException(String field, String message) {
        this(List.of(new Violation(field, message)));
    }
}
