import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.Map;

/**
 * NOT PRODUCT CODE: the floor for a proxy on the Vert.x HTTP server and client the gateway uses, for
 * bench/gateway-vs-nginx-haproxy.sh (FLOOR=1). One server and one client per event loop, headers copied minus
 * hop-by-hop plus X-Forwarded-For and X-Request-Id, bodies piped both ways; no routing, balancing, timeouts,
 * retries, limits or metrics. Beside NettyFloorProxy it splits the gateway's gap to nginx into what the Vert.x
 * layers cost and what the gateway's own code costs.
 *
 * Usage: javac -cp <vert.x + netty jars> bench/floor/*.java; java -cp <classes>:<jars> VertxFloorProxy <port> <backend-host:port> [event-loops]
 */
public final class VertxFloorProxy extends AbstractVerticle {

    private final int port;
    private final String host;
    private final int backendPort;
    private HttpClient client;

    VertxFloorProxy(int port, String host, int backendPort) {
        this.port = port;
        this.host = host;
        this.backendPort = backendPort;
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        String[] hp = args[1].split(":");
        int loops = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops).setPreferNativeTransport(true));
        vertx.deployVerticle(() -> new VertxFloorProxy(port, hp[0], Integer.parseInt(hp[1])),
                        new DeploymentOptions().setInstances(loops))
                .onSuccess(id -> System.out.println("vert.x floor proxy on 127.0.0.1:" + port + ", native transport "
                        + vertx.isNativeTransportEnabled()))
                .onFailure(e -> { e.printStackTrace(); System.exit(1); });
    }

    @Override
    public void start(Promise<Void> started) {
        client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(64));
        // Never block the event loop on listen(): it completes on this very loop.
        vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port).setTcpNoDelay(true)
                        .setReusePort(true))
                .requestHandler(this::proxy).listen().<Void>mapEmpty().onComplete(started);
    }


    private void proxy(HttpServerRequest request) {
        request.pause();
        HttpServerResponse response = request.response();
        client.request(new RequestOptions().setMethod(request.method()).setHost(host).setPort(backendPort)
                .setURI(request.uri())).onComplete(ar -> {
            if (ar.failed()) {
                response.setStatusCode(502).end();
                return;
            }
            var out = ar.result();
            FloorHeaders.forward(request, out.headers());
            out.send(request).onComplete(rr -> {
                if (rr.failed()) {
                    response.setStatusCode(502).end();
                    return;
                }
                var in = rr.result();
                response.setStatusCode(in.statusCode());
                for (Map.Entry<String, String> h : in.headers()) {
                    if (!FloorHeaders.hopByHop(h.getKey())) {
                        response.headers().add(h.getKey(), h.getValue());
                    }
                }
                response.send(in);
            });
        });
    }
}
