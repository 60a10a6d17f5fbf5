package dev.ballast.simulator;

import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar inference-simulator.jar --port 9101 --slots 4 ...}: starts one simulator, prints one
 * ready line, and stops cleanly on SIGTERM/SIGINT (the JVM runs shutdown hooks for both).
 */
public final class InferenceSimulatorMain {

    private InferenceSimulatorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (CommandLine.wantsHelp(args)) {
            System.out.println(CommandLine.usage());
            return;
        }
        SimulatorConfig config;
        try {
            config = CommandLine.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("inference-simulator: " + e.getMessage());
            System.err.println(CommandLine.usage());
            System.exit(2);
            return;
        }
        InferenceSimulator simulator;
        try {
            simulator = InferenceSimulator.start(config);
        } catch (RuntimeException e) {
            System.err.println("inference-simulator: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            simulator.close();
            System.out.println("inference-simulator " + config.name() + " stopped");
            stopped.countDown();
        }, "simulator-shutdown"));
        System.out.println(readyLine(simulator));
        System.out.flush();
        stopped.await();
    }

    static String readyLine(InferenceSimulator simulator) {
        SimulatorConfig c = simulator.config();
        return "inference-simulator " + c.name() + " ready on " + simulator.baseUrl()
                + " model=" + c.model() + " slots=" + c.slots() + " max-queue=" + c.maxQueue()
                + " ttft-ms=" + c.ttftMillis() + " tokens-per-second=" + c.tokensPerSecond()
                + " output-tokens=" + c.outputTokens() + " jitter=" + c.jitter();
    }
}
