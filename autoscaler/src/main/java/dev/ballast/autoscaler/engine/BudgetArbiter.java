package dev.ballast.autoscaler.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Shares a budget group's maximum total replicas among its policies: when the desired sum exceeds the budget, the
 * lowest priorities are trimmed first, one replica at a time from the largest among equals, never below a policy's
 * minimum (the way the cluster autoscaler treats low-priority pods as the first to give way).
 */
public final class BudgetArbiter {

    private BudgetArbiter() {
    }

    /** One policy's claim on the group: its key, priority (higher keeps replicas longer), minimum and desired. */
    public record Claim(String policy, int priority, int minReplicas, int desiredReplicas) {
    }

    /** The replicas each policy may have; {@code trimmed} when it got less than it asked for. */
    public record Grant(String policy, int replicas, boolean trimmed) {
    }

    public static Map<String, Grant> arbitrate(List<Claim> claims, int maxTotalReplicas) {
        Map<String, Integer> granted = new HashMap<>();
        long total = 0;
        for (Claim c : claims) {
            granted.put(c.policy(), c.desiredReplicas());
            total += c.desiredReplicas();
        }
        List<Claim> order = new ArrayList<>(claims);
        order.sort(Comparator.comparingInt(Claim::priority).thenComparing(Claim::policy));
        int i = 0;
        while (total > maxTotalReplicas && i < order.size()) {
            int priority = order.get(i).priority();
            int j = i;
            while (j < order.size() && order.get(j).priority() == priority) {
                j++;
            }
            List<Claim> tier = order.subList(i, j);
            // trim this tier one replica at a time, largest first, until it is at its minimums or the budget fits
            boolean trimmedAny = true;
            while (total > maxTotalReplicas && trimmedAny) {
                trimmedAny = false;
                Claim largest = null;
                for (Claim c : tier) {
                    int g = granted.get(c.policy());
                    if (g > c.minReplicas() && (largest == null || g > granted.get(largest.policy()))) {
                        largest = c;
                    }
                }
                if (largest != null) {
                    granted.merge(largest.policy(), -1, Integer::sum);
                    total--;
                    trimmedAny = true;
                }
            }
            i = j;
        }
        Map<String, Grant> out = new HashMap<>();
        for (Claim c : claims) {
            int g = granted.get(c.policy());
            out.put(c.policy(), new Grant(c.policy(), g, g < c.desiredReplicas()));
        }
        return out;
    }

    /**
     * Decides every policy of a group: a first pass for what each wants, arbitration, and a second pass with the
     * granted caps for those that were trimmed (so their history records the replicas they really get).
     */
    public static List<Decision> decideGroup(DecisionEngine engine, List<DecisionInput> inputs, List<String> keys,
                                             int maxTotalReplicas) {
        List<Decision> first = new ArrayList<>(inputs.size());
        List<Claim> claims = new ArrayList<>(inputs.size());
        for (int k = 0; k < inputs.size(); k++) {
            DecisionInput in = inputs.get(k);
            Decision d = engine.decide(in);
            first.add(d);
            Integer priority = in.spec().ballast().priority();
            claims.add(new Claim(keys.get(k), priority == null ? 0 : priority, in.spec().effectiveMinReplicas(),
                    d.desiredReplicas()));
        }
        Map<String, Grant> grants = arbitrate(claims, maxTotalReplicas);
        List<Decision> out = new ArrayList<>(inputs.size());
        for (int k = 0; k < inputs.size(); k++) {
            Grant g = grants.get(keys.get(k));
            out.add(g.trimmed() ? engine.decide(inputs.get(k).withBudgetCap(g.replicas())) : first.get(k));
        }
        return out;
    }
}
