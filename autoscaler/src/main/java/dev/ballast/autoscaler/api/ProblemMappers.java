package dev.ballast.autoscaler.api;

import dev.ballast.autoscaler.policy.InvalidPolicyException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns refused requests into 400 problem details naming the fields; nothing else is changed by them. */
class ProblemMappers {

    @ServerExceptionMapper
    Response invalidRequest(InvalidRequestException e) {
        return Problem.badRequest(e.violations);
    }

    @ServerExceptionMapper
    Response invalidPolicy(InvalidPolicyException e) {
        return Problem.badRequest(e.violations());
    }
}
