package dev.ballast.gateway;

import dev.ballast.gateway.config.GatewayConfig;
import dev.ballast.gateway.config.GatewayConfigFile;
import dev.ballast.gateway.config.GatewaySettings;
import dev.ballast.gateway.health.ActiveHealthProbes;
import dev.ballast.gateway.metrics.GatewayMetrics;
import dev.ballast.gateway.proxy.ProxyHandler;
import dev.ballast.gateway.ratelimit.LocalGcra;
import dev.ballast.gateway.ratelimit.RateLimiter;
import dev.ballast.gateway.ratelimit.RedisGcra;
import dev.ballast.gateway.routing.RouteTable;
import dev.ballast.gateway.upstream.Upstreams;
import dev.ballast.lb.TimeSource;
import io.micrometer.core.instrument.MeterRegistry;
import dev.ballast.gateway.server.TrafficServer;
import dev.ballast.gateway.server.TrafficServerConfig;
import dev.ballast.gateway.server.TrafficServerOptions;
import dev.ballast.gateway.tls.TrafficTls;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.concurrent.TimeUnit;

/**
 * Builds the gateway from its configuration at start-up (failing start-up on invalid configuration) and serves the
 * proxy on its own traffic listener ({@link TrafficServer}); Quarkus' HTTP server keeps only the management port.
 */
@Startup
@Singleton
public class GatewayRuntime {

    private static final Logger LOG = Logger.getLogger(GatewayRuntime.class);
    /** Binding a port takes milliseconds; this only bounds a broken start. */
    private static final long START_TIMEOUT_SECONDS = 30;

    private volatile GatewaySettings settings;
    /** The configuration file's content as start-up applied it; null without one. */
    private final byte[] configFileAtStart;
    private final RouteTable routes;
    private final Upstreams upstreams;
    private final GatewayMetrics metrics;
    private final ProxyHandler proxy;
    private final ActiveHealthProbes probes;
    private final RateLimiter limiter;
    private final TrafficServer traffic;
    /** TLS termination of the traffic port and its redirect listener (plain HTTP unless ballast.gateway.tls.*). */
    private final TrafficTls trafficTls;
    private final String trafficHost;

    /** After a Redis failure, rate limits are decided locally this long before Redis is tried again. */
    private static final long REDIS_RETRY_MILLIS = 1_000;
    /** Past this many local budgets, the full (idle) ones are dropped. */
    private static final int LOCAL_MAX_KEYS = 100_000;

    GatewayRuntime(GatewayConfig config, TrafficServerConfig server, Vertx vertx, MeterRegistry registry,
                   Redis redis) {
        this.configFileAtStart = config.configFilePath().map(GatewayConfigFile::readBytes).orElse(null);
        this.settings = GatewaySettings.from(config, configFileAtStart);
        TrafficServerOptions trafficOptions = TrafficServerOptions.from(server, config.limits(),
                vertx.isNativeTransportEnabled());
        this.routes = new RouteTable(settings.routes());
        this.upstreams = new Upstreams(settings, TimeSource.system());
        this.metrics = new GatewayMetrics(registry, settings.routes(), upstreams);
        // With a configuration file a reload may add rate-limited routes, so the limiter must exist from the start.
        this.limiter = settings.rateLimited() || config.configFilePath().isPresent()
                ? new RateLimiter(new RedisGcra(vertx, redis, settings.redisTimeoutMillis()),
                        new LocalGcra(() -> System.nanoTime() / 1_000, LOCAL_MAX_KEYS), settings.rateLimitReplicas(),
                        () -> System.nanoTime() / 1_000_000, REDIS_RETRY_MILLIS)
                : null;
        if (limiter != null) {
            metrics.rateLimiter(limiter);
        }
        this.proxy = new ProxyHandler(vertx, settings, routes, upstreams, metrics, limiter);
        this.probes = new ActiveHealthProbes(vertx, upstreams);
        this.trafficTls = TrafficTls.from(config.tls(), vertx, registry, this::trafficPort);
        this.trafficHost = trafficOptions.host();
        this.traffic = new TrafficServer(vertx, trafficOptions, proxy, TrafficServer.eventLoops(vertx),
                trafficTls.reloader());
        metrics.trafficServer(traffic);
        if (settings.adminToken().isEmpty()) {
            LOG.warn("ballast.gateway.admin.token is not set: the admin API on the management port is OPEN to "
                    + "anyone who can reach it (drain/undrain endpoints). Set a token outside local development.");
        }
        if (settings.routes().isEmpty()) {
            LOG.warn("No routes configured (ballast.gateway.routes.*): every request will get 404");
        }
        LOG.infof("Gateway ready: %d routes, %d upstreams, trusted proxies %s (client IP from %s)",
                settings.routes().size(), upstreams.size(), settings.trustedProxies(),
                settings.clientIpHeader().headerName());
    }

    void start(@Observes StartupEvent event) throws Exception {
        probes.start();
        traffic.start().toCompletionStage().toCompletableFuture().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        trafficTls.start(trafficHost).toCompletionStage().toCompletableFuture()
                .get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Drains the traffic port first (in-flight requests finish), then stops probes and upstream clients. */
    void stop(@Observes ShutdownEvent event) {
        trafficTls.stop();
        try {
            traffic.shutdown(this::inFlight).toCompletionStage().toCompletableFuture()
                    .get(drainBoundMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warnf("Traffic listener did not drain cleanly: %s", e.toString());
        }
        probes.stop();
        proxy.close();
    }

    private long drainBoundMillis() {
        return traffic.shutdownTimeoutMillis() + 5_000;
    }

    /** Proxied exchanges still open, WebSocket tunnels included (each holds its upstream's active count). */
    private int inFlight() {
        int sum = 0;
        for (var upstream : upstreams.all()) {
            sum += upstream.activeRequests();
        }
        return sum;
    }

    /** The traffic port actually bound (tests bind port 0). */
    public int trafficPort() {
        return traffic.port();
    }

    /** The configuration file's content as start-up read and applied it; null without a configuration file. */
    public byte[] configFileAtStart() {
        return configFileAtStart == null ? null : configFileAtStart.clone();
    }

    public GatewaySettings settings() {
        return settings;
    }

    /**
     * Live reconfiguration (reload package): upstreams first (a new route never names a missing upstream), then
     * meters for new routes and endpoints, then the routes swap at once; probes pick up new endpoints.
     */
    public synchronized Upstreams.Change reconfigure(GatewaySettings next) {
        Upstreams.Change change = upstreams.apply(next);
        metrics.sync(next.routes(), upstreams);
        routes.replace(next.routes());
        settings = next;
        probes.refresh();
        return change;
    }

    /** Discovery changed a pool's endpoints: meters and probes follow. */
    public synchronized void endpointsChanged() {
        metrics.sync(settings.routes(), upstreams);
        probes.refresh();
    }

    public RouteTable routes() {
        return routes;
    }

    /** Null when no route is rate limited. */
    public RateLimiter rateLimiter() {
        return limiter;
    }

    public Upstreams upstreams() {
        return upstreams;
    }
}
