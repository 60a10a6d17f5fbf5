package dev.ballast.gateway.upstream;

import dev.ballast.gateway.config.GatewaySettings;
import dev.ballast.gateway.config.UpstreamSettings;
import dev.ballast.lb.TimeSource;
import dev.ballast.lb.UpstreamPool;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The upstream pools of the gateway, built once from the validated settings; looked up by name. */
public final class Upstreams {

    private final Map<String, UpstreamRuntime> byName;
    private final List<UpstreamRuntime> all;

    public Upstreams(GatewaySettings settings, TimeSource time) {
        Map<String, UpstreamRuntime> map = new LinkedHashMap<>();
        int index = 0;
        for (UpstreamSettings upstream : settings.upstreams().values()) {
            UpstreamPool pool = UpstreamPool.create(upstream.name(), upstream.poolConfig(), time);
            pool.update(upstream.endpoints());
            map.put(upstream.name(), new UpstreamRuntime(index++, upstream, pool));
        }
        this.byName = Map.copyOf(map);
        this.all = List.copyOf(new ArrayList<>(map.values()));
    }

    public UpstreamRuntime get(String name) {
        return byName.get(name);
    }

    public Collection<UpstreamRuntime> all() {
        return all;
    }

    public int size() {
        return all.size();
    }
}
