package io.loginstate.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.loginstate.deploy.StrictObjects.InvalidObjectException;
import io.loginstate.deploy.StrictObjects.Parsed;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The manifests under {@code k8s/}, offline: every object parsed strictly against the official
 * Kubernetes API model (the Prometheus Operator kinds against a schema of the fields used), the
 * rules across them ({@link ManifestRules}) on the base files and on what {@code kubectl kustomize}
 * renders for the base and the production overlay, the dashboard and alerts against the service's
 * metric names, and broken manifests that the same checks must reject.
 */
class KubernetesManifestsTest {

    private static final String STATEFUL_SET = "k8s/base/statefulset.yaml";

    private static ConfigKeys keys;

    @BeforeAll
    static void readConfiguration() {
        keys = ConfigKeys.load();
    }

    static Stream<Path> objectFiles() {
        return KubernetesManifests.objectFiles(KubernetesManifests.ROOT).stream();
    }

    @ParameterizedTest
    @MethodSource("objectFiles")
    void everyObjectFileParsesStrictly(Path file) {
        List<JsonObject> documents = KubernetesManifests.documents(KubernetesManifests.read(file), file.toString());

        assertThat(documents).as(file + " holds objects").isNotEmpty();
        for (JsonObject document : documents) {
            Parsed parsed = StrictObjects.parse(document, file.toString());
            assertThat(parsed.name()).as(parsed.describe() + " has a name").isNotBlank();
        }
    }

    @Test
    void theBaseFilesKeepEveryRule() {
        assertThat(ManifestRules.check(KubernetesManifests.objectSources(KubernetesManifests.BASE), keys))
                .isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"k8s", "k8s/overlays/production"})
    void theRenderedKustomizationsParseStrictlyAndKeepEveryRule(String directory) {
        String rendered = render(Path.of(directory));

        assertThat(ManifestRules.check(Map.of("kubectl kustomize " + directory, rendered), keys))
                .isEmpty();
        List<JsonObject> objects = KubernetesManifests.documents(rendered, directory);
        JsonObject dashboard = objects.stream()
                .filter(o -> "ConfigMap".equals(KubernetesManifests.string(o, "kind")))
                .filter(o -> "login-state-dashboard".equals(KubernetesManifests.string(o.get("metadata"), "name")))
                .findFirst()
                .orElseThrow(() -> new AssertionError(directory + " renders no dashboard ConfigMap"));
        assertThat(KubernetesManifests.string(
                        dashboard.getAsJsonObject("metadata").get("labels"), "grafana_dashboard"))
                .isEqualTo("1");
        JsonObject json = JsonParser.parseString(KubernetesManifests.string(dashboard.get("data"), "login-state.json"))
                .getAsJsonObject();
        assertThat(json.getAsJsonArray("panels")).isNotEmpty();
    }

    @Test
    void theProductionOverlayPutsEverythingInItsNamespaceAndLeavesTheSecretOut() {
        List<JsonObject> objects =
                KubernetesManifests.documents(render(KubernetesManifests.PRODUCTION), "production overlay");

        for (JsonObject object : objects) {
            String kind = KubernetesManifests.string(object, "kind");
            if (!"Namespace".equals(kind)) {
                assertThat(KubernetesManifests.string(object.get("metadata"), "namespace"))
                        .as(kind)
                        .isEqualTo("login-state");
            }
            assertThat(kind)
                    .as("the placeholder Secret stays out of production")
                    .isNotEqualTo("Secret");
        }
    }

    @Test
    void theDashboardAndTheAlertsReadOnlyTheServicesMetrics() {
        Set<String> referenced = KubernetesManifests.metricNamesReferenced();

        for (String name : referenced) {
            assertThat(ManifestRules.SERVICE_METRICS.contains(name) || ManifestRules.isBaseOfServiceMetric(name))
                    .as(name + " is a metric of the service")
                    .isTrue();
        }
        assertThat(referenced).containsAll(ManifestRules.SERVICE_METRICS);
        assertThat(referenced)
                .contains(
                        "login_state_checkpoint_pause_seconds",
                        "login_state_restore_duration_seconds",
                        "http_server_requests_seconds");
    }

    @Test
    void theDashboardShowsEachConcern() {
        JsonObject dashboard = JsonParser.parseString(
                        KubernetesManifests.read(KubernetesManifests.BASE.resolve("dashboards/login-state.json")))
                .getAsJsonObject();
        Set<Integer> ids = new HashSet<>();
        Map<String, List<String>> expressions = new LinkedHashMap<>();
        for (JsonElement element : dashboard.getAsJsonArray("panels")) {
            JsonObject panel = element.getAsJsonObject();
            assertThat(ids.add(panel.get("id").getAsInt()))
                    .as("panel ids are unique")
                    .isTrue();
            if ("row".equals(KubernetesManifests.string(panel, "type"))) {
                continue;
            }
            List<String> exprs = new ArrayList<>();
            for (JsonElement target : panel.getAsJsonArray("targets")) {
                exprs.add(KubernetesManifests.string(target, "expr"));
            }
            assertThat(exprs)
                    .as(KubernetesManifests.string(panel, "title"))
                    .isNotEmpty()
                    .doesNotContainNull();
            expressions.put(KubernetesManifests.string(panel, "title"), exprs);
        }
        assertThat(expressions.get("Ingest rate")).anyMatch(e -> e.contains("rate(login_state_records_applied_total"));
        assertThat(expressions.get("Consumer lag")).anyMatch(e -> e.contains("login_state_consumer_lag_records"));
        assertThat(expressions.get("Checkpoint pause p99"))
                .anyMatch(
                        e -> e.startsWith("histogram_quantile(0.99") && e.contains("checkpoint_pause_seconds_bucket"));
        assertThat(expressions.get("Query latency p50 / p99"))
                .anyMatch(e -> e.startsWith("histogram_quantile(0.5") && e.contains("uri=\"/users/{userId}\""))
                .anyMatch(e -> e.startsWith("histogram_quantile(0.99"));
        assertThat(expressions.get("Query rate"))
                .anyMatch(e -> e.contains("http_server_requests_seconds_count{uri=\"/users/{userId}\""));
        assertThat(expressions.keySet())
                .contains(
                        "Checkpoint age",
                        "Restore duration p50 / p99",
                        "Restore download rate",
                        "Dead-lettered by reason",
                        "TTL backlog",
                        "Oldest unpurged expired entry");
    }

    @Test
    void alertThresholdsFollowTheSettings() {
        V1ConfigMap config = baseConfigMap();
        Duration interval = ManifestRules.duration(setting(config, "login-state.checkpoint.interval"));
        Duration deletionDeadline = ManifestRules.duration(setting(config, "login-state.ttl.max-deletion-delay"));
        String rules = KubernetesManifests.read(KubernetesManifests.BASE.resolve("prometheusrule.yaml"));

        assertThat(threshold(rules, "login_state_checkpoint_last_success_age_seconds"))
                .as("checkpoint age alert: 5 x the checkpoint interval")
                .isEqualTo(5 * interval.toSeconds());
        assertThat(threshold(rules, "login_state_ttl_oldest_unpurged_expired_age_seconds"))
                .as("TTL alert: the deletion deadline")
                .isEqualTo(deletionDeadline.toSeconds());
    }

    @Test
    void configurationKeysAreFoundByReflectionOverTheMapping() {
        assertThat(keys.mappingKeys())
                .contains(
                        "login-state.state-dir",
                        "login-state.instance.advertised-url",
                        "login-state.object-store.s3.access-key-id",
                        "login-state.processing.close-timeout");
        assertThat(keys.unknown("LOGIN_STATE_INSTANCE_ID")).isEmpty();
        assertThat(keys.unknown("LOGIN_STATE_GROUP_ID"))
                .as("referenced by application.properties")
                .isEmpty();
        assertThat(keys.unknown("KAFKA_SASL_JAAS_CONFIG")).isEmpty();
        assertThat(keys.unknown("JAVA_OPTS_APPEND"))
                .as("not a setting, not checked")
                .isEmpty();
        assertThat(keys.unknown("LOGIN_STATE_INSTANCE_IDD")).isPresent();
        assertThat(keys.unknown("KAFKA_SASL_JASS_CONFIG")).isPresent();
        assertThat(keys.unknown("QUARKUS_HTTP_PROT")).isPresent();
        assertThat(keys.defaultValue("login-state.processing.close-timeout")).contains("30s");
    }

    @ParameterizedTest
    @ValueSource(strings = {"src/main/docker/Dockerfile.jvm", "src/main/docker/Dockerfile.native"})
    void theImagesRunAsTheNonRootUserAndSetOnlyRealSettings(String dockerfile) {
        String text = KubernetesManifests.read(Path.of(dockerfile));
        Matcher assignments =
                Pattern.compile("(?m)^(?:ENV\\s+|\\s+)([A-Z][A-Z0-9_]*)=").matcher(text);
        List<String> names = new ArrayList<>();
        while (assignments.find()) {
            names.add(assignments.group(1));
        }

        assertThat(names).contains("LOGIN_STATE_STATE_DIR", "LOGIN_STATE_OBJECT_STORE_DIRECTORY_PATH");
        for (String name : names) {
            assertThat(keys.unknown(name)).as(dockerfile + ": " + name).isEmpty();
        }
        assertThat(text).contains("ENV LOGIN_STATE_STATE_DIR=/deployments/data/state");
        List<String> users = Pattern.compile("(?m)^USER\\s+(\\S+)")
                .matcher(text)
                .results()
                .map(m -> m.group(1))
                .toList();
        assertThat(users).as(dockerfile + ": the last USER").last().isEqualTo("185");
    }

    @Test
    void theGracePeriodFormulaFollowsTheClosePath() {
        // 3 x 30 s + 5 s + (10 s dead-letter producer + 3 s admin + 2 s consumer) + 15 s.
        assertThat(Sizing.graceSeconds(Duration.ofSeconds(30))).isEqualTo(125);
        assertThat(Sizing.graceSeconds(Duration.ofSeconds(60))).isEqualTo(215);
    }

    /** Each broken manifest: a change to one base file, and what the rejection must say. */
    static Stream<Arguments> brokenManifests() {
        return Stream.of(
                Arguments.of(
                        "an unknown field in the StatefulSet spec",
                        STATEFUL_SET,
                        "  podManagementPolicy: Parallel\n",
                        "  podManagementPolicy: Parallel\n  replica: 3\n",
                        "`replica`"),
                Arguments.of(
                        "a removed pod's volume kept",
                        STATEFUL_SET,
                        "    whenScaled: Delete\n",
                        "    whenScaled: Retain\n",
                        "must delete a removed pod's volume"),
                Arguments.of(
                        "replicas of the wrong type",
                        STATEFUL_SET,
                        "  replicas: 3\n",
                        "  replicas: \"three\"\n",
                        "replicas must be a number"),
                Arguments.of(
                        "a number where the model wants a string",
                        STATEFUL_SET,
                        "  serviceName: login-state-headless\n",
                        "  serviceName: 42\n",
                        "serviceName must be a string"),
                Arguments.of(
                        "a container without a name",
                        STATEFUL_SET,
                        "        - name: login-state\n          image:",
                        "        - image:",
                        "`name`"),
                Arguments.of(
                        "a selector that does not match the pods",
                        STATEFUL_SET,
                        "  selector:\n    matchLabels:\n      app.kubernetes.io/name: login-state\n"
                                + "      app.kubernetes.io/component: server\n",
                        "  selector:\n    matchLabels:\n      app.kubernetes.io/name: login-state\n"
                                + "      app.kubernetes.io/component: worker\n",
                        "does not match the pod template's labels"),
                Arguments.of(
                        "a Service that selects no pod",
                        "k8s/base/service.yaml",
                        "    app.kubernetes.io/component: server\n",
                        "    app.kubernetes.io/component: servr\n",
                        "does not select the pods"),
                Arguments.of(
                        "a misspelt setting",
                        STATEFUL_SET,
                        "- name: LOGIN_STATE_INSTANCE_ID\n",
                        "- name: LOGIN_STATE_INSTANCE_IDD\n",
                        "LOGIN_STATE_INSTANCE_IDD names no setting"),
                Arguments.of(
                        "a misspelt setting in the ConfigMap",
                        "k8s/base/configmap.yaml",
                        "  LOGIN_STATE_TOPIC:",
                        "  LOGIN_STATE_TOPICS:",
                        "LOGIN_STATE_TOPICS names no setting"),
                Arguments.of(
                        "a probe on the wrong path",
                        STATEFUL_SET,
                        "path: /q/health/ready",
                        "path: /health/ready",
                        "readinessProbe must GET /q/health/ready"),
                Arguments.of(
                        "a probe on a port the container does not have",
                        STATEFUL_SET,
                        "              path: /q/health/live\n              port: http\n",
                        "              path: /q/health/live\n              port: 9000\n",
                        "livenessProbe port 9000 is no container port"),
                Arguments.of(
                        "a grace period shorter than the close path",
                        STATEFUL_SET,
                        "terminationGracePeriodSeconds: 125",
                        "terminationGracePeriodSeconds: 60",
                        "terminationGracePeriodSeconds 60 is shorter than the close path"),
                Arguments.of(
                        "a memory request below the limit",
                        STATEFUL_SET,
                        "              cpu: \"2\"\n              memory: 2Gi\n",
                        "              cpu: \"2\"\n              memory: 1Gi\n",
                        "must equal the limit"),
                Arguments.of(
                        "a heap too small for the partitions",
                        STATEFUL_SET,
                        "-Xms896m -Xmx896m",
                        "-Xms512m -Xmx512m",
                        "is below the heap formula's"),
                Arguments.of(
                        "a writable root file system",
                        STATEFUL_SET,
                        "readOnlyRootFilesystem: true",
                        "readOnlyRootFilesystem: false",
                        "readOnlyRootFilesystem must be true"),
                Arguments.of(
                        "a governing Service that hides pods which are not ready",
                        "k8s/base/service-headless.yaml",
                        "publishNotReadyAddresses: true",
                        "publishNotReadyAddresses: false",
                        "must publish not-ready addresses"),
                Arguments.of(
                        "an unknown field in the ServiceMonitor",
                        "k8s/base/servicemonitor.yaml",
                        "      interval: 30s\n",
                        "      intervall: 30s\n",
                        "spec.endpoints[0].intervall is not a known field"),
                Arguments.of(
                        "an alert without a severity",
                        "k8s/base/prometheusrule.yaml",
                        "            severity: critical\n",
                        "            priority: critical\n",
                        "needs a severity label"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenManifests")
    void brokenManifestsAreRejected(String what, String file, String original, String broken, String expected) {
        Map<String, String> sources = KubernetesManifests.objectSources(KubernetesManifests.BASE);
        String text = sources.get(Path.of(file).toString());
        assertThat(text).as(file).isNotNull().contains(original);

        sources.put(Path.of(file).toString(), text.replace(original, broken));

        assertThat(ManifestRules.check(sources, keys))
                .as(what)
                .isNotEmpty()
                .anyMatch(problem -> problem.contains(expected));
    }

    @Test
    void brokenObjectsWrittenOutAreRejectedByTheModel() {
        String withoutName = """
                apiVersion: apps/v1
                kind: StatefulSet
                metadata:
                  name: broken
                spec:
                  serviceName: broken
                  selector:
                    matchLabels: {app: broken}
                  template:
                    metadata:
                      labels: {app: broken}
                    spec:
                      containers:
                        - image: example/broken:1
                """;
        String portAsWord = """
                apiVersion: v1
                kind: Service
                metadata:
                  name: broken
                spec:
                  selector: {app: broken}
                  ports:
                    - name: http
                      port: "eighty"
                """;
        String unknownField = """
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata:
                  name: broken
                spec:
                  maxUnavailable: 1
                  selector:
                    matchLabel: {app: broken}
                """;

        assertThatThrownBy(() -> parse(withoutName))
                .isInstanceOf(InvalidObjectException.class)
                .hasMessageContaining("`name`");
        assertThatThrownBy(() -> parse(portAsWord))
                .isInstanceOf(InvalidObjectException.class)
                .hasMessageContaining("spec.ports[0].port must be a number");
        assertThatThrownBy(() -> parse(unknownField))
                .isInstanceOf(InvalidObjectException.class)
                .hasMessageContaining("`matchLabel`");
    }

    private static Parsed parse(String yaml) {
        return StrictObjects.parse(KubernetesManifests.documents(yaml, "inline").get(0), "inline");
    }

    @Test
    void kindsWithoutAModelAreRejected() {
        JsonObject deployment = KubernetesManifests.documents(
                        "apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: x}\nspec: {}\n", "inline")
                .get(0);

        assertThatThrownBy(() -> StrictObjects.parse(deployment, "inline"))
                .isInstanceOf(InvalidObjectException.class)
                .hasMessageContaining("no model for apps/v1/Deploymnet");
    }

    private static String render(Path directory) {
        Path kubectl = KubernetesManifests.kubectl().orElse(null);
        assumeTrue(
                kubectl != null,
                "kubectl is not on the PATH, so the kustomizations cannot be rendered here; the base files"
                        + " are still checked file by file");
        return KubernetesManifests.kustomize(kubectl, directory);
    }

    private static V1ConfigMap baseConfigMap() {
        String file = KubernetesManifests.BASE.resolve("configmap.yaml").toString();
        Parsed parsed = StrictObjects.parse(
                KubernetesManifests.documents(KubernetesManifests.read(Path.of(file)), file)
                        .get(0),
                file);
        return (V1ConfigMap) parsed.model();
    }

    private static String setting(V1ConfigMap config, String key) {
        String value = config.getData().get(ConfigKeys.env(key));
        return value != null ? value : keys.defaultValue(key).orElseThrow();
    }

    /** The number an alert compares {@code metric} with ({@code metric...) > N}). */
    private static long threshold(String rules, String metric) {
        Matcher matcher = Pattern.compile(Pattern.quote(metric) + "[^)]*\\)\\s*>\\s*([0-9]+)")
                .matcher(rules);
        assertThat(matcher.find()).as("an alert compares " + metric).isTrue();
        return Long.parseLong(matcher.group(1));
    }
}
