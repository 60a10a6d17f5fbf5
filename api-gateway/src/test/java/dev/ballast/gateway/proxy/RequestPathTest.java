package dev.ballast.gateway.proxy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Path normalisation before route matching: nginx's merge_slashes and dot segments, RFC 3986 unreserved decoding. */
class RequestPathTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "/v1/models,                        /v1/models",
            "/,                                 /",
            "//v1//models,                      /v1/models",
            "/v1/models/,                       /v1/models/",
            "/v1//,                             /v1/",
            "/v1/./models,                      /v1/models",
            "/v1/.,                             /v1/",
            "/v1/../admin,                      /admin",
            "/v1/x/..,                          /v1/",
            "/v1/..,                            /",
            "/v1/%2e%2e/admin,                  /admin",
            "/v1/%2E%2e/admin,                  /admin",
            "/v1/.%2e/admin,                    /admin",
            "/v1/%7Euser/%41pi,                 /v1/~user/Api",
            "/v1/models/meta-llama%2FLlama-3,   /v1/models/meta-llama%2FLlama-3",
            "/v1/a%20b/%3F,                     /v1/a%20b/%3F",
            "/v1/.hidden/..x,                   /v1/.hidden/..x",
    })
    @DisplayName("paths are matched and forwarded in their normal form")
    void normalises(String raw, String expected) throws Exception {
        assertThat(RequestPath.normalise(raw)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/..",
            "/v1/../../admin",
            "/%2e%2e/x",
            "/v1/..%2fadmin",
            "/v1/..%2Fadmin",
            "/v1/..%5cadmin",
            "/v1/..\\admin",
            "/v1/%2e%2e%2fadmin",
            "/v1/x%2F..",
            "/v1/x%2F.%2Fy",
            "/v1/%zz",
            "/v1/%2",
            "/v1/%00",
            "v1/models",
    })
    @DisplayName("paths that climb above the root, hide a dot segment behind an encoded slash or are malformed are refused")
    void refuses(String raw) {
        assertThatThrownBy(() -> RequestPath.normalise(raw)).isInstanceOf(RequestPath.Invalid.class);
    }

    @Test
    @DisplayName("a path already normal is returned as the same instance, without copying")
    void normalPathIsNotCopied() throws Exception {
        String raw = "/v1/chat/completions";

        assertThat(RequestPath.normalise(raw)).isSameAs(raw);
    }
}
