package dev.ballast.autoscaler.runtime;

import java.util.Map;

/** Manual ticks over the two policies of budget group gpu-pool (10 replicas) in {@code runtime/budget-policies.yaml}. */
public class BudgetGroupTicks extends ClockedProfile {

    public BudgetGroupTicks() {
        super(Map.of("ballast.autoscaler.runtime.scheduler-enabled", "false",
                "ballast.autoscaler.policies-file", "classpath:runtime/budget-policies.yaml",
                "ballast.autoscaler.budget-groups.\"gpu-pool\".max-replicas", "10"));
    }
}
