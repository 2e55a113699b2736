package io.loginstate.bench.throughput.ceiling;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The service's application, built with its own {@code application.properties} (so channel
 * {@code logins} is configured exactly as in the service), with every production handler of the
 * channel excluded and {@link CountingLoginsConsumer} in their place. Everything else of the
 * application stays, including the rebalance listener the channel names. The benchmark passes
 * the broker, the topic size and a scratch directory as system properties of this JVM.
 */
public class CeilingProfile implements QuarkusTestProfile {

    /** Build profile of the counting run; {@link CountingLoginsConsumer} exists only in it. */
    public static final String NAME = "bench-ceiling";

    public static final String BOOTSTRAP = "bench.ceiling.bootstrap";
    public static final String EVENTS = "bench.ceiling.events";
    public static final String WORK = "bench.ceiling.work";
    public static final String GROUP = "bench.ceiling.group";
    /** Where the service's compiled classes are, to find its handlers of the channel. */
    public static final String APP_CLASSES = "bench.ceiling.app-classes";

    @Override
    public String getConfigProfile() {
        return NAME;
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        Path work = Path.of(required(WORK));
        List<String> handlers =
                IncomingHandlers.declaringClasses(Path.of(System.getProperty(APP_CLASSES, "target/classes")), "logins");
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", required(BOOTSTRAP));
        config.put(EVENTS, required(EVENTS));
        config.put("mp.messaging.incoming.logins.group.id", required(GROUP));
        config.put("quarkus.arc.exclude-types", String.join(",", handlers));
        // Not the test profile: its settings do not apply, so the random port is set here.
        config.put("quarkus.http.test-port", "0");
        // As for the service's runs: the benchmark's loopback API needs no credentials.
        config.put("login-state.api.auth", "none");
        config.put("login-state.state-dir", work.resolve("state").toString());
        config.put(
                "login-state.object-store.directory.path",
                work.resolve("checkpoints").toString());
        System.out.println("[ceiling] excluded handlers of channel logins: " + handlers);
        return config;
    }

    private static String required(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            throw new IllegalStateException(
                    "System property " + name + " is not set: the throughput benchmark sets it");
        }
        return value;
    }
}
