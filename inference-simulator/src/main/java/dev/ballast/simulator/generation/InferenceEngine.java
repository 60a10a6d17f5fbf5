package dev.ballast.simulator.generation;

import dev.ballast.simulator.SimulatorConfig;
import dev.ballast.simulator.SimulatorStats;
import dev.ballast.simulator.fault.FaultSwitch;
import dev.ballast.simulator.fault.Faults;
import dev.ballast.simulator.http.ResponseChannel;
import dev.ballast.simulator.metrics.VllmMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * The simulated model server behind every protocol: injects faults, admits requests to slots or the FIFO
 * queue, runs each generation and keeps the vLLM metrics and admin stats. Runs on one event loop.
 */
public final class InferenceEngine {

    private final Vertx vertx;
    private final SimulatorConfig config;
    private final FaultSwitch faults;
    private final RandomGenerator random;
    private final TimingModel timing;
    private final SlotScheduler scheduler;
    private final VllmMetrics metrics;
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong injectedErrors = new AtomicLong();
    private final AtomicLong aborted = new AtomicLong();
    private final AtomicInteger hanging = new AtomicInteger();

    public InferenceEngine(Vertx vertx, SimulatorConfig config, FaultSwitch faults, RandomGenerator random) {
        this.vertx = vertx;
        this.config = config;
        this.faults = faults;
        this.random = random;
        this.timing = new TimingModel(config, random);
        this.scheduler = new SlotScheduler(config.slots(), config.maxQueue());
        this.metrics = new VllmMetrics(config.model(), scheduler);
    }

    /** Serves one parsed inference request through faults, queue and generation. */
    public void serve(HttpServerRequest request, InferenceJob job, ProtocolErrors errors) {
        long arrivedNanos = System.nanoTime();
        Faults active = faults.current();
        if (active.errorRate() > 0 && random.nextDouble() < active.errorRate()) {
            injectedErrors.incrementAndGet();
            errors.send(request.response(), active.errorStatus(),
                    "injected fault: errorRate=" + active.errorRate() + " answered " + active.errorStatus());
            return;
        }
        if (active.hang()) {
            hang(request);
            return;
        }
        Exchange exchange = new Exchange(job, new ResponseChannel(request, active.dropMidStream()), active, arrivedNanos);
        if (!scheduler.admit(exchange.ticket)) {
            exchange.ended = true;
            rejected.incrementAndGet();
            request.response().putHeader("Retry-After", "1");
            errors.send(request.response(), errors.overloadedStatus(), errors.overloadedMessage(config.maxQueue()));
            return;
        }
        job.admitted(exchange.channel);
    }

    /** The hang fault: accept, never answer; the request only leaves when the client closes the connection. */
    private void hang(HttpServerRequest request) {
        hanging.incrementAndGet();
        request.response().closeHandler(ignored -> hanging.decrementAndGet());
    }

    public VllmMetrics metrics() {
        return metrics;
    }

    public SimulatorStats stats() {
        int running = scheduler.running();
        int queued = scheduler.queued();
        int hung = hanging.get();
        return new SimulatorStats(served.get(), running + queued + hung, running, queued, hung, rejected.get(),
                injectedErrors.get(), aborted.get(), metrics.promptTokens(), metrics.generationTokens());
    }

    /** One request from admission to its last byte; decorates the protocol's sink with metrics and slot release. */
    private final class Exchange implements TokenSink {
        private final InferenceJob job;
        private final ResponseChannel channel;
        private final Faults active;
        private final long arrivedNanos;
        private final SlotScheduler.Ticket ticket = new SlotScheduler.Ticket(this::start);
        private Generation generation;
        private TokenSink target;
        private long lastTokenNanos;
        private boolean ended;

        Exchange(InferenceJob job, ResponseChannel channel, Faults active, long arrivedNanos) {
            this.job = job;
            this.channel = channel;
            this.active = active;
            this.arrivedNanos = arrivedNanos;
            channel.onClosed(this::abort);
        }

        /** The scheduler granted a slot: plan the generation and start emitting. */
        void start() {
            TokenPlan plan = timing.plan(job.promptTokens(), job.maxTokens(), active);
            target = job.open(plan, channel);
            if (ended) {
                return; // the connection dropped while the response opened (dropMidStream 0)
            }
            generation = new Generation(vertx, plan, timing, this, arrivedNanos);
            generation.start();
        }

        @Override
        public void firstToken(GenerationTimes times) {
            metrics.firstToken(generation.plan().promptTokens(), times);
            target.firstToken(times);
        }

        @Override
        public void token(String text) {
            long now = System.nanoTime();
            metrics.generatedToken(lastTokenNanos == 0 ? -1 : now - lastTokenNanos);
            lastTokenNanos = now;
            target.token(text);
        }

        @Override
        public void done(GenerationTimes times) {
            if (ended) {
                return;
            }
            ended = true;
            target.done(times);
            metrics.finished(generation.plan().finishReason(), times);
            served.incrementAndGet();
            scheduler.finish(ticket);
        }

        /** Client gone or connection dropped: free the slot (or the queue place) at once. */
        void abort() {
            if (ended) {
                return;
            }
            ended = true;
            if (generation != null) {
                generation.cancel();
            }
            boolean wasRunning = ticket.running();
            scheduler.finish(ticket);
            if (wasRunning) {
                metrics.finished("abort", null);
            }
            aborted.incrementAndGet();
        }
    }
}
