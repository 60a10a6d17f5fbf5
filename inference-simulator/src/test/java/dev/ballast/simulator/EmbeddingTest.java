package dev.ballast.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Embedding the simulator in tests and benchmarks")
class EmbeddingTest {

    @Test
    void port_zero_picks_a_free_loopback_port_and_close_frees_it() {
        InferenceSimulator simulator = FastSimulator.start();
        int port = simulator.port();

        assertThat(port).isPositive();
        assertThat(simulator.baseUrl()).isEqualTo("http://127.0.0.1:" + port);
        assertThat(new SimulatorClient(simulator).get("/health").statusCode()).isEqualTo(200);

        simulator.close();
        simulator.close();
        assertThatThrownBy(() -> new Socket().connect(new InetSocketAddress("127.0.0.1", port), 2_000))
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void several_simulators_share_a_given_vertx_which_close_leaves_running() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            InferenceSimulator first = InferenceSimulator.start(vertx, FastSimulator.config().name("a").build());
            InferenceSimulator second = InferenceSimulator.start(vertx, FastSimulator.config().name("b").build());

            assertThat(first.port()).isNotEqualTo(second.port());
            first.close();

            assertThat(new SimulatorClient(second).get("/v1/models").statusCode()).isEqualTo(200);
            second.close();
            assertThat(vertx.deploymentIDs()).isEmpty();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    @Test
    void a_taken_port_fails_the_start_with_a_message_naming_it() throws IOException {
        try (InferenceSimulator first = FastSimulator.start()) {
            SimulatorConfig clash = FastSimulator.config().port(first.port()).build();

            assertThatThrownBy(() -> InferenceSimulator.start(clash))
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + first.port());
        }
    }

    @Test
    void every_response_names_the_instance_and_bench_answers_a_fixed_tiny_body() {
        try (InferenceSimulator simulator = InferenceSimulator.start(FastSimulator.config().name("sim-7").build())) {
            SimulatorClient client = new SimulatorClient(simulator);

            HttpResponse<String> bench = client.get("/bench");
            HttpResponse<String> missing = client.get("/nowhere");

            assertThat(bench.statusCode()).isEqualTo(200);
            assertThat(bench.body()).isEqualTo("{\"ok\":true,\"name\":\"sim-7\"}");
            assertThat(bench.headers().firstValue("X-Ballast-Simulator")).hasValue("sim-7");
            assertThat(missing.headers().firstValue("X-Ballast-Simulator")).hasValue("sim-7");
        }
    }

    @Test
    void the_ready_line_names_the_instance_and_its_url() {
        try (InferenceSimulator simulator = InferenceSimulator.start(FastSimulator.config().name("sim-1").build())) {
            assertThat(InferenceSimulatorMain.readyLine(simulator))
                    .startsWith("inference-simulator sim-1 ready on " + simulator.baseUrl())
                    .contains("slots=4");
        }
    }
}
