package dev.ballast.autoscaler.policy;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when a spec breaks the HPA's or Ballast's validation rules; carries every violation found. */
public class InvalidPolicyException extends RuntimeException {

    private final transient List<Violation> violations;

    public InvalidPolicyException(List<Violation> violations) {
        super(violations.stream().map(Violation::toString).collect(Collectors.joining("; ")));
        this.violations = List.copyOf(violations);
    }

    public List<Violation> violations() {
        return violations;
    }
}
