package dev.ballast.exporter.intake;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** A token, small limits, and a cap of 3 agent names, so every intake rule can be shown with small bodies. */
public class IntakeProfile implements QuarkusTestProfile {

    static final String TOKEN = "s3cret-intake-token";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "ballast.exporter.intake.token", TOKEN,
                "ballast.exporter.intake.max-body-bytes", "4096",
                "ballast.exporter.intake.max-events", "20",
                "ballast.exporter.cardinality.label-caps.agent", "3");
    }
}
