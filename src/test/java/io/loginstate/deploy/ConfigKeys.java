package io.loginstate.deploy;

import io.loginstate.config.LoginStateConfig;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The configuration the service reads, in environment-variable form: the keys of
 * {@link LoginStateConfig} (found by reflection, as SmallRye Config maps them), the keys and the
 * referenced variables of {@code application.properties}, and the Kafka client properties, which
 * Quarkus takes from any {@code KAFKA_*} variable.
 */
final class ConfigKeys {

    static final Path APPLICATION_PROPERTIES = Path.of("src", "main", "resources", "application.properties");

    /** Prefixes of the variables that must name a real setting; others (JAVA_OPTS_APPEND, POD_NAME) are free. */
    static final Set<String> CHECKED_PREFIXES = Set.of("LOGIN_STATE_", "KAFKA_", "QUARKUS_", "MP_");

    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z0-9_.\\-]+)(?::[^}]*)?}");
    private static final Pattern PROFILE = Pattern.compile("^%[^.]+\\.");

    /** Each key of the mapping with its default ({@code null} when it has none). */
    private final Map<String, String> mappingDefaults;

    private final Properties properties;
    private final Set<String> knownEnv = new TreeSet<>();
    private final Set<String> kafkaProperties = new TreeSet<>();

    private ConfigKeys(Map<String, String> mappingDefaults, Properties properties) {
        this.mappingDefaults = mappingDefaults;
        this.properties = properties;
        mappingDefaults.keySet().forEach(key -> knownEnv.add(env(key)));
        for (String key : properties.stringPropertyNames()) {
            knownEnv.add(env(PROFILE.matcher(key).replaceFirst("")));
            Matcher references = REFERENCE.matcher(properties.getProperty(key));
            while (references.find()) {
                knownEnv.add(env(references.group(1)));
            }
        }
        kafkaProperties.addAll(ConsumerConfig.configNames());
        kafkaProperties.addAll(ProducerConfig.configNames());
        kafkaProperties.addAll(AdminClientConfig.configNames());
    }

    static ConfigKeys load() {
        Properties properties = new Properties();
        try (StringReader reader = new StringReader(Files.readString(APPLICATION_PROPERTIES))) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> defaults = new LinkedHashMap<>();
        ConfigMapping mapping = LoginStateConfig.class.getAnnotation(ConfigMapping.class);
        collect(LoginStateConfig.class, mapping.prefix(), defaults);
        return new ConfigKeys(defaults, properties);
    }

    /** The environment-variable form of a property name: upper case, every other character '_'. */
    static String env(String key) {
        return key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    /** SmallRye's default naming of a mapping method: camelCase to kebab-case. */
    static String kebab(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2")
                .replaceAll("([A-Z])([A-Z][a-z])", "$1-$2")
                .toLowerCase(Locale.ROOT);
    }

    /** Why {@code name} names no setting the service reads; empty if it does (or is not checked). */
    Optional<String> unknown(String name) {
        if (CHECKED_PREFIXES.stream().noneMatch(name::startsWith)) {
            return Optional.empty();
        }
        if (knownEnv.contains(name)) {
            return Optional.empty();
        }
        if (name.startsWith("KAFKA_")) {
            String property =
                    name.substring("KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.');
            return kafkaProperties.contains(property)
                    ? Optional.empty()
                    : Optional.of(name + " would become Kafka property " + property
                            + ", which no Kafka client (consumer, producer, admin) knows");
        }
        return Optional.of(name + " names no setting: not a key of LoginStateConfig (login-state.*) nor of"
                + " application.properties, in environment-variable form");
    }

    /** The mapping's default of a {@code login-state.*} key, if it has one. */
    Optional<String> defaultValue(String key) {
        if (!mappingDefaults.containsKey(key)) {
            throw new IllegalArgumentException(key + " is not a key of LoginStateConfig");
        }
        return Optional.ofNullable(mappingDefaults.get(key));
    }

    /** A value of application.properties (without profile), if set. */
    Optional<String> property(String key) {
        return Optional.ofNullable(properties.getProperty(key));
    }

    /** The service's HTTP port: quarkus.http.port, Quarkus's default 8080 when unset. */
    int httpPort() {
        return Integer.parseInt(property("quarkus.http.port").orElse("8080"));
    }

    Set<String> mappingKeys() {
        return mappingDefaults.keySet();
    }

    private static void collect(Class<?> group, String prefix, Map<String, String> into) {
        for (Method method : group.getDeclaredMethods()) {
            if (Modifier.isStatic(method.getModifiers())
                    || method.isDefault()
                    || method.isSynthetic()
                    || method.getParameterCount() != 0) {
                continue;
            }
            WithName withName = method.getAnnotation(WithName.class);
            String key = prefix + "." + (withName != null ? withName.value() : kebab(method.getName()));
            Type type = method.getGenericReturnType();
            Class<?> value = method.getReturnType();
            if (value == Optional.class && type instanceof ParameterizedType optional) {
                Type inner = optional.getActualTypeArguments()[0];
                value = inner instanceof Class<?> c ? c : (Class<?>) ((ParameterizedType) inner).getRawType();
            }
            if (isGroup(value)) {
                collect(value, key, into);
            } else {
                WithDefault withDefault = method.getAnnotation(WithDefault.class);
                into.put(key, withDefault == null ? null : withDefault.value());
            }
        }
    }

    /** A nested configuration group: one of the service's own interfaces (not a JDK or library type). */
    private static boolean isGroup(Class<?> type) {
        return type.isInterface() && type.getName().startsWith("io.loginstate.");
    }
}
