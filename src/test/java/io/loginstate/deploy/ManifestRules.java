package io.loginstate.deploy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1EnvFromSource;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1LabelSelectorRequirement;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1NetworkPolicyEgressRule;
import io.kubernetes.client.openapi.models.V1NetworkPolicyIngressRule;
import io.kubernetes.client.openapi.models.V1NetworkPolicyPeer;
import io.kubernetes.client.openapi.models.V1NetworkPolicyPort;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaim;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1PodSecurityContext;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1Probe;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1SecurityContext;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V1TopologySpreadConstraint;
import io.kubernetes.client.openapi.models.V1Volume;
import io.kubernetes.client.openapi.models.V1VolumeMount;
import io.loginstate.deploy.StrictObjects.Parsed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What must hold across the objects of a deployment beyond each object's validity: selectors that
 * select the pods, the governing headless Service, probes on the service's health endpoints and
 * HTTP port, environment variables that name real settings, the security context, and the sizing
 * rules of {@code k8s/README.md} ({@link Sizing}).
 */
final class ManifestRules {

    static final String STARTED = "/q/health/started";
    static final String READY = "/q/health/ready";
    static final String LIVE = "/q/health/live";
    static final int UID = 185;

    static final String TOPIC_PARTITIONS = "login-state.io/topic-partitions";
    static final String PARTITIONS_PER_POD = "login-state.io/max-partitions-per-pod";
    static final String LARGEST_PARTITION = "login-state.io/largest-partition-state";

    /** The Prometheus names the service exports for the dashboard and the alerts. */
    static final Set<String> SERVICE_METRICS = Set.of(
            "login_state_records_applied_total",
            "login_state_erasures_overdue",
            "login_state_records_dead_lettered_total",
            "login_state_records_dropped_total",
            "login_state_partition_failures_total",
            "login_state_checkpoint_failures_total",
            "login_state_restore_bytes_total",
            "login_state_checkpoint_last_success_age_seconds",
            "login_state_ttl_entries_waiting",
            "login_state_ttl_oldest_unpurged_expired_age_seconds",
            "login_state_event_time_watermark_timestamp_seconds",
            "login_state_consumer_lag_records",
            "login_state_checkpoint_pause_seconds_bucket",
            "login_state_checkpoint_upload_seconds_bucket",
            "login_state_restore_duration_seconds_bucket",
            "http_server_requests_seconds_bucket",
            "http_server_requests_seconds_count");

    private static final Pattern VARIABLE_REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    private static final Pattern JVM_SIZE = Pattern.compile("^([0-9]+)([kKmMgG]?)$");
    private static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");

    private final List<Parsed> objects;
    private final ConfigKeys keys;
    private final List<String> problems = new ArrayList<>();

    private ManifestRules(List<Parsed> objects, ConfigKeys keys) {
        this.objects = objects;
        this.keys = keys;
    }

    /**
     * Every problem of the YAML {@code sources} (name → text): objects the API model rejects, and
     * broken rules across them. Empty when the deployment is sound.
     */
    static List<String> check(Map<String, String> sources, ConfigKeys keys) {
        List<Parsed> parsed = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        sources.forEach((source, text) -> {
            try {
                for (JsonObject document : KubernetesManifests.documents(text, source)) {
                    try {
                        parsed.add(StrictObjects.parse(document, source));
                    } catch (StrictObjects.InvalidObjectException e) {
                        problems.add(e.getMessage());
                    }
                }
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        });
        if (problems.isEmpty()) {
            ManifestRules rules = new ManifestRules(parsed, keys);
            rules.checkAll();
            problems.addAll(rules.problems);
        }
        return problems;
    }

    private void checkAll() {
        List<Parsed> statefulSets = ofKind("StatefulSet");
        if (statefulSets.size() != 1) {
            problems.add("expected exactly one StatefulSet, found " + statefulSets.size());
            return;
        }
        Parsed parsed = statefulSets.get(0);
        V1StatefulSet statefulSet = (V1StatefulSet) parsed.model();
        String where = parsed.describe();
        Map<String, String> podLabels = labels(statefulSet);
        V1PodSpec pod = statefulSet.getSpec().getTemplate().getSpec();
        if (!matches(statefulSet.getSpec().getSelector(), podLabels)) {
            problems.add(where + ": spec.selector "
                    + statefulSet.getSpec().getSelector().getMatchLabels()
                    + " does not match the pod template's labels " + podLabels);
        }
        require(
                "Parallel".equals(statefulSet.getSpec().getPodManagementPolicy()),
                where + ": podManagementPolicy must be Parallel");
        var retention = statefulSet.getSpec().getPersistentVolumeClaimRetentionPolicy();
        require(
                retention != null
                        && "Delete".equals(retention.getWhenScaled())
                        && "Delete".equals(retention.getWhenDeleted()),
                where + ": persistentVolumeClaimRetentionPolicy must delete a removed pod's volume (whenScaled and"
                        + " whenDeleted: Delete): no running instance deletes the state it holds, so expired and"
                        + " erased users' data would stay there");
        require(
                statefulSet.getSpec().getVolumeClaimTemplates() != null
                        && !statefulSet.getSpec().getVolumeClaimTemplates().isEmpty(),
                where + ": volumeClaimTemplates must hold the state volume");
        require(
                pod.getContainers().size() == 1,
                where + ": expected one container, found " + pod.getContainers().size());
        V1Container container = pod.getContainers().get(0);
        Map<String, String> env = literalEnv(container);
        Optional<V1ConfigMap> config = configMap(container, where);

        checkHeadlessService(statefulSet, where);
        checkServices(podLabels, container);
        checkProbes(container, where);
        checkEnv(container, config, statefulSet.getSpec().getServiceName(), where);
        checkSecrets(pod, container);
        checkVolumes(statefulSet, container, setting(env, config, "login-state.state-dir"), where);
        checkSecurity(pod, container, where);
        checkSpread(pod, podLabels, where);
        checkDisruptionBudget(podLabels);
        checkNetworkPolicy(podLabels);
        checkMonitoring();
        checkServiceAccount(pod, where);
        checkSizing(statefulSet, container, env, config, where);
    }

    private void checkHeadlessService(V1StatefulSet statefulSet, String where) {
        String serviceName = statefulSet.getSpec().getServiceName();
        Optional<V1Service> headless = ofKind("Service").stream()
                .map(p -> (V1Service) p.model())
                .filter(s -> s.getMetadata().getName().equals(serviceName))
                .findFirst();
        if (headless.isEmpty()) {
            problems.add(where + ": serviceName " + serviceName + " names no Service");
            return;
        }
        V1Service service = headless.get();
        require(
                "None".equals(service.getSpec().getClusterIP()),
                "Service/" + serviceName + " (the StatefulSet's serviceName) must be headless: clusterIP None");
        require(
                Boolean.TRUE.equals(service.getSpec().getPublishNotReadyAddresses()),
                "Service/" + serviceName + " must publish not-ready addresses: peers reach restoring pods");
    }

    private void checkServices(Map<String, String> podLabels, V1Container container) {
        List<Parsed> services = ofKind("Service");
        require(services.size() >= 2, "expected a headless and a client Service, found " + services.size());
        for (Parsed parsed : services) {
            V1Service service = (V1Service) parsed.model();
            Map<String, String> selector = service.getSpec().getSelector();
            if (selector == null || selector.isEmpty() || !subset(selector, podLabels)) {
                problems.add(parsed.describe() + ": selector " + selector + " does not select the pods " + podLabels);
            }
            for (V1ServicePort port : service.getSpec().getPorts()) {
                IntOrString target =
                        port.getTargetPort() == null ? new IntOrString(port.getPort()) : port.getTargetPort();
                if (containerPort(container, target).isEmpty()) {
                    problems.add(parsed.describe() + ": targetPort " + target + " is no port of the container");
                }
            }
        }
    }

    private void checkProbes(V1Container container, String where) {
        probe(container, container.getStartupProbe(), STARTED, "startupProbe", where);
        probe(container, container.getReadinessProbe(), READY, "readinessProbe", where);
        probe(container, container.getLivenessProbe(), LIVE, "livenessProbe", where);
        V1Probe startup = container.getStartupProbe();
        if (startup != null) {
            long tolerated =
                    (long) orDefault(startup.getFailureThreshold(), 3) * orDefault(startup.getPeriodSeconds(), 10);
            require(
                    tolerated >= Sizing.STARTUP_TOLERANCE.toSeconds(),
                    where + ": the startup probe tolerates " + tolerated + " s, less than "
                            + Sizing.STARTUP_TOLERANCE.toSeconds() + " s");
        }
    }

    private void probe(V1Container container, V1Probe probe, String path, String name, String where) {
        if (probe == null || probe.getHttpGet() == null) {
            problems.add(where + ": " + name + " must be an HTTP GET of " + path);
            return;
        }
        if (!path.equals(probe.getHttpGet().getPath())) {
            problems.add(where + ": " + name + " must GET " + path + ", not "
                    + probe.getHttpGet().getPath());
        }
        Optional<V1ContainerPort> port =
                containerPort(container, probe.getHttpGet().getPort());
        if (port.isEmpty()) {
            problems.add(where + ": " + name + " port " + probe.getHttpGet().getPort() + " is no container port");
        } else if (port.get().getContainerPort() != keys.httpPort()) {
            problems.add(where + ": " + name + " probes port " + port.get().getContainerPort()
                    + ", the service listens on " + keys.httpPort());
        }
    }

    private void checkEnv(V1Container container, Optional<V1ConfigMap> config, String serviceName, String where) {
        Set<String> defined = new HashSet<>();
        config.ifPresent(
                c -> defined.addAll(c.getData() == null ? Set.of() : c.getData().keySet()));
        config.ifPresent(c -> c.getData()
                .keySet()
                .forEach(name -> keys.unknown(name)
                        .ifPresent(why ->
                                problems.add("ConfigMap/" + c.getMetadata().getName() + ": " + why))));
        Map<String, String> literal = new LinkedHashMap<>();
        for (V1EnvVar variable : orEmpty(container.getEnv())) {
            keys.unknown(variable.getName()).ifPresent(why -> problems.add(where + ": env " + why));
            if (variable.getValue() != null) {
                Matcher references = VARIABLE_REFERENCE.matcher(variable.getValue());
                while (references.find()) {
                    if (!defined.contains(references.group(1))) {
                        problems.add(where + ": env " + variable.getName() + " refers to $(" + references.group(1)
                                + "), not defined before it");
                    }
                }
                literal.put(variable.getName(), variable.getValue());
            }
            defined.add(variable.getName());
        }
        Optional<V1EnvVar> podName = orEmpty(container.getEnv()).stream()
                .filter(v -> "POD_NAME".equals(v.getName()))
                .findFirst();
        require(
                podName.isPresent()
                        && podName.get().getValueFrom() != null
                        && podName.get().getValueFrom().getFieldRef() != null
                        && "metadata.name"
                                .equals(podName.get()
                                        .getValueFrom()
                                        .getFieldRef()
                                        .getFieldPath()),
                where + ": env POD_NAME must come from the field metadata.name");
        expectEnv(where, literal, "LOGIN_STATE_INSTANCE_ID", "$(POD_NAME)");
        expectEnv(where, literal, "LOGIN_STATE_INSTANCE_STATIC_MEMBERSHIP", "true");
        expectEnv(
                where,
                literal,
                "LOGIN_STATE_INSTANCE_ADVERTISED_URL",
                "http://$(POD_NAME)." + serviceName + ":" + keys.httpPort());
    }

    private void expectEnv(String where, Map<String, String> env, String name, String value) {
        if (!value.equals(env.get(name))) {
            problems.add(where + ": env " + name + " must be " + value + ", not " + env.get(name));
        }
    }

    private void checkSecrets(V1PodSpec pod, V1Container container) {
        for (Parsed parsed : ofKind("Secret")) {
            V1Secret secret = (V1Secret) parsed.model();
            String name = secret.getMetadata().getName();
            Set<String> secretKeys = new HashSet<>();
            secretKeys.addAll(orEmptyMap(secret.getStringData()).keySet());
            secretKeys.addAll(orEmptyMap(secret.getData()).keySet());
            Set<String> files = new HashSet<>();
            for (V1Volume volume : orEmpty(pod.getVolumes())) {
                if (volume.getSecret() != null && name.equals(volume.getSecret().getSecretName())) {
                    if (volume.getSecret().getItems() == null) {
                        files.addAll(secretKeys); // every key becomes a file
                    } else {
                        volume.getSecret().getItems().forEach(item -> files.add(item.getKey()));
                    }
                }
            }
            Set<String> variables = new HashSet<>();
            for (V1EnvVar variable : orEmpty(container.getEnv())) {
                if (variable.getValueFrom() != null
                        && variable.getValueFrom().getSecretKeyRef() != null
                        && name.equals(variable.getValueFrom().getSecretKeyRef().getName())) {
                    String key = variable.getValueFrom().getSecretKeyRef().getKey();
                    variables.add(key);
                    require(
                            secretKeys.contains(key),
                            parsed.describe() + ": has no key " + key + " for env " + variable.getName());
                }
            }
            for (String key : secretKeys) {
                if (files.contains(key)) {
                    continue;
                }
                require(variables.contains(key), parsed.describe() + ": key " + key + " is used by no env or volume");
                keys.unknown(key).ifPresent(why -> problems.add(parsed.describe() + ": " + why));
            }
            for (String file : files) {
                require(secretKeys.contains(file), parsed.describe() + ": has no key " + file + " for its volume");
            }
        }
    }

    private void checkVolumes(
            V1StatefulSet statefulSet, V1Container container, Optional<String> stateDir, String where) {
        Set<String> claims = new HashSet<>();
        for (V1PersistentVolumeClaim claim : orEmpty(statefulSet.getSpec().getVolumeClaimTemplates())) {
            claims.add(claim.getMetadata().getName());
        }
        Map<String, V1Volume> volumes = new HashMap<>();
        for (V1Volume volume :
                orEmpty(statefulSet.getSpec().getTemplate().getSpec().getVolumes())) {
            volumes.put(volume.getName(), volume);
        }
        String dir = stateDir.orElse("");
        boolean onClaim = false;
        boolean tmpIsEmptyDir = false;
        for (V1VolumeMount mount : orEmpty(container.getVolumeMounts())) {
            boolean claim = claims.contains(mount.getName());
            require(
                    claim || volumes.containsKey(mount.getName()),
                    where + ": volume mount " + mount.getName() + " names no volume");
            if (claim && under(dir, mount.getMountPath())) {
                onClaim = true;
            }
            if ("/tmp".equals(mount.getMountPath())
                    && volumes.containsKey(mount.getName())
                    && volumes.get(mount.getName()).getEmptyDir() != null) {
                tmpIsEmptyDir = true;
            }
        }
        require(
                onClaim,
                where + ": the state directory (login-state.state-dir = " + dir
                        + ") must lie on a volume of the volumeClaimTemplates");
        require(tmpIsEmptyDir, where + ": /tmp must be an emptyDir (RocksDB extracts its library there)");
    }

    private void checkSecurity(V1PodSpec pod, V1Container container, String where) {
        V1PodSecurityContext podContext = pod.getSecurityContext();
        if (podContext == null) {
            problems.add(where + ": the pod needs a securityContext");
            return;
        }
        require(Boolean.TRUE.equals(podContext.getRunAsNonRoot()), where + ": pod runAsNonRoot must be true");
        require(Objects.equals(podContext.getRunAsUser(), (long) UID), where + ": pod runAsUser must be " + UID);
        require(
                Objects.equals(podContext.getRunAsGroup(), (long) UID)
                        || Objects.equals(podContext.getRunAsGroup(), 0L),
                where + ": pod runAsGroup must be " + UID + " or 0");
        require(Objects.equals(podContext.getFsGroup(), (long) UID), where + ": pod fsGroup must be " + UID);
        require(
                podContext.getSeccompProfile() != null
                        && "RuntimeDefault"
                                .equals(podContext.getSeccompProfile().getType()),
                where + ": pod seccompProfile must be RuntimeDefault");
        V1SecurityContext context = container.getSecurityContext();
        if (context == null) {
            problems.add(where + ": the container needs a securityContext");
            return;
        }
        require(
                Boolean.FALSE.equals(context.getAllowPrivilegeEscalation()),
                where + ": allowPrivilegeEscalation must be false");
        require(
                Boolean.TRUE.equals(context.getReadOnlyRootFilesystem()),
                where + ": readOnlyRootFilesystem must be true");
        require(
                context.getCapabilities() != null
                        && orEmpty(context.getCapabilities().getDrop()).contains("ALL")
                        && orEmpty(context.getCapabilities().getAdd()).isEmpty(),
                where + ": capabilities must drop ALL and add none");
        require(
                !Boolean.FALSE.equals(context.getRunAsNonRoot())
                        && (context.getRunAsUser() == null || context.getRunAsUser() == UID),
                where + ": the container must not override the pod's non-root user");
        require(!Boolean.TRUE.equals(context.getPrivileged()), where + ": the container must not be privileged");
    }

    private void checkSpread(V1PodSpec pod, Map<String, String> podLabels, String where) {
        Set<String> topologies = new HashSet<>();
        for (V1TopologySpreadConstraint constraint : orEmpty(pod.getTopologySpreadConstraints())) {
            topologies.add(constraint.getTopologyKey());
            require(
                    matches(constraint.getLabelSelector(), podLabels),
                    where + ": topology spread over " + constraint.getTopologyKey() + " does not select the pods");
        }
        require(
                topologies.containsAll(Set.of("kubernetes.io/hostname", "topology.kubernetes.io/zone")),
                where + ": pods must spread over kubernetes.io/hostname and topology.kubernetes.io/zone");
    }

    private void checkDisruptionBudget(Map<String, String> podLabels) {
        List<Parsed> budgets = ofKind("PodDisruptionBudget");
        require(budgets.size() == 1, "expected one PodDisruptionBudget, found " + budgets.size());
        for (Parsed parsed : budgets) {
            V1PodDisruptionBudget budget = (V1PodDisruptionBudget) parsed.model();
            require(
                    matches(budget.getSpec().getSelector(), podLabels),
                    parsed.describe() + ": selector does not select the pods " + podLabels);
            require(
                    new IntOrString(1).equals(budget.getSpec().getMaxUnavailable()),
                    parsed.describe() + ": maxUnavailable must be 1");
        }
    }

    private void checkNetworkPolicy(Map<String, String> podLabels) {
        List<Parsed> policies = ofKind("NetworkPolicy");
        require(policies.size() == 1, "expected one NetworkPolicy, found " + policies.size());
        int port = keys.httpPort();
        for (Parsed parsed : policies) {
            V1NetworkPolicy policy = (V1NetworkPolicy) parsed.model();
            String where = parsed.describe();
            require(
                    matches(policy.getSpec().getPodSelector(), podLabels),
                    where + ": podSelector does not select the pods");
            require(
                    orEmpty(policy.getSpec().getPolicyTypes()).containsAll(List.of("Ingress", "Egress")),
                    where + ": policyTypes must be Ingress and Egress");
            List<V1NetworkPolicyIngressRule> ingress = orEmpty(policy.getSpec().getIngress());
            for (V1NetworkPolicyIngressRule rule : ingress) {
                require(
                        allowsPort(rule.getPorts(), port),
                        where + ": an ingress rule admits other ports than the service's " + port);
            }
            require(
                    ingress.stream()
                            .anyMatch(rule -> orEmpty(rule.getFrom()).stream()
                                    .anyMatch(peer ->
                                            peer.getNamespaceSelector() == null && selectsPods(peer, podLabels))),
                    where + ": peers (the same pods) must be admitted on " + port);
            require(
                    ingress.stream()
                            .anyMatch(rule -> orEmpty(rule.getFrom()).stream()
                                    .anyMatch(peer -> peer.getNamespaceSelector() != null
                                            && orEmptyMap(peer.getNamespaceSelector()
                                                            .getMatchLabels())
                                                    .containsKey("kubernetes.io/metadata.name"))),
                    where + ": the monitoring namespace must be admitted on " + port);
            List<V1NetworkPolicyEgressRule> egress = orEmpty(policy.getSpec().getEgress());
            require(
                    egress.stream()
                            .anyMatch(rule -> orEmpty(rule.getPorts()).stream()
                                    .anyMatch(p -> new IntOrString(53).equals(p.getPort()))),
                    where + ": egress must allow DNS (port 53)");
            require(
                    egress.stream()
                            .anyMatch(rule -> allowsPort(rule.getPorts(), port)
                                    && orEmpty(rule.getTo()).stream()
                                            .anyMatch(peer -> peer.getNamespaceSelector() == null
                                                    && selectsPods(peer, podLabels))),
                    where + ": egress must allow forwarding to peers on " + port);
        }
    }

    private static boolean selectsPods(V1NetworkPolicyPeer peer, Map<String, String> podLabels) {
        return peer.getPodSelector() != null && matches(peer.getPodSelector(), podLabels);
    }

    private static boolean allowsPort(List<V1NetworkPolicyPort> ports, int port) {
        return ports != null
                && !ports.isEmpty()
                && ports.stream()
                        .allMatch(p -> new IntOrString(port).equals(p.getPort()) || "http".equals(portName(p)));
    }

    private static String portName(V1NetworkPolicyPort port) {
        return port.getPort() != null && !port.getPort().isInteger()
                ? port.getPort().getStrValue()
                : null;
    }

    private void checkMonitoring() {
        List<Parsed> monitors = ofKind("ServiceMonitor");
        require(monitors.size() == 1, "expected one ServiceMonitor, found " + monitors.size());
        for (Parsed parsed : monitors) {
            JsonObject spec = parsed.json().getAsJsonObject("spec");
            V1LabelSelector selector =
                    StrictObjects.model(spec.get("selector"), V1LabelSelector.class, parsed.describe());
            List<V1Service> selected = ofKind("Service").stream()
                    .map(p -> (V1Service) p.model())
                    .filter(s -> matches(selector, orEmptyMap(s.getMetadata().getLabels())))
                    .toList();
            if (selected.size() != 1) {
                problems.add(parsed.describe() + ": must select exactly one Service (each pod scraped once), selects "
                        + selected.stream().map(s -> s.getMetadata().getName()).toList());
                continue;
            }
            V1Service service = selected.get(0);
            require(
                    "None".equals(service.getSpec().getClusterIP()),
                    parsed.describe()
                            + ": must scrape through the headless Service, which lists pods that are not ready");
            for (JsonElement endpoint : spec.getAsJsonArray("endpoints")) {
                String port = KubernetesManifests.string(endpoint, "port");
                require(
                        service.getSpec().getPorts().stream().anyMatch(p -> Objects.equals(p.getName(), port)),
                        parsed.describe() + ": endpoint port " + port + " is no named port of Service/"
                                + service.getMetadata().getName());
                require(
                        "/q/metrics".equals(KubernetesManifests.string(endpoint, "path")),
                        parsed.describe() + ": must scrape /q/metrics");
            }
        }
        List<Parsed> rules = ofKind("PrometheusRule");
        require(rules.size() == 1, "expected one PrometheusRule, found " + rules.size());
        for (Parsed parsed : rules) {
            for (JsonElement group : parsed.json().getAsJsonObject("spec").getAsJsonArray("groups")) {
                for (JsonElement rule : group.getAsJsonObject().getAsJsonArray("rules")) {
                    checkAlert(parsed, rule.getAsJsonObject());
                }
            }
        }
    }

    private void checkAlert(Parsed parsed, JsonObject rule) {
        String name = KubernetesManifests.string(rule, "alert");
        if (name == null) {
            return;
        }
        String where = parsed.describe() + " alert " + name;
        require(rule.has("for"), where + ": needs a for duration");
        JsonObject labels = rule.getAsJsonObject("labels");
        String severity = KubernetesManifests.string(labels, "severity");
        require(
                severity != null && SEVERITIES.contains(severity),
                where + ": needs a severity label, one of " + SEVERITIES);
        JsonObject annotations = rule.getAsJsonObject("annotations");
        require(
                annotations != null && annotations.has("summary") && annotations.has("description"),
                where + ": needs summary and description annotations");
        Set<String> metrics = new java.util.TreeSet<>();
        KubernetesManifests.collectMetricNames(KubernetesManifests.string(rule, "expr"), metrics);
        require(!metrics.isEmpty(), where + ": reads none of the service's metrics");
        for (String metric : metrics) {
            require(
                    SERVICE_METRICS.contains(metric) || isBaseOfServiceMetric(metric),
                    where + ": " + metric + " is not a metric of the service");
        }
    }

    static boolean isBaseOfServiceMetric(String name) {
        return SERVICE_METRICS.stream().anyMatch(metric -> metric.startsWith(name + "_"));
    }

    private void checkServiceAccount(V1PodSpec pod, String where) {
        require(
                Boolean.FALSE.equals(pod.getAutomountServiceAccountToken()),
                where + ": automountServiceAccountToken must be false");
        require(
                Boolean.FALSE.equals(pod.getEnableServiceLinks()),
                where
                        + ": enableServiceLinks must be false (Service variables look like LOGIN_STATE_* and KAFKA_* settings)");
        for (Parsed parsed : ofKind("ServiceAccount")) {
            V1ServiceAccount account = (V1ServiceAccount) parsed.model();
            require(
                    Boolean.FALSE.equals(account.getAutomountServiceAccountToken()),
                    parsed.describe() + ": automountServiceAccountToken must be false");
            require(
                    account.getMetadata().getName().equals(pod.getServiceAccountName()),
                    where + ": serviceAccountName must be "
                            + account.getMetadata().getName());
        }
    }

    private void checkSizing(
            V1StatefulSet statefulSet,
            V1Container container,
            Map<String, String> env,
            Optional<V1ConfigMap> config,
            String where) {
        Map<String, Quantity> requests = orEmptyMap(
                container.getResources() == null
                        ? null
                        : container.getResources().getRequests());
        Map<String, Quantity> limits = orEmptyMap(
                container.getResources() == null
                        ? null
                        : container.getResources().getLimits());
        Quantity memoryRequest = requests.get("memory");
        Quantity memoryLimit = limits.get("memory");
        if (memoryRequest == null || memoryLimit == null || requests.get("cpu") == null) {
            problems.add(where + ": needs a memory request and limit and a cpu request");
            return;
        }
        require(
                memoryRequest.getNumber().compareTo(memoryLimit.getNumber()) == 0,
                where + ": memory request " + memoryRequest.toSuffixedString() + " must equal the limit "
                        + memoryLimit.toSuffixedString());

        Duration closeTimeout = duration(
                setting(env, config, "login-state.processing.close-timeout").orElseThrow());
        long grace = orDefault(statefulSet.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds(), 30L);
        long graceNeeded = Sizing.graceSeconds(closeTimeout);
        require(
                grace >= graceNeeded,
                where + ": terminationGracePeriodSeconds " + grace + " is shorter than the close path: 3 x the"
                        + " close timeout (" + closeTimeout.toSeconds() + " s) + registry slack, client closes and"
                        + " margin = " + graceNeeded + " s");

        Map<String, String> annotations = orEmptyMap(statefulSet.getMetadata().getAnnotations());
        if (!annotations.keySet().containsAll(List.of(TOPIC_PARTITIONS, PARTITIONS_PER_POD, LARGEST_PARTITION))) {
            problems.add(where + ": needs the sizing annotations " + TOPIC_PARTITIONS + ", " + PARTITIONS_PER_POD
                    + " and " + LARGEST_PARTITION);
            return;
        }
        int replicas = orDefault(statefulSet.getSpec().getReplicas(), 1);
        int topicPartitions = Integer.parseInt(annotations.get(TOPIC_PARTITIONS));
        int partitions = Integer.parseInt(annotations.get(PARTITIONS_PER_POD));
        int partitionsNeeded = Sizing.partitionsPerPod(topicPartitions, replicas);
        require(
                partitions >= partitionsNeeded,
                where + ": " + PARTITIONS_PER_POD + " " + partitions + " < ceil(" + topicPartitions + " / (" + replicas
                        + " - 1)) = " + partitionsNeeded);

        Map<String, String> jvm = jvmOptions(env.getOrDefault("JAVA_OPTS_APPEND", ""));
        List<String> bounds = List.of("Xmx", "MaxMetaspaceSize", "ReservedCodeCacheSize", "MaxDirectMemorySize");
        if (!jvm.keySet().containsAll(bounds)) {
            problems.add(where + ": JAVA_OPTS_APPEND must set -Xmx, -XX:MaxMetaspaceSize, -XX:ReservedCodeCacheSize"
                    + " and -XX:MaxDirectMemorySize");
            return;
        }
        long heap = jvmBytes(jvm.get("Xmx"));
        long heapNeeded = Sizing.heapBytes(
                partitions,
                Long.parseLong(setting(env, config, "login-state.processing.cache-bytes-per-partition")
                        .orElseThrow()),
                Integer.parseInt(setting(env, config, "login-state.processing.max-queued-batches")
                        .orElseThrow()),
                Long.parseLong(keys.property("mp.messaging.incoming.logins.max.partition.fetch.bytes")
                        .orElse("1048576")));
        require(heap >= heapNeeded, where + ": -Xmx " + mib(heap) + " is below the heap formula's " + mib(heapNeeded));
        long memoryNeeded = Sizing.memoryBytes(
                heap,
                Long.parseLong(setting(env, config, "login-state.rocksdb.block-cache-size")
                        .orElseThrow()),
                Long.parseLong(setting(env, config, "login-state.rocksdb.write-buffer-size")
                        .orElseThrow()),
                partitions,
                jvmBytes(jvm.get("MaxMetaspaceSize")),
                jvmBytes(jvm.get("ReservedCodeCacheSize")),
                jvmBytes(jvm.get("MaxDirectMemorySize")));
        require(
                memoryLimit.getNumber().longValue() >= memoryNeeded,
                where + ": memory limit " + memoryLimit.toSuffixedString() + " is below the memory formula's "
                        + mib(memoryNeeded));
        if (jvm.containsKey("ActiveProcessorCount")) {
            long cpus = (long) Math.ceil(requests.get("cpu").getNumber().doubleValue());
            require(
                    Long.parseLong(jvm.get("ActiveProcessorCount")) == cpus,
                    where + ": -XX:ActiveProcessorCount must match the cpu request (" + cpus + ")");
        }

        long largest =
                new Quantity(annotations.get(LARGEST_PARTITION)).getNumber().longValue();
        long storageNeeded = Sizing.storageBytes(partitions, largest);
        for (V1PersistentVolumeClaim claim : orEmpty(statefulSet.getSpec().getVolumeClaimTemplates())) {
            Quantity storage = orEmptyMap(
                            claim.getSpec().getResources() == null
                                    ? null
                                    : claim.getSpec().getResources().getRequests())
                    .get("storage");
            require(
                    storage != null && storage.getNumber().longValue() >= storageNeeded,
                    where + ": volume " + claim.getMetadata().getName() + " must hold at least 2 x " + partitions
                            + " x " + annotations.get(LARGEST_PARTITION) + " = " + mib(storageNeeded));
        }
    }

    /** A login-state.* setting: the container's env, else the ConfigMap, else the mapping's default. */
    private Optional<String> setting(Map<String, String> env, Optional<V1ConfigMap> config, String key) {
        String name = ConfigKeys.env(key);
        if (env.containsKey(name)) {
            return Optional.of(env.get(name));
        }
        if (config.isPresent()
                && config.get().getData() != null
                && config.get().getData().containsKey(name)) {
            return Optional.of(config.get().getData().get(name));
        }
        return keys.defaultValue(key);
    }

    private Optional<V1ConfigMap> configMap(V1Container container, String where) {
        for (V1EnvFromSource source : orEmpty(container.getEnvFrom())) {
            if (source.getConfigMapRef() != null) {
                String name = source.getConfigMapRef().getName();
                Optional<V1ConfigMap> found = ofKind("ConfigMap").stream()
                        .map(p -> (V1ConfigMap) p.model())
                        .filter(c -> c.getMetadata().getName().equals(name))
                        .findFirst();
                if (found.isEmpty()) {
                    problems.add(where + ": envFrom names ConfigMap " + name + ", which is not there");
                }
                return found;
            }
        }
        problems.add(where + ": the settings must come from a ConfigMap (envFrom)");
        return Optional.empty();
    }

    private static Map<String, String> literalEnv(V1Container container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (V1EnvVar variable : orEmpty(container.getEnv())) {
            if (variable.getValue() != null) {
                env.put(variable.getName(), variable.getValue());
            }
        }
        return env;
    }

    private static Optional<V1ContainerPort> containerPort(V1Container container, IntOrString port) {
        return orEmpty(container.getPorts()).stream()
                .filter(p -> port.isInteger()
                        ? p.getContainerPort().equals(port.getIntValue())
                        : port.getStrValue().equals(p.getName()))
                .findFirst();
    }

    /** {@code -Xmx896m} → Xmx=896m, {@code -XX:Name=value} → Name=value. */
    static Map<String, String> jvmOptions(String options) {
        Map<String, String> parsed = new LinkedHashMap<>();
        for (String option : options.trim().split("\\s+")) {
            if (option.startsWith("-Xmx") || option.startsWith("-Xms")) {
                parsed.put(option.substring(1, 4), option.substring(4));
            } else if (option.startsWith("-XX:") && option.contains("=")) {
                int equals = option.indexOf('=');
                parsed.put(option.substring(4, equals), option.substring(equals + 1));
            }
        }
        return parsed;
    }

    static long jvmBytes(String size) {
        Matcher matcher = JVM_SIZE.matcher(size);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("Not a JVM size: " + size);
        }
        long value = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> value * 1024;
            case "m" -> value * Sizing.MIB;
            case "g" -> value * 1024 * Sizing.MIB;
            default -> value;
        };
    }

    /** A duration as SmallRye Config reads it: ISO-8601 (PT30S) or a number with ms, s, m, h or d (seconds without). */
    static Duration duration(String value) {
        String text = value.trim();
        if (text.startsWith("P") || text.startsWith("p")) {
            return Duration.parse(text.toUpperCase(Locale.ROOT));
        }
        Matcher matcher = Pattern.compile("^([0-9]+)(ms|s|m|h|d)?$").matcher(text);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("Not a duration: " + value);
        }
        long amount = Long.parseLong(matcher.group(1));
        String unit = matcher.group(2) == null ? "s" : matcher.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            case "d" -> Duration.ofDays(amount);
            default -> Duration.ofSeconds(amount);
        };
    }

    static boolean matches(V1LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        if (!subset(orEmptyMap(selector.getMatchLabels()), labels)) {
            return false;
        }
        for (V1LabelSelectorRequirement requirement : orEmpty(selector.getMatchExpressions())) {
            String value = labels.get(requirement.getKey());
            List<String> values = orEmpty(requirement.getValues());
            boolean holds = switch (requirement.getOperator()) {
                case "In" -> value != null && values.contains(value);
                case "NotIn" -> value == null || !values.contains(value);
                case "Exists" -> value != null;
                case "DoesNotExist" -> value == null;
                default -> false;
            };
            if (!holds) {
                return false;
            }
        }
        return true;
    }

    private static boolean subset(Map<String, String> required, Map<String, String> labels) {
        return required.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    private static Map<String, String> labels(V1StatefulSet statefulSet) {
        return orEmptyMap(
                statefulSet.getSpec().getTemplate().getMetadata() == null
                        ? null
                        : statefulSet.getSpec().getTemplate().getMetadata().getLabels());
    }

    private static boolean under(String path, String mountPath) {
        String mount = mountPath.endsWith("/") ? mountPath : mountPath + "/";
        return path.equals(mountPath) || path.startsWith(mount);
    }

    private static String mib(long bytes) {
        return (bytes + Sizing.MIB - 1) / Sizing.MIB + " MiB";
    }

    private List<Parsed> ofKind(String kind) {
        return objects.stream().filter(p -> kind.equals(p.kind())).toList();
    }

    private void require(boolean holds, String problem) {
        if (!holds) {
            problems.add(problem);
        }
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static <K, V> Map<K, V> orEmptyMap(Map<K, V> map) {
        return map == null ? Map.of() : map;
    }

    private static <T> T orDefault(T value, T fallback) {
        return value == null ? fallback : value;
    }
}
