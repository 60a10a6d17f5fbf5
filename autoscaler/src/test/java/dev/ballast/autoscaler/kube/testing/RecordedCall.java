package dev.ballast.autoscaler.kube.testing;

import java.util.Map;

/**
 * One request the test API server answered: what was asked, by which field manager, and the status it got. Tests
 * assert on these ("the scale was written by ballast-autoscaler", "nothing contacted the API server").
 */
public record RecordedCall(String method, String path, Map<String, String> query, String contentType, String userAgent,
                           String body, int status) {

    public RecordedCall {
        query = Map.copyOf(query);
    }

    /** True for PUT, PATCH, POST and DELETE. */
    public boolean write() {
        return !method.equals("GET");
    }

    /**
     * The field manager of a write as the API server names it: the {@code fieldManager} parameter, or else (Update
     * requests only) the user agent up to its first slash.
     */
    public String fieldManager() {
        String manager = query.get("fieldManager");
        if (manager != null && !manager.isEmpty()) {
            return manager;
        }
        if (userAgent == null || userAgent.isEmpty()) {
            return "unknown";
        }
        int slash = userAgent.indexOf('/');
        return slash < 0 ? userAgent : userAgent.substring(0, slash);
    }

    /** The subresource named by the path ("scale", "status"), or null for the object itself or a collection. */
    public String subresource() {
        if (path.endsWith("/scale")) {
            return "scale";
        }
        return path.endsWith("/status") ? "status" : null;
    }
}
