package dev.ballast.gateway.routing;

import dev.ballast.gateway.config.RetrySettings;
import dev.ballast.gateway.config.RouteSettings;
import dev.ballast.gateway.config.TimeoutSettings;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class RouteTableTest {

    static RouteSettings route(String name, String prefix, String host, Set<String> methods, String rewriteTo) {
        return new RouteSettings(name, prefix, host, methods, "up", rewriteTo, false, true, 1024,
                new TimeoutSettings(1000, 1000, 1000, 0),
                new RetrySettings(3, Set.of(502), 25, 250, 1024, 20, 3), null);
    }

    private final RouteTable table = new RouteTable(List.of(
            route("root", "/", null, Set.of(), null),
            route("api", "/api", null, Set.of(), null),
            route("chat", "/api/chat", null, Set.of(), null),
            route("chat-post", "/api/chat", null, Set.of("POST"), null),
            route("models-host", "/api", "models.example.com", Set.of(), null)));

    @ParameterizedTest(name = "{0} {1} on host {2} goes to {3}")
    @CsvSource(nullValues = "-", value = {
            "GET,  /api/chat/x,   -,                          chat",
            "POST, /api/chat/x,   -,                          chat-post",
            "GET,  /api/models,   -,                          api",
            "GET,  /api/models,   models.example.com,         models-host",
            "GET,  /api/models,   MODELS.example.com:8080,    models-host",
            "GET,  /api/models,   models.example.com.evil,    api",
            "GET,  /apix,         -,                          api",
            "GET,  /other,        -,                          root",
    })
    void longestPrefixThenHostAndMethod(String method, String path, String host, String expected) {
        assertThat(table.match(host, method, path).name()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "prefix {0} rewritten to ''{1}'': {2} -> {3}")
    @CsvSource(nullValues = "-", value = {
            "/api,   -,          /api/v1/x?a=b,  /api/v1/x?a=b",
            "/api,   '',         /api/v1/x?a=b,  /v1/x?a=b",
            "/api/,  '',         /api/v1/x,      /v1/x",
            "/api,   '',         /api,           /",
            "/api,   '',         /api?x=1,       /?x=1",
            "/api,   /internal,  /api/v1,        /internal/v1",
            "/api/,  /internal/, /api/v1,        /internal/v1",
            "/api,   /internal/, /api/v1,        /internal/v1",
    })
    void upstreamUri(String prefix, String rewriteTo, String uri, String expected) {
        RouteSettings route = route("r", prefix, null, Set.of(), rewriteTo);

        assertThat(RouteTable.upstreamUri(route, uri)).isEqualTo(expected);
    }

    @org.junit.jupiter.api.Test
    @org.junit.jupiter.api.DisplayName("replace swaps the whole table at once: new routes match, removed ones do not")
    void replaceSwapsTheTable() {
        RouteTable routes = new RouteTable(List.of(route("api", "/api", null, Set.of(), null)));

        routes.replace(List.of(route("v1", "/v1", null, Set.of(), null), route("api2", "/api/v2", null, Set.of(),
                null)));

        assertThat(routes.match(null, "GET", "/api/x")).isNull();
        assertThat(routes.match(null, "GET", "/api/v2/x").name()).isEqualTo("api2");
        assertThat(routes.match(null, "GET", "/v1/models").name()).isEqualTo("v1");
        assertThat(routes.routes()).extracting(RouteSettings::name).containsExactly("api2", "v1");
    }
}
