package dev.ballast.lb.strategy;

import dev.ballast.lb.Eligibility;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.RandomSource;

/**
 * Least request by the power of two choices (Envoy LEAST_REQUEST, choice_count 2), with two distinct draws
 * (HAProxy's draws-with-replacement caveat). The draws are weighted, and the winner is the draw with the larger
 * Envoy load factor 1/(in_flight+1)^bias: Envoy's weight/(in_flight+1)^bias with the weight already spent on the
 * draw, so an idle pool follows the weights exactly. bias 0 turns load awareness off (weighted random), as in Envoy.
 */
public final class LeastRequest implements Strategy {

    private final WeightedRandom draws;
    private final double bias;

    public LeastRequest(Endpoint[] peers, double activeRequestBias, RandomSource random) {
        this.draws = new WeightedRandom(peers, random);
        this.bias = activeRequestBias;
    }

    @Override
    public Endpoint pick(PickContext context, Eligibility eligibility, long nowNanos) {
        int n = draws.size();
        if (n > 1 && WeightedRandom.pristine(context, eligibility)) {
            return pickPristine(context, eligibility, nowNanos);
        }
        int a = draws.draw(-1, context, eligibility, nowNanos);
        Endpoint first = a >= 0 ? draws.peer(a) : draws.scan(-1, context, eligibility, nowNanos);
        if (first == null || bias == 0.0) {
            return first;
        }
        if (a < 0) {
            a = draws.indexOf(first);
        }
        int b = draws.draw(a, context, eligibility, nowNanos);
        Endpoint second = b >= 0 ? draws.peer(b) : draws.scan(a, context, eligibility, nowNanos);
        if (second == null) {
            return first;
        }
        return better(first, second);
    }

    /** Every peer usable at full weight: two alias-table draws, redrawn until distinct. */
    private Endpoint pickPristine(PickContext context, Eligibility eligibility, long nowNanos) {
        int a = draws.drawPristine();
        Endpoint first = draws.peer(a);
        if (bias == 0.0) {
            return first;
        }
        for (int attempt = 0; attempt < WeightedRandom.DRAW_ATTEMPTS; attempt++) {
            int b = draws.drawPristine();
            if (b != a) {
                return better(first, draws.peer(b));
            }
        }
        // One endpoint holds nearly all the weight: draw the second exactly among the others.
        Endpoint second = draws.scan(a, context, eligibility, nowNanos);
        return second == null ? first : better(first, second);
    }

    /** (x+1)^bias is increasing for bias > 0, so comparing in-flight counts equals comparing the factors. */
    private static Endpoint better(Endpoint first, Endpoint second) {
        return second.inFlight() < first.inFlight() ? second : first;
    }
}
