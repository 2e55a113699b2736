package io.loginstate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loginstate.deploy.KubernetesManifests;
import io.loginstate.embedded.EmbeddedKafkaBroker;
import io.loginstate.processing.KeyPartitioner;
import io.loginstate.testing.CheckpointedCluster;
import io.loginstate.testing.ExpectedLogins;
import io.loginstate.testing.LoginStream;
import io.loginstate.testing.PrometheusScrape;
import io.loginstate.testing.ServiceLog;
import io.loginstate.testing.ServiceProcess;
import io.loginstate.testing.TestProducers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP API of the packaged service in its production profile, as a pod runs it: without
 * credentials configured it refuses to start and says which settings to set; {@code
 * LOGIN_STATE_API_AUTH=none} opens it with a warning; with a credentials file (a mounted Secret)
 * every query needs credentials, health, metrics and the OpenAPI description stay open, and a
 * query answered by forwarding to the owner carries the caller's credentials. The production log is
 * JSON, one object per line, and no line at INFO or above names a user, an IP address or a user
 * agent of the events it processed.
 */
class ApiSecurityIT {

    private static final String TOPIC = "logins";
    private static final String GROUP = "login-state-security";
    private static final int PARTITIONS = 6;
    private static final int EVENTS = 3_000;
    private static final int USERS = 300;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String READER_SECRET = "reader-secret-5f3a9c1e7b";
    private static final String ADMIN_SECRET = "admin-secret-0d8e2b6a4c9f";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static CheckpointedCluster cluster;
    private static Path credentials;

    @BeforeAll
    static void start() throws Exception {
        cluster = CheckpointedCluster.start("login-state-security", TOPIC, PARTITIONS, "login-state-it", "security/");
        credentials = cluster.workDir().resolve("api-credentials");
        Files.writeString(
                credentials,
                "# name:roles:secret\nqueries:reader:" + READER_SECRET + "\noperator:admin:" + ADMIN_SECRET + "\n");
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void withoutCredentialsTheProductionDefaultRefusesToStartAndNoneOpensItWithAWarning() throws Exception {
        ServiceLog refused = CheckpointedCluster.freshLog("security-refused.log");
        int port = EmbeddedKafkaBroker.freePort();
        try (ServiceProcess service = ServiceProcess.startAsConfigured(
                settings("state-refused", port), Map.of(), List.of(), refused.file(), port)) {
            OptionalInt exit = service.awaitExit(TIMEOUT);
            assertThat(exit).as("the service ends by itself").isPresent();
            assertThat(exit.getAsInt()).as("exit code").isNotZero();
        }
        String text = Files.readString(refused.file());
        assertThat(text)
                .contains("login-state.api.credentials-file")
                .contains("LOGIN_STATE_API_CREDENTIALS_FILE")
                .contains("LOGIN_STATE_API_AUTH=none");
        assertThat(text).doesNotContain("Partition " + TOPIC + "-");

        ServiceLog open = CheckpointedCluster.freshLog("security-open.log");
        int openPort = EmbeddedKafkaBroker.freePort();
        try (ServiceProcess service = ServiceProcess.startAsConfigured(
                settings("state-open", openPort),
                Map.of("LOGIN_STATE_API_AUTH", "none"),
                List.of(),
                open.file(),
                openPort)) {
            await("ready").atMost(TIMEOUT).until(service::ready);
            assertThat(service.get("/users/nobody").status()).isEqualTo(404);
            assertThat(jsonLines(open.file())).anySatisfy(line -> {
                assertThat(line.path("level").asText()).isEqualTo("WARN");
                assertThat(line.path("message").asText())
                        .contains("login-state.api.auth=none")
                        .contains("without credentials");
            });
        }
    }

    @Test
    void credentialsGuardEveryQueryOnEveryInstanceAndTravelWithForwardedOnes() throws Exception {
        long seed = new Random().nextLong();
        System.out.println("ApiSecurityIT seed " + seed);
        String reader = basic("queries", READER_SECRET);
        ServiceLog logA = CheckpointedCluster.freshLog("security-a.log");
        ServiceLog logB = CheckpointedCluster.freshLog("security-b.log");
        int portA = EmbeddedKafkaBroker.freePort();
        int portB = EmbeddedKafkaBroker.freePort();
        Map<String, String> secured = Map.of(
                "LOGIN_STATE_API_CREDENTIALS_FILE",
                credentials.toString(),
                "LOGIN_STATE_ERASURE_SUBJECT_KEY",
                "security-it-subject-key");
        try (LoginStream stream = LoginStream.generate(new Random(seed), EVENTS, USERS);
                ServiceProcess a = ServiceProcess.startAsConfigured(
                                settings(GROUP, "state-a", portA), secured, List.of(), logA.file(), portA)
                        .authorization(reader);
                ServiceProcess b = ServiceProcess.startAsConfigured(
                                settings(GROUP, "state-b", portB), secured, List.of(), logB.file(), portB)
                        .authorization(reader)) {
            stream.send(cluster.bootstrapServers(), TOPIC, 0, EVENTS, 200);
            List<String> hostileUsers = sendHostile();
            await("A and B share the partitions and apply every event")
                    .atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        ServiceProcess.Progress pa = a.progress();
                        ServiceProcess.Progress pb = b.progress();
                        return pa.partitions() > 0
                                && pb.partitions() > 0
                                && pa.partitions() + pb.partitions() == PARTITIONS
                                && pa.nextOffsets() + pb.nextOffsets() == EVENTS + hostileUsers.size();
                    });
            await("both ready").atMost(TIMEOUT).until(() -> a.ready() && b.ready());

            String user = stream.expected().users().keySet().iterator().next();
            for (String path : List.of("/users/" + user, "/partitions", "/")) {
                ServiceProcess.Answer none = a.get(path, null);
                assertThat(none.status()).as(path + " without credentials").isEqualTo(401);
                assertThat(none.header("WWW-Authenticate")).startsWith("Basic");
                assertThat(none.json().path("error").asText()).isEqualTo("UNAUTHORIZED");
                ServiceProcess.Answer wrong = a.get(path, basic("queries", ADMIN_SECRET));
                assertThat(wrong.status()).as(path + " with the wrong secret").isEqualTo(401);
                assertThat(wrong.body()).doesNotContain(ADMIN_SECRET).doesNotContain(READER_SECRET);
            }
            assertThat(a.get("/users/" + user, "Bearer " + READER_SECRET).status())
                    .as("the reader's secret as a bearer token")
                    .isEqualTo(200);
            assertThat(a.get("/users/" + user, basic("operator", ADMIN_SECRET)).status())
                    .as("an admin may query too")
                    .isEqualTo(200);
            assertThat(a.get("/users/" + user, "Digest abc").status()).isEqualTo(401);

            // Savepoints are for admins only.
            assertThat(a.get("/admin/savepoints", null).status()).isEqualTo(401);
            ServiceProcess.Answer asReader = a.post("/admin/savepoints");
            assertThat(asReader.status()).as("a reader takes no savepoint").isEqualTo(403);
            assertThat(asReader.json().path("error").asText()).isEqualTo("FORBIDDEN");
            String admin = basic("operator", ADMIN_SECRET);
            ServiceProcess.Answer taken = a.post("/admin/savepoints", admin);
            assertThat(taken.status()).as(taken.body()).isEqualTo(202);
            String savepoint = taken.json().path("id").asText();
            await("savepoint " + savepoint + " completes")
                    .atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> b.get("/admin/savepoints/" + savepoint, admin)
                            .json()
                            .path("state")
                            .asText()
                            .equals("complete"));
            ServiceProcess.Answer missing = a.get("/admin/savepoints/no-such-savepoint", admin);
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.json().path("error").asText()).isEqualTo("SAVEPOINT_NOT_FOUND");
            for (String open : List.of("/q/health/live", "/q/health/ready", "/q/health/started", "/q/metrics")) {
                assertThat(a.get(open, null).status())
                        .as(open + " without credentials")
                        .isEqualTo(200);
            }
            ServiceProcess.Answer openapi = a.get("/q/openapi?format=json", null);
            assertThat(openapi.status()).isEqualTo(200);
            assertThat(openapi.json().path("paths").has("/users/{userId}")).isTrue();
            assertThat(openapi.json().path("paths").has("/partitions")).isTrue();
            List<String> codes = new ArrayList<>();
            openapi.json()
                    .path("paths")
                    .path("/users/{userId}")
                    .path("get")
                    .path("responses")
                    .fieldNames()
                    .forEachRemaining(codes::add);
            assertThat(codes).contains("200", "400", "401", "403", "404", "421", "503");
            assertThat(openapi.json().path("components").path("schemas").has("ApiError"))
                    .isTrue();
            for (String path : List.of("/users/{userId}", "/partitions", "/", "/admin/savepoints")) {
                var responses =
                        openapi.json().path("paths").path(path).path("get").path("responses");
                assertThat(responses.path("401").path("$ref").asText())
                        .as("401 of %s", path)
                        .isEqualTo("#/components/responses/Unauthorized");
                assertThat(responses.path("403").path("$ref").asText())
                        .as("403 of %s", path)
                        .isEqualTo("#/components/responses/Forbidden");
            }
            assertThat(openapi.json()
                            .path("components")
                            .path("responses")
                            .path("Unauthorized")
                            .path("content")
                            .path("application/json")
                            .path("schema")
                            .path("$ref")
                            .asText())
                    .isEqualTo("#/components/schemas/ApiError");
            assertThat(openapi.json()
                            .path("paths")
                            .path("/users/{userId}")
                            .path("get")
                            .path("responses")
                            .path("400")
                            .path("$ref")
                            .asText())
                    .isEqualTo("#/components/responses/InvalidUserId");
            assertThat(openapi.json()
                            .path("paths")
                            .path("/admin/savepoints/{id}")
                            .path("get")
                            .path("responses")
                            .path("404")
                            .path("$ref")
                            .asText())
                    .isEqualTo("#/components/responses/SavepointNotFound");
            assertThat(openapi.json()
                            .path("components")
                            .path("responses")
                            .path("SavepointNotFound")
                            .path("description")
                            .asText())
                    .startsWith("SAVEPOINT_NOT_FOUND");

            // Half the users live on the other instance: their answers were forwarded with the credentials.
            Set<Integer> ofA = localPartitions(a);
            long forwardedFromA = stream.expected().users().keySet().stream()
                    .filter(id -> !ofA.contains(
                            KeyPartitioner.MURMUR2.partition(id.getBytes(StandardCharsets.UTF_8), PARTITIONS)))
                    .count();
            assertThat(forwardedFromA).as("users whose queries A forwards").isPositive();
            LoginStream.assertEveryUser(a, stream.expected());
            LoginStream.assertEveryUser(b, stream.expected());
            ServiceProcess.Answer page = b.get("/");
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            assertThat(page.body()).contains("<table").doesNotContain("INTERNAL_ERROR");
            JsonNode fleet = a.get("/partitions").json();
            assertThat(fleet).hasSize(PARTITIONS);
            assertThat(fleet)
                    .allSatisfy(row -> assertThat(row.path("status").asText())
                            .as(row.toString())
                            .isEqualTo("ACTIVE"));

            // Erasure is for admins; a request to the other instance is forwarded with the credentials.
            Set<Integer> ofB = localPartitions(b);
            String erased = stream.expected().users().keySet().stream()
                    .filter(id -> ofB.contains(
                            KeyPartitioner.MURMUR2.partition(id.getBytes(StandardCharsets.UTF_8), PARTITIONS)))
                    .findFirst()
                    .orElseThrow();
            assertThat(a.delete("/users/" + erased, null).status()).isEqualTo(401);
            ServiceProcess.Answer readerErases = a.delete("/users/" + erased, reader);
            assertThat(readerErases.status()).as("a reader erases no one").isEqualTo(403);
            assertThat(readerErases.json().path("error").asText()).isEqualTo("FORBIDDEN");
            assertThat(a.get("/users/" + erased).status()).as("nothing erased").isEqualTo(200);
            ServiceProcess.Answer erasure = a.delete("/users/" + erased, admin);
            assertThat(erasure.status()).as(erasure.body()).isEqualTo(202);
            String erasureId = erasure.json().path("erasureId").asText();
            assertThat(erasure.header("Location")).isEqualTo("/erasures/" + erasureId);
            assertThat(ofB).contains(erasure.json().path("partition").asInt());
            assertThat(a.get("/users/" + erased).status())
                    .as("forwarded to B, which hides it")
                    .isEqualTo(404);
            assertThat(a.get("/erasures/" + erasureId, reader).status()).isEqualTo(403);
            assertThat(a.get("/erasures/" + erasureId, admin)
                            .json()
                            .path("subject")
                            .asText())
                    .as("receipts are read from the store by any instance")
                    .isEqualTo(erasure.json().path("subject").asText());

            assertDashboardAndAlertMetricsExist(a, b);
            assertNoPersonalDataLogged(logA.file(), stream.expected(), hostileUsers);
            assertNoPersonalDataLogged(logB.file(), stream.expected(), hostileUsers);
        }
    }

    /**
     * Every metric that the Grafana dashboard and the alert rules under {@code k8s/} name appears in
     * a real scrape of the running instances (a histogram by its series).
     */
    private static void assertDashboardAndAlertMetricsExist(ServiceProcess a, ServiceProcess b) {
        Set<String> scraped = new TreeSet<>();
        for (ServiceProcess service : List.of(a, b)) {
            PrometheusScrape.of(service).samples().forEach(sample -> scraped.add(sample.name()));
        }
        Set<String> referenced = KubernetesManifests.metricNamesReferenced();
        assertThat(referenced).as("metrics named by the dashboard and alerts").hasSizeGreaterThan(10);
        assertThat(referenced)
                .allSatisfy(name -> assertThat(scraped.contains(name)
                                || scraped.contains(name + "_bucket")
                                || scraped.contains(name + "_total"))
                        .as("%s is scraped", name)
                        .isTrue());
        System.out.printf("%d metric names of the dashboard and alerts, all in the scrape%n", referenced.size());
    }

    /**
     * Bad records whose text holds a user id, an IP and a user agent: they go to the dead-letter
     * topic, or are dropped as expired on arrival.
     */
    private static List<String> sendHostile() throws Exception {
        List<String> users = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = TestProducers.bytes(cluster.bootstrapServers())) {
            for (int i = 0; i < PARTITIONS; i++) {
                String user = "hostile-user-" + i;
                users.add(user);
                String value = switch (i % 4) {
                    case 0 -> ExpectedLogins.eventJson(user, "\"yesterday\"", "SUCCESS");
                    case 3 ->
                        ExpectedLogins.eventJson( // 40 days old: dropped as expired on arrival
                                user, Long.toString(System.currentTimeMillis() - 40L * 24 * 3600 * 1000), "SUCCESS");
                    case 1 -> "not json at all, " + user + " from 203.0.113.9";
                    default -> ExpectedLogins.eventJson(user, "1", "MAYBE");
                };
                producer.send(new ProducerRecord<>(
                                TOPIC,
                                i,
                                user.getBytes(StandardCharsets.UTF_8),
                                value.getBytes(StandardCharsets.UTF_8)))
                        .get();
            }
        }
        return users;
    }

    /**
     * Every line of the service's log at INFO or above (JSON objects; anything else counts as INFO)
     * is free of the users' ids, the events' IP addresses and user agents.
     */
    private static void assertNoPersonalDataLogged(Path log, ExpectedLogins users, List<String> hostileUsers)
            throws Exception {
        List<String> forbidden = new ArrayList<>(users.users().keySet());
        forbidden.addAll(hostileUsers);
        forbidden.add("198.51.100.7");
        forbidden.add("203.0.113.9");
        forbidden.add("Mozilla/5.0");
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        int checked = 0;
        int json = 0;
        for (String line : lines) {
            String level = "INFO";
            if (line.startsWith("{")) {
                json++;
                level = JSON.readTree(line).path("level").asText("INFO");
            }
            if (Set.of("DEBUG", "TRACE").contains(level)) {
                continue;
            }
            checked++;
            for (String word : forbidden) {
                // user-1 must not match inside user-12's absence check: ids end at a non-digit.
                int at = line.indexOf(word);
                while (at >= 0) {
                    int end = at + word.length();
                    boolean whole = end >= line.length() || !Character.isDigit(line.charAt(end));
                    assertThat(whole)
                            .as("%s logs %s: %s", log.getFileName(), word, line)
                            .isFalse();
                    at = line.indexOf(word, at + 1);
                }
            }
        }
        assertThat(json).as("JSON log lines in %s", log).isGreaterThan(5);
        assertThat(checked).as("lines checked in %s", log).isGreaterThan(5);
        System.out.printf(
                "%s: %d lines at INFO or above checked, none names a user, an IP or a user agent%n",
                log.getFileName(), checked);
    }

    private static List<JsonNode> jsonLines(Path log) throws Exception {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (line.startsWith("{")) {
                nodes.add(JSON.readTree(line));
            }
        }
        return nodes;
    }

    private static Map<String, String> settings(String stateDir, int port) {
        return settings(GROUP + "-" + stateDir, stateDir, port);
    }

    private static Map<String, String> settings(String group, String stateDir, int port) {
        return cluster.serviceSettings(
                group,
                cluster.workDir().resolve(stateDir),
                Map.of("login-state.instance.advertised-url", "http://127.0.0.1:" + port));
    }

    private static String basic(String name, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((name + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    private static Set<Integer> localPartitions(ServiceProcess service) {
        Set<Integer> partitions = new TreeSet<>();
        service.get("/partitions?scope=local")
                .json()
                .forEach(row -> partitions.add(row.path("partition").asInt()));
        return partitions;
    }
}
