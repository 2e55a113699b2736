package io.loginstate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.loginstate.embedded.EmbeddedKafkaBroker;
import io.loginstate.ingest.KafkaDeadLetterPublisher;
import io.loginstate.testing.BrokerFixture;
import io.loginstate.testing.ExpectedLogins;
import io.loginstate.testing.LoginStream;
import io.loginstate.testing.ReliabilityFigures;
import io.loginstate.testing.ServiceLog;
import io.loginstate.testing.ServiceProcess;
import io.loginstate.testing.TestProducers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Generated hostile input against the packaged service and a real broker.
 *
 * <p>Records: bad records of every kind the event contract refuses (random bytes, truncated,
 * nested past the parser's depth limit, wrong types, numbers beyond a long, invalid UTF-8, control
 * characters in ids, values over the size limit, null keys and values, far-future and pre-1970
 * timestamps, several objects in one value) mixed with good events of other users, on every
 * partition. Every bad record must reach the dead-letter topic with a reason (found by its source
 * partition and offset), every good user must be exact, and the service must stay up. Records
 * whose fate the contract leaves open (a byte-order mark, a field twice) use users of their own
 * and must only not hurt anyone. 20,000 bad records here; {@code -Dfuzz.bad-records=1000000} for
 * the long version.
 *
 * <p>HTTP: generated requests (long, unicode, encoded-slash and traversal ids, invalid percent
 * escapes, other methods, huge headers, raw request lines with bytes HTTP forbids): never a 5xx
 * other than a documented 503, never a hang. 5,000 here; {@code -Dfuzz.requests=100000} for the
 * long version.
 */
class HostileInputIT {

    private static final String TOPIC = "logins";
    private static final int PARTITIONS = 4;
    private static final int GOOD_USERS = 500;
    private static final int MAX_VALUE_BYTES = 1_048_576;
    private static final int BAD_RECORDS = Integer.getInteger("fuzz.bad-records", 20_000);
    private static final int REQUESTS = Integer.getInteger("fuzz.requests", 5_000);
    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final Set<String> DOCUMENTED_503 = Set.of(
            "TOPIC_UNKNOWN",
            "PARTITION_RESTORING",
            "PARTITION_CATCHING_UP",
            "PARTITION_MOVING",
            "PARTITION_UNOWNED",
            "OWNER_UNREACHABLE");

    private final ExpectedLogins expected = new ExpectedLogins();

    @Test
    void badRecordsGoToTheDeadLetterTopicAndBadRequestsGetClearAnswers() throws Exception {
        long seed = Long.getLong("it.seed", new Random().nextLong());
        System.out.println("HostileInputIT seed " + seed + " (repeat with -Dit.seed=" + seed + ")");
        Random random = new Random(seed);
        try (BrokerFixture kafka = BrokerFixture.start(
                "login-state-hostile-input", TOPIC, PARTITIONS, Map.of("message.max.bytes", "4194304"))) {
            Path stateDir = kafka.workDir().resolve("state");
            ServiceLog log = new ServiceLog(Path.of("target", "it-logs", "hostile-input.log"));
            Files.deleteIfExists(log.file());
            int port = EmbeddedKafkaBroker.freePort();
            Map<String, String> settings = Map.of(
                    "kafka.bootstrap.servers",
                    kafka.bootstrapServers(),
                    "mp.messaging.incoming.logins.group.id",
                    "login-state-hostile-input",
                    "login-state.state-dir",
                    stateDir.toString(),
                    "login-state.checkpoint.enabled",
                    "false");
            try (ServiceProcess service = ServiceProcess.start(settings, List.of(), log.file(), port)) {
                Map<String, String> bad = new HashMap<>(); // "partition/offset" → kind
                Map<String, Integer> kinds = new TreeMap<>();
                long sent = 0;
                long started = System.nanoTime();
                try (KafkaProducer<byte[], byte[]> producer = TestProducers.bytes(kafka.bootstrapServers())) {
                    List<Future<RecordMetadata>> pending = new ArrayList<>();
                    List<String> pendingKinds = new ArrayList<>();
                    long clock = Instant.now().minus(Duration.ofDays(1)).toEpochMilli();
                    // About half the records are good ones: their event times must stay within the
                    // last day however many there are, or the last ones would lie in the future.
                    long step = Math.min(1000, Duration.ofDays(1).toMillis() / (BAD_RECORDS / 2 + 1));
                    for (int i = 0; i < BAD_RECORDS; i++) {
                        if (random.nextBoolean()) {
                            String user = "user-" + random.nextInt(GOOD_USERS);
                            clock += step;
                            long timestamp = clock - random.nextInt(600_000);
                            boolean success = random.nextInt(4) != 0;
                            expected.record(user, timestamp, success);
                            producer.send(new ProducerRecord<>(
                                    TOPIC,
                                    utf8(user),
                                    utf8(ExpectedLogins.eventJson(
                                            user, Long.toString(timestamp), success ? "SUCCESS" : "FAILURE"))));
                            sent++;
                        }
                        Hostile hostile = hostile(random, i);
                        pending.add(producer.send(new ProducerRecord<>(
                                TOPIC, random.nextInt(PARTITIONS), hostile.key(), hostile.value())));
                        pendingKinds.add(hostile.definitelyBad() ? hostile.kind() : null);
                        kinds.merge(hostile.kind(), 1, Integer::sum);
                        sent++;
                        if (pending.size() == 5_000 || i == BAD_RECORDS - 1) {
                            for (int j = 0; j < pending.size(); j++) {
                                RecordMetadata metadata = pending.get(j).get();
                                if (pendingKinds.get(j) != null) {
                                    bad.put(metadata.partition() + "/" + metadata.offset(), pendingKinds.get(j));
                                }
                            }
                            pending.clear();
                            pendingKinds.clear();
                        }
                    }
                }
                long total = sent;
                await("every record applied or dead-lettered")
                        .atMost(TIMEOUT)
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> service.progress().nextOffsets() == total);
                double seconds = (System.nanoTime() - started) / 1e9;
                assertThat(service.isAlive()).isTrue();
                assertThat(service.ready()).as("ready").isTrue();

                Map<String, String> reasons = deadLetterReasons(kafka.bootstrapServers(), bad.keySet());
                Map<String, Integer> byReason = new TreeMap<>();
                for (Map.Entry<String, String> record : bad.entrySet()) {
                    String reason = reasons.get(record.getKey());
                    assertThat(reason)
                            .as("dead letter of the %s record at %s", record.getValue(), record.getKey())
                            .isNotBlank();
                    byReason.merge(reason, 1, Integer::sum);
                }
                LoginStream.assertEveryUser(service, expected);
                System.out.printf(
                        "%d records (%d bad, %d of them refused by the contract) in %.1f s: every refused one"
                                + " dead-lettered %s; kinds %s; %d good users exact%n",
                        total,
                        BAD_RECORDS,
                        bad.size(),
                        seconds,
                        byReason,
                        kinds,
                        expected.users().size());
                Map<String, Object> figures = new LinkedHashMap<>();
                figures.put("records", total);
                figures.put("bad", BAD_RECORDS);
                figures.put("refused by the contract, each found in the dead-letter topic with its reason", bad.size());
                figures.put("seconds", String.format(Locale.ROOT, "%.1f", seconds));
                figures.put("good users exact", expected.users().size());
                figures.put("reasons", byReason.toString());
                ReliabilityFigures.record(
                        "hostile-records",
                        "HostileInputIT: generated bad records of " + kinds.size() + " kinds mixed with good ones",
                        figures);

                upgradeWithOversizedHeaders(service);
                httpFuzz(service, random);
                assertThat(service.isAlive()).isTrue();
                assertThat(service.ready()).as("ready after the requests").isTrue();
                LoginStream.assertEveryUser(service, expected);
            }
        }
    }

    /** One bad record; {@code definitelyBad}: the contract refuses it. */
    private record Hostile(String kind, byte[] key, byte[] value, boolean definitelyBad) {}

    private static Hostile hostile(Random random, int n) {
        String user = "hostile-" + n;
        byte[] key = utf8(user);
        String good = ExpectedLogins.eventJson(user, Long.toString(System.currentTimeMillis() - 60_000), "SUCCESS");
        int kind = random.nextInt(17);
        return switch (kind) {
            case 0 -> {
                byte[] bytes = new byte[1 + random.nextInt(300)];
                random.nextBytes(bytes);
                bytes[0] = (byte) ('0' + random.nextInt(10)); // never '{': not a JSON object
                yield new Hostile("random-bytes", key, bytes, true);
            }
            case 1 ->
                new Hostile("truncated", key, utf8(good.substring(0, 1 + random.nextInt(good.length() - 2))), true);
            case 2 ->
                new Hostile(
                        "deeply-nested",
                        key,
                        utf8("{\"userId\":\"" + user + "\",\"x\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}"),
                        true);
            case 3 ->
                new Hostile(
                        "wrong-types",
                        key,
                        utf8(
                                switch (random.nextInt(3)) {
                                    case 0 -> "{\"userId\":42,\"timestamp\":1}";
                                    case 1 -> "{\"userId\":\"" + user + "\",\"timestamp\":{\"at\":1}}";
                                    default -> "{\"userId\":\"" + user + "\",\"timestamp\":1,\"outcome\":7}";
                                }),
                        true);
            case 4 ->
                new Hostile(
                        "huge-number",
                        key,
                        utf8("{\"userId\":\"" + user + "\",\"timestamp\":"
                                + (random.nextBoolean() ? "99999999999999999999999999" : "1e400") + "}"),
                        true);
            case 5 -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.writeBytes(utf8("{\"userId\":\"" + user));
                out.write(0xC3); // a lead byte followed by a non-continuation byte
                out.write(0x28);
                out.writeBytes(utf8("\",\"timestamp\":1700000000000}"));
                yield new Hostile("invalid-utf8", key, out.toByteArray(), true);
            }
            case 6 ->
                new Hostile(
                        "control-character",
                        utf8(user + "\u0000x"),
                        utf8("{\"userId\":\"" + user + "\\u0000x\",\"timestamp\":1700000000000}"),
                        true);
            case 7 ->
                n % 500 == 7 // a few only: each is over a mebibyte
                        ? new Hostile("over-the-size-limit", key, oversized(user), true)
                        : new Hostile("empty", key, new byte[0], true);
            case 8 -> new Hostile("null-value", key, null, true);
            case 9 -> new Hostile("null-key", null, utf8(good), true);
            case 10 ->
                new Hostile(
                        "far-future",
                        key,
                        utf8(ExpectedLogins.eventJson(user, "\"3000-01-01T00:00:00Z\"", "SUCCESS")),
                        true);
            case 11 ->
                new Hostile("before-1970", key, utf8(ExpectedLogins.eventJson(user, "-86400000", "SUCCESS")), true);
            case 12 -> new Hostile("two-objects", key, utf8(good + good), true);
            case 13 -> new Hostile("not-an-object", key, utf8(random.nextBoolean() ? "[1,2]" : "\"text\""), true);
            case 14 -> new Hostile("empty", key, new byte[0], true);
            case 15 -> {
                byte[] json = utf8(good);
                byte[] withBom = new byte[json.length + 3];
                withBom[0] = (byte) 0xEF;
                withBom[1] = (byte) 0xBB;
                withBom[2] = (byte) 0xBF;
                System.arraycopy(json, 0, withBom, 3, json.length);
                yield new Hostile("byte-order-mark", key, withBom, false);
            }
            default ->
                new Hostile(
                        "duplicate-field",
                        key,
                        utf8("{\"userId\":\"" + user + "\",\"userId\":\"" + user + "\",\"timestamp\":1700000000000}"),
                        false);
        };
    }

    private static byte[] oversized(String user) {
        StringBuilder json = new StringBuilder("{\"userId\":\"" + user + "\",\"pad\":\"");
        json.append("x".repeat(MAX_VALUE_BYTES));
        return utf8(json.append("\"}").toString());
    }

    /**
     * A client that asks to upgrade a plain connection to HTTP/2 (h2c, the JDK client's default) with
     * a header beyond the limit must get an answer, and so must its next request on the same client:
     * the server's upgrade path used to accept such a request past the header limit and then leave
     * the upgraded connection without an answer for good, so every later request of that client
     * waited until its own timeout.
     */
    private static void upgradeWithOversizedHeaders(ServiceProcess service) throws Exception {
        for (int attempt = 0; attempt < 3; attempt++) {
            HttpClient client = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            String base = "http://127.0.0.1:" + service.httpPort() + "/users/";
            int first;
            try {
                first = client.send(
                                HttpRequest.newBuilder(URI.create(base + "upgrade-" + attempt))
                                        .header("X-Huge", "h".repeat(60_000))
                                        .timeout(Duration.ofSeconds(5))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode();
            } catch (HttpTimeoutException e) {
                throw new AssertionError("no answer within 5 s to an h2c upgrade with a 60 KB header", e);
            } catch (IOException e) {
                first = -1; // closed without an answer: allowed for a header beyond the limit
            }
            assertThat(first).as("answer to the oversized upgrade request").isLessThan(500);
            try {
                HttpResponse<String> next = client.send(
                        HttpRequest.newBuilder(URI.create(base + "after-upgrade-" + attempt))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(next.statusCode())
                        .as("the request after the oversized upgrade: %s", next.body())
                        .isBetween(200, 499);
            } catch (HttpTimeoutException e) {
                throw new AssertionError(
                        "the request after an h2c upgrade with a 60 KB header got no answer within 5 s", e);
            }
        }
    }

    /**
     * Every request answers in time, with a status below 500 or a documented 503. The JDK client's
     * default version, so every new connection asks for an upgrade to HTTP/2, which the service
     * declines (see {@link #upgradeWithOversizedHeaders}).
     */
    private static void httpFuzz(ServiceProcess service, Random random) throws Exception {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Map<Integer, Integer> statuses = new TreeMap<>();
        long started = System.nanoTime();
        for (int i = 0; i < REQUESTS; i++) {
            int status;
            String what;
            if (random.nextInt(10) == 0) {
                byte[] target = rawTarget(random);
                what = "raw GET " + new String(target, StandardCharsets.ISO_8859_1);
                status = raw(service.httpPort(), target);
            } else {
                String path = "/users/" + fuzzId(random);
                what = path;
                HttpRequest.Builder request;
                try {
                    request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + path))
                            .timeout(Duration.ofSeconds(10));
                } catch (IllegalArgumentException e) {
                    continue; // not even a URI the client can send: the raw requests cover such bytes
                }
                int variant = random.nextInt(8);
                what = path + " (variant " + variant + ")";
                switch (variant) {
                    case 0 ->
                        request.method(
                                List.of("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW")
                                        .get(random.nextInt(7)),
                                HttpRequest.BodyPublishers.ofString("{\"a\":1}"));
                    case 1 -> request.header("X-Huge", "h".repeat(20_000 + random.nextInt(60_000)));
                    case 2 -> request.header("Authorization", "Basic " + "%%%".repeat(random.nextInt(100)));
                    default -> request.GET();
                }
                HttpResponse<String> response;
                try {
                    response = client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                } catch (HttpTimeoutException e) {
                    throw new AssertionError("no answer within 10 s to " + what, e);
                } catch (IOException e) {
                    // The server closed the connection instead of answering (e.g. a header beyond its limit).
                    statuses.merge(-1, 1, Integer::sum);
                    continue;
                }
                status = response.statusCode();
                if (status == 503 && response.body().contains("\"ERASURE_NOT_CONFIGURED\"")) {
                    // A DELETE on a service without a subject key: asking again changes nothing, no Retry-After.
                    assertThat(what).contains("variant 0");
                } else if (status == 503) {
                    assertThat(DOCUMENTED_503)
                            .as("503 for %s: %s", what, response.body())
                            .anyMatch(response.body()::contains);
                    assertThat(response.headers().firstValue("Retry-After")).isPresent();
                }
                if (status >= 400
                        && status != 431
                        && status != 414
                        && response.body() != null
                        && !response.body().isEmpty()) {
                    assertThat(response.body()).as("error body for %s", what).doesNotContain("Exception");
                }
            }
            if (status != 503) { // a 503 was checked above: documented, with its code
                assertThat(status).as("status for %s", what).isBetween(100, 499);
            }
            statuses.merge(status, 1, Integer::sum);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf(
                "%d requests in %.1f s, answers by status (-1: connection closed without one) %s%n",
                REQUESTS, seconds, statuses);
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("requests", REQUESTS);
        figures.put("seconds", String.format(Locale.ROOT, "%.1f", seconds));
        figures.put("5xx other than documented 503s", 0);
        figures.put("unanswered within 10 s", 0);
        statuses.forEach(
                (status, count) -> figures.put(status < 0 ? "closed without an answer" : "status " + status, count));
        ReliabilityFigures.record(
                "hostile-requests",
                "HostileInputIT: generated HTTP requests against GET /users/{id} and raw targets",
                figures);
    }

    private static String fuzzId(Random random) {
        return switch (random.nextInt(9)) {
            case 0 -> "u".repeat(1 + random.nextInt(10_000));
            case 1 -> "%E2%9C%93%F0%9F%98%80user-" + random.nextInt(1000);
            case 2 -> "a%2Fb%2F..%2F..%2Fetc%2Fpasswd";
            case 3 -> "..%2F..";
            case 4 -> "%00" + random.nextInt(100);
            case 5 -> "%zz%";
            case 6 -> "%C3%28";
            case 7 -> "user-" + random.nextInt(GOOD_USERS) + "%0D%0AX-Injected:%20yes";
            default -> {
                StringBuilder id = new StringBuilder();
                int length = 1 + random.nextInt(40);
                for (int i = 0; i < length; i++) {
                    id.append(String.format("%%%02X", random.nextInt(256)));
                }
                yield id.toString();
            }
        };
    }

    private static byte[] rawTarget(Random random) {
        byte[] bytes = new byte[1 + random.nextInt(60)];
        random.nextBytes(bytes);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\r' || bytes[i] == '\n' || bytes[i] == ' ') {
                bytes[i] = (byte) 0x7F;
            }
        }
        ByteArrayOutputStream target = new ByteArrayOutputStream();
        target.writeBytes(utf8("/users/"));
        target.writeBytes(bytes);
        return target.toByteArray();
    }

    /** The status of a request sent as raw bytes, or 400 when the server closes without one. */
    private static int raw(int port, byte[] target) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(utf8("GET "));
            out.write(target);
            out.write(utf8(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] head = in.readNBytes(12);
            if (head.length < 12) {
                return 400; // closed: the request was refused without an answer
            }
            return Integer.parseInt(new String(head, 9, 3, StandardCharsets.ISO_8859_1));
        }
    }

    /**
     * Source "partition/offset" → reason of every dead letter read, once every one of {@code expected}
     * is there (records the contract may accept or refuse are dead-lettered too, so a count would
     * stop the reading early).
     */
    private static Map<String, String> deadLetterReasons(String bootstrap, Set<String> expected) {
        Map<String, String> reasons = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                        8 * 1024 * 1024,
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        20_000),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition dlq = new TopicPartition("logins-dlq", 0);
            consumer.assign(List.of(dlq));
            consumer.seekToBeginning(List.of(dlq));
            // A million dead letters take a while to read: the bound grows with their number.
            await("the dead letters")
                    .atMost(TIMEOUT.plusSeconds(expected.size() / 2_000))
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(1))
                    .until(() -> {
                        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                            reasons.put(
                                    header(record, KafkaDeadLetterPublisher.SOURCE_PARTITION) + "/"
                                            + header(record, KafkaDeadLetterPublisher.SOURCE_OFFSET),
                                    header(record, KafkaDeadLetterPublisher.REASON));
                        }
                        return reasons.keySet().containsAll(expected);
                    });
        }
        return reasons;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
