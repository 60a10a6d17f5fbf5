package dev.ballast.simulator;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One fast simulator for a whole test class, with faults reset after each test:
 * {@code @RegisterExtension static final SimulatorExtension sim = new SimulatorExtension();}
 */
final class SimulatorExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

    private InferenceSimulator simulator;
    private SimulatorClient client;

    @Override
    public void beforeAll(ExtensionContext context) {
        simulator = FastSimulator.start();
        client = new SimulatorClient(simulator);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        simulator.faults().reset();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        simulator.close();
    }

    InferenceSimulator simulator() {
        return simulator;
    }

    SimulatorClient client() {
        return client;
    }
}
