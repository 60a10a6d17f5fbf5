package dev.ballast.autoscaler.engine;

/** An autoscaling/v2 HorizontalPodAutoscalerCondition (type, "True"/"False", reason, message). */
public record Condition(String type, String status, String reason, String message) {

    public static final String ABLE_TO_SCALE = "AbleToScale";
    public static final String SCALING_ACTIVE = "ScalingActive";
    public static final String SCALING_LIMITED = "ScalingLimited";
    /** Ballast conditions, set only where an extension acts. */
    public static final String ACTIVATION = "Active";
    public static final String FALLBACK = "FallbackActive";
    public static final String BURST = "BurstProtection";
    public static final String PREDICTIVE = "Predictive";
    public static final String BUDGET = "BudgetLimited";
    public static final String OVERRIDE = "Overridden";

    public static Condition of(String type, boolean status, String reason, String message) {
        return new Condition(type, status ? "True" : "False", reason, message);
    }

    /** Whether the condition holds (status "True"); not named isTrue so JSON carries no extra property. */
    public boolean holds() {
        return "True".equals(status);
    }
}
