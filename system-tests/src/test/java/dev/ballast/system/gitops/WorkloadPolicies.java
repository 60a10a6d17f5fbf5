package dev.ballast.system.gitops;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The security and operability rules every rendered environment must meet (issue 10's policy checks, in the spirit
 * of kube-linter and Polaris, which cannot be installed here). Each rule returns its violations, one line per
 * object and field, so a failing test says exactly what to fix.
 */
final class WorkloadPolicies {

    private static final Set<String> WORKLOAD_KINDS = Set.of("Deployment", "StatefulSet", "DaemonSet");

    private WorkloadPolicies() {
    }

    /** Probes, requests, limits and the hardened security context on every container of every workload. */
    static List<String> containersAreHardened(List<Manifest> objects) {
        List<String> out = new ArrayList<>();
        for (Manifest workload : workloads(objects)) {
            JsonNode pod = podSpec(workload);
            for (String list : List.of("initContainers", "containers")) {
                for (JsonNode container : pod.path(list)) {
                    String where = workload.describe() + " container " + container.path("name").asText();
                    if (list.equals("containers")) {
                        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
                            require(container.has(probe), where + " has no " + probe, out);
                        }
                    }
                    for (String bound : List.of("requests", "limits")) {
                        for (String resource : List.of("cpu", "memory")) {
                            require(container.path("resources").path(bound).has(resource),
                                    where + " has no resources." + bound + "." + resource, out);
                        }
                    }
                    JsonNode security = container.path("securityContext");
                    JsonNode podSecurity = pod.path("securityContext");
                    require(security.path("allowPrivilegeEscalation").isBoolean()
                            && !security.path("allowPrivilegeEscalation").asBoolean(),
                            where + " must set securityContext.allowPrivilegeEscalation: false", out);
                    require(security.path("readOnlyRootFilesystem").asBoolean(false),
                            where + " must set securityContext.readOnlyRootFilesystem: true", out);
                    require(contains(security.path("capabilities").path("drop"), "ALL"),
                            where + " must drop ALL capabilities", out);
                    JsonNode nonRoot = security.has("runAsNonRoot") ? security.path("runAsNonRoot") : podSecurity.path("runAsNonRoot");
                    require(nonRoot.isBoolean() && nonRoot.asBoolean(), where + " must run as non-root (runAsNonRoot: true)", out);
                    String seccomp = security.path("seccompProfile").path("type")
                            .asText(podSecurity.path("seccompProfile").path("type").asText(""));
                    require(seccomp.equals("RuntimeDefault"), where + " must use seccompProfile RuntimeDefault", out);
                }
            }
        }
        return out;
    }

    /** Every image names a tag or digest, and never latest. */
    static List<String> imagesArePinned(List<Manifest> objects) {
        List<String> out = new ArrayList<>();
        for (Manifest workload : workloads(objects)) {
            for (String list : List.of("initContainers", "containers")) {
                for (JsonNode container : podSpec(workload).path(list)) {
                    String image = container.path("image").asText();
                    String afterRegistry = image.substring(image.lastIndexOf('/') + 1);
                    boolean digest = image.contains("@sha256:");
                    boolean tagged = afterRegistry.contains(":");
                    String tag = tagged ? afterRegistry.substring(afterRegistry.indexOf(':') + 1) : "";
                    require(digest || (tagged && !tag.equals("latest")),
                            workload.describe() + " image \"" + image + "\" must be pinned to a tag other than latest, or a digest",
                            out);
                }
            }
        }
        return out;
    }

    /** No "*" in apiGroups, resources, verbs or nonResourceURLs of any Role or ClusterRole. */
    static List<String> rbacHasNoWildcards(List<Manifest> objects) {
        List<String> out = new ArrayList<>();
        for (Manifest role : objects) {
            if (!role.is("Role") && !role.is("ClusterRole")) {
                continue;
            }
            int i = 0;
            for (JsonNode rule : role.node().path("rules")) {
                for (String field : List.of("apiGroups", "resources", "verbs", "nonResourceURLs")) {
                    for (JsonNode value : rule.path(field)) {
                        require(!value.asText().contains("*"),
                                role.describe() + " rules[" + i + "]." + field + " has the wildcard \"" + value.asText() + "\"", out);
                    }
                }
                i++;
            }
            require(role.node().path("aggregationRule").isMissingNode(),
                    role.describe() + " aggregates other roles: its permissions cannot be reviewed here", out);
        }
        return out;
    }

    /** A pod mounts a service-account token only when its account is bound to some role. */
    static List<String> tokensOnlyWhereNeeded(List<Manifest> objects) {
        Set<String> boundAccounts = boundServiceAccounts(objects).keySet();
        List<String> out = new ArrayList<>();
        for (Manifest workload : workloads(objects)) {
            JsonNode pod = podSpec(workload);
            String account = workload.namespace() + "/" + pod.path("serviceAccountName").asText("default");
            if (!boundAccounts.contains(account)) {
                require(pod.path("automountServiceAccountToken").isBoolean() && !pod.path("automountServiceAccountToken").asBoolean(),
                        workload.describe() + " has no RBAC (account " + account + ") and must set automountServiceAccountToken: false", out);
            }
        }
        return out;
    }

    /** Every ServiceAccount a pod runs as or a binding names exists in the rendered output. */
    static List<String> serviceAccountsExist(List<Manifest> objects) {
        Set<String> accounts = namespacedNames(objects, "ServiceAccount");
        List<String> out = new ArrayList<>();
        boundServiceAccounts(objects).forEach((account, binding) ->
                require(accounts.contains(account), binding.describe() + " binds " + account + ", which is not rendered", out));
        for (Manifest workload : workloads(objects)) {
            String name = podSpec(workload).path("serviceAccountName").asText("");
            if (!name.isEmpty()) {
                require(accounts.contains(workload.namespace() + "/" + name),
                        workload.describe() + " runs as ServiceAccount " + name + ", which is not rendered", out);
            }
        }
        return out;
    }

    /** "namespace/name" of every ServiceAccount a RoleBinding or ClusterRoleBinding names, with the binding. */
    private static Map<String, Manifest> boundServiceAccounts(List<Manifest> objects) {
        Map<String, Manifest> out = new java.util.TreeMap<>();
        for (Manifest binding : objects) {
            if (binding.is("RoleBinding") || binding.is("ClusterRoleBinding")) {
                for (JsonNode subject : binding.node().path("subjects")) {
                    if (subject.path("kind").asText().equals("ServiceAccount")) {
                        out.put(subject.path("namespace").asText(binding.namespace()) + "/" + subject.path("name").asText(), binding);
                    }
                }
            }
        }
        return out;
    }

    private static Set<String> namespacedNames(List<Manifest> objects, String kind) {
        Set<String> out = new HashSet<>();
        ofKind(objects, kind).forEach(m -> out.add(m.namespace() + "/" + m.name()));
        return out;
    }

    /** Every ConfigMap a pod mounts is rendered in its namespace (hash suffixes included). */
    static List<String> mountedConfigMapsExist(List<Manifest> objects) {
        Set<String> configMaps = namespacedNames(objects, "ConfigMap");
        List<String> out = new ArrayList<>();
        for (Manifest workload : workloads(objects)) {
            for (JsonNode volume : podSpec(workload).path("volumes")) {
                JsonNode configMap = volume.path("configMap");
                if (!configMap.isMissingNode() && !configMap.path("optional").asBoolean(false)) {
                    require(configMaps.contains(workload.namespace() + "/" + configMap.path("name").asText()),
                            workload.describe() + " mounts ConfigMap " + configMap.path("name").asText() + ", which is not rendered", out);
                }
            }
        }
        return out;
    }

    /** Every Service selects the pods of some workload in its namespace, and its target ports exist on them. */
    static List<String> servicesSelectSomething(List<Manifest> objects) {
        List<String> out = new ArrayList<>();
        for (Manifest service : ofKind(objects, "Service")) {
            Map<String, String> selector = Manifest.stringMap(service.spec().path("selector"));
            if (selector.isEmpty()) {
                out.add(service.describe() + " has no selector");
                continue;
            }
            List<Manifest> selected = workloads(objects).stream()
                    .filter(w -> w.namespace().equals(service.namespace()))
                    .filter(w -> podLabels(w).entrySet().containsAll(selector.entrySet()))
                    .toList();
            if (selected.isEmpty()) {
                out.add(service.describe() + " selects no pods: no workload template carries " + selector);
                continue;
            }
            for (JsonNode port : service.spec().path("ports")) {
                JsonNode target = port.path("targetPort");
                if (target.isTextual()) {
                    boolean named = selected.stream().anyMatch(w -> containerPortNames(w).contains(target.asText()));
                    require(named, service.describe() + " targets port \"" + target.asText() + "\", which no selected container names", out);
                }
            }
        }
        return out;
    }

    /** Every Deployment is covered by a PodDisruptionBudget selecting its pods (required in prod). */
    static List<String> deploymentsHaveDisruptionBudgets(List<Manifest> objects) {
        List<Manifest> budgets = ofKind(objects, "PodDisruptionBudget");
        List<String> out = new ArrayList<>();
        for (Manifest deployment : ofKind(objects, "Deployment")) {
            boolean covered = budgets.stream().anyMatch(pdb -> pdb.namespace().equals(deployment.namespace())
                    && LabelSelectors.matches(pdb.spec().path("selector"), podLabels(deployment)));
            require(covered, deployment.describe() + " is covered by no PodDisruptionBudget", out);
        }
        return out;
    }

    /** A workload that a ScalingPolicy scales carries no spec.replicas, so GitOps never undoes a decision. */
    static List<String> autoscaledWorkloadsOmitReplicas(List<Manifest> objects) {
        List<String> out = new ArrayList<>();
        for (Manifest policy : ofKind(objects, "ScalingPolicy")) {
            JsonNode ref = policy.spec().path("scaleTargetRef");
            objects.stream()
                    .filter(w -> w.kind().equals(ref.path("kind").asText()) && w.name().equals(ref.path("name").asText())
                            && w.namespace().equals(policy.namespace()))
                    .filter(w -> w.spec().has("replicas"))
                    .forEach(w -> out.add(w.describe() + " is scaled by " + policy.describe()
                            + " and must not set spec.replicas (Argo CD or Flux would undo every scaling decision)"));
        }
        return out;
    }

    /** Every namespace that holds workloads has a deny-all NetworkPolicy for ingress and egress. */
    static List<String> namespacesDenyByDefault(List<Manifest> objects) {
        Set<String> denied = new HashSet<>();
        for (Manifest policy : objects) {
            if (policy.is("NetworkPolicy") && policy.spec().path("podSelector").isEmpty()
                    && contains(policy.spec().path("policyTypes"), "Ingress") && contains(policy.spec().path("policyTypes"), "Egress")
                    && policy.spec().path("ingress").isEmpty() && policy.spec().path("egress").isEmpty()) {
                denied.add(policy.namespace());
            }
        }
        List<String> out = new ArrayList<>();
        workloads(objects).stream().map(Manifest::namespace).distinct().forEach(ns ->
                require(denied.contains(ns), "namespace " + ns + " has no default-deny NetworkPolicy", out));
        return out;
    }

    /** Every object carries app.kubernetes.io/name and app.kubernetes.io/part-of: ballast. */
    static List<String> objectsCarryRecommendedLabels(List<Manifest> objects) {
        List<String> out = new ArrayList<>();
        for (Manifest m : objects) {
            require(m.labels().containsKey("app.kubernetes.io/name"), m.describe() + " has no app.kubernetes.io/name label", out);
            require("ballast".equals(m.labels().get("app.kubernetes.io/part-of")),
                    m.describe() + " is not labelled app.kubernetes.io/part-of: ballast", out);
        }
        return out;
    }

    static List<Function<List<Manifest>, List<String>>> everyEnvironmentRule() {
        return List.of(WorkloadPolicies::containersAreHardened, WorkloadPolicies::imagesArePinned,
                WorkloadPolicies::rbacHasNoWildcards, WorkloadPolicies::tokensOnlyWhereNeeded,
                WorkloadPolicies::serviceAccountsExist, WorkloadPolicies::mountedConfigMapsExist,
                WorkloadPolicies::servicesSelectSomething, WorkloadPolicies::autoscaledWorkloadsOmitReplicas,
                WorkloadPolicies::namespacesDenyByDefault, WorkloadPolicies::objectsCarryRecommendedLabels);
    }

    static List<Manifest> workloads(List<Manifest> objects) {
        return objects.stream().filter(m -> WORKLOAD_KINDS.contains(m.kind())).toList();
    }

    static List<Manifest> ofKind(List<Manifest> objects, String kind) {
        return objects.stream().filter(m -> m.is(kind)).toList();
    }

    static Map<String, String> podLabels(Manifest workload) {
        return Manifest.stringMap(workload.spec().path("template").path("metadata").path("labels"));
    }

    static JsonNode podSpec(Manifest workload) {
        return workload.spec().path("template").path("spec");
    }

    private static Set<String> containerPortNames(Manifest workload) {
        Set<String> names = new HashSet<>();
        podSpec(workload).path("containers").forEach(c -> c.path("ports").forEach(p -> names.add(p.path("name").asText())));
        return names;
    }

    private static boolean contains(JsonNode array, String value) {
        for (JsonNode item : array) {
            if (item.asText().equals(value)) {
                return true;
            }
        }
        return false;
    }

    private static void require(boolean condition, String violation, List<String> out) {
        if (!condition) {
            out.add(violation);
        }
    }
}
