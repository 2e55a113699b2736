package io.loginstate.deploy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.annotations.SerializedName;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Parses Kubernetes objects strictly against the official API model ({@code client-java-api}):
 * unknown fields, missing required fields and values of the wrong JSON type are errors, as they are
 * for the API server. The two Prometheus Operator kinds, not in that model, are checked against a
 * small schema of the fields these manifests use.
 */
final class StrictObjects {

    /** One object of a manifest, with its typed model (the JSON itself for the Prometheus Operator kinds). */
    record Parsed(String source, JsonObject json, Object model) {

        String kind() {
            return KubernetesManifests.string(json, "kind");
        }

        String name() {
            return KubernetesManifests.string(json.get("metadata"), "name");
        }

        String describe() {
            return source + " " + kind() + "/" + name();
        }
    }

    /** A manifest the API server (or the Prometheus Operator) would reject. */
    static final class InvalidObjectException extends RuntimeException {
        InvalidObjectException(String message) {
            super(message);
        }
    }

    private static final Map<String, Class<?>> MODELS = Map.of(
            "v1/ServiceAccount", V1ServiceAccount.class,
            "v1/ConfigMap", V1ConfigMap.class,
            "v1/Secret", V1Secret.class,
            "v1/Service", V1Service.class,
            "v1/Namespace", V1Namespace.class,
            "apps/v1/StatefulSet", V1StatefulSet.class,
            "policy/v1/PodDisruptionBudget", V1PodDisruptionBudget.class,
            "networking.k8s.io/v1/NetworkPolicy", V1NetworkPolicy.class);

    private static final Map<Class<?>, Map<String, Field>> FIELDS = new ConcurrentHashMap<>();

    private StrictObjects() {}

    /** The object as its model class; throws {@link InvalidObjectException} naming the source and the field. */
    static Parsed parse(JsonObject json, String source) {
        String apiVersion = KubernetesManifests.string(json, "apiVersion");
        String kind = KubernetesManifests.string(json, "kind");
        String where = source + " " + kind + "/" + KubernetesManifests.string(json.get("metadata"), "name");
        if (apiVersion == null || kind == null) {
            throw new InvalidObjectException(where + ": apiVersion and kind are required");
        }
        String type = apiVersion + "/" + kind;
        if (PrometheusOperatorSchema.KINDS.containsKey(type)) {
            List<String> problems = PrometheusOperatorSchema.KINDS.get(type).check(json, "");
            if (!problems.isEmpty()) {
                throw new InvalidObjectException(where + ": " + String.join("; ", problems));
            }
            return new Parsed(source, json, json);
        }
        Class<?> model = MODELS.get(type);
        if (model == null) {
            throw new InvalidObjectException(where + ": no model for " + type + "; known: " + MODELS.keySet() + " and "
                    + PrometheusOperatorSchema.KINDS.keySet());
        }
        return new Parsed(source, json, model(json, model, where));
    }

    /**
     * {@code json} as an instance of the model class {@code type}: its generated
     * {@code validateJsonElement} (unknown and missing required fields, recursively), then the
     * JSON type of every value against the model's field types (the API server refuses
     * {@code replicas: "3"}, the lenient Gson conversion would not), then Gson's conversion.
     */
    static <T> T model(JsonElement json, Class<T> type, String where) {
        try {
            Method validate = type.getMethod("validateJsonElement", JsonElement.class);
            validate.invoke(null, json);
        } catch (InvocationTargetException e) {
            throw new InvalidObjectException(where + ": " + shorten(e.getCause().getMessage()));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(type + " has no validateJsonElement", e);
        }
        List<String> problems = new java.util.ArrayList<>();
        checkTypes(json, type, "", problems);
        if (!problems.isEmpty()) {
            throw new InvalidObjectException(where + ": " + String.join("; ", problems));
        }
        try {
            return JSON.getGson().fromJson(json, type);
        } catch (RuntimeException e) {
            throw new InvalidObjectException(where + ": " + shorten(e.getMessage()));
        }
    }

    /** The generated messages append the whole JSON document: keep the part that names the field. */
    private static String shorten(String message) {
        if (message == null) {
            return "invalid";
        }
        int json = message.indexOf(" JSON: ");
        return json < 0 ? message : message.substring(0, json);
    }

    private static void checkTypes(JsonElement value, Type type, String path, List<String> problems) {
        if (value == null || value.isJsonNull()) {
            return;
        }
        Class<?> raw = raw(type);
        String at = path.isEmpty() ? "the object" : path;
        if (raw == String.class || raw == OffsetDateTime.class || raw == byte[].class) {
            expect(value.isJsonPrimitive() && value.getAsJsonPrimitive().isString(), at, "a string", value, problems);
        } else if (raw == Boolean.class || raw == boolean.class) {
            expect(value.isJsonPrimitive() && value.getAsJsonPrimitive().isBoolean(), at, "a boolean", value, problems);
        } else if (Number.class.isAssignableFrom(raw) || raw == int.class || raw == long.class || raw == double.class) {
            expect(value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber(), at, "a number", value, problems);
        } else if (raw == Quantity.class || raw == IntOrString.class) {
            boolean scalar = value.isJsonPrimitive()
                    && (value.getAsJsonPrimitive().isString()
                            || value.getAsJsonPrimitive().isNumber());
            expect(scalar, at, "a string or a number", value, problems);
        } else if (List.class.isAssignableFrom(raw)) {
            if (expect(value.isJsonArray(), at, "a list", value, problems)) {
                Type item = typeArgument(type, 0);
                int index = 0;
                for (JsonElement element : value.getAsJsonArray()) {
                    checkTypes(element, item, path + "[" + index++ + "]", problems);
                }
            }
        } else if (Map.class.isAssignableFrom(raw)) {
            if (expect(value.isJsonObject(), at, "a mapping", value, problems)) {
                Type item = typeArgument(type, 1);
                for (Map.Entry<String, JsonElement> entry :
                        value.getAsJsonObject().entrySet()) {
                    checkTypes(entry.getValue(), item, path + "." + entry.getKey(), problems);
                }
            }
        } else if (raw == Object.class) {
            // Free-form in the API (x-kubernetes-preserve-unknown-fields): anything goes.
        } else if (raw.getName().startsWith("io.kubernetes.client.openapi.models.")) {
            if (expect(value.isJsonObject(), at, "a mapping", value, problems)) {
                Map<String, Field> fields = fields(raw);
                for (Map.Entry<String, JsonElement> entry :
                        value.getAsJsonObject().entrySet()) {
                    String child = path.isEmpty() ? entry.getKey() : path + "." + entry.getKey();
                    Field field = fields.get(entry.getKey());
                    if (field == null) {
                        problems.add(child + " is not a field of " + raw.getSimpleName());
                    } else {
                        checkTypes(entry.getValue(), field.getGenericType(), child, problems);
                    }
                }
            }
        } else {
            throw new IllegalStateException("No JSON type known for " + type + " at " + at);
        }
    }

    private static boolean expect(boolean holds, String at, String what, JsonElement value, List<String> problems) {
        if (!holds) {
            problems.add(at + " must be " + what + ", not " + value);
        }
        return holds;
    }

    private static Map<String, Field> fields(Class<?> model) {
        return FIELDS.computeIfAbsent(model, type -> {
            Map<String, Field> fields = new HashMap<>();
            for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field field : c.getDeclaredFields()) {
                    SerializedName name = field.getAnnotation(SerializedName.class);
                    if (name != null) {
                        fields.putIfAbsent(name.value(), field);
                    }
                }
            }
            return fields;
        });
    }

    private static Class<?> raw(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        throw new IllegalStateException("Unexpected type " + type);
    }

    private static Type typeArgument(Type type, int index) {
        if (type instanceof ParameterizedType p) {
            return p.getActualTypeArguments()[index];
        }
        return Object.class;
    }

    /**
     * The fields of ServiceMonitor and PrometheusRule (monitoring.coreos.com/v1) these manifests use,
     * from the Prometheus Operator's API reference: a field outside them, a missing required one or
     * a value of the wrong type is an error. Metadata and label selectors are checked against the
     * Kubernetes model.
     */
    static final class PrometheusOperatorSchema {

        private static final Pattern DURATION = Pattern.compile("(([0-9]+)(ms|s|m|h|d|w|y))+");

        interface Shape {
            List<String> check(JsonElement value, String path);
        }

        record Obj(Map<String, Shape> fields, Set<String> required) implements Shape {
            @Override
            public List<String> check(JsonElement value, String path) {
                List<String> problems = new java.util.ArrayList<>();
                if (!value.isJsonObject()) {
                    problems.add(at(path) + " must be a mapping");
                    return problems;
                }
                JsonObject object = value.getAsJsonObject();
                for (String name : required) {
                    if (!object.has(name) || object.get(name).isJsonNull()) {
                        problems.add("the required field " + join(path, name) + " is missing");
                    }
                }
                for (Map.Entry<String, JsonElement> entry : object.entrySet()) {
                    Shape shape = fields.get(entry.getKey());
                    if (shape == null) {
                        problems.add(
                                join(path, entry.getKey()) + " is not a known field (known: " + fields.keySet() + ")");
                    } else {
                        problems.addAll(shape.check(entry.getValue(), join(path, entry.getKey())));
                    }
                }
                return problems;
            }
        }

        record ListOf(Shape item) implements Shape {
            @Override
            public List<String> check(JsonElement value, String path) {
                if (!value.isJsonArray()) {
                    return List.of(at(path) + " must be a list");
                }
                List<String> problems = new java.util.ArrayList<>();
                int index = 0;
                for (JsonElement element : value.getAsJsonArray()) {
                    problems.addAll(item.check(element, path + "[" + index++ + "]"));
                }
                return problems;
            }
        }

        record MapOf(Shape item) implements Shape {
            @Override
            public List<String> check(JsonElement value, String path) {
                if (!value.isJsonObject()) {
                    return List.of(at(path) + " must be a mapping");
                }
                List<String> problems = new java.util.ArrayList<>();
                for (Map.Entry<String, JsonElement> entry :
                        value.getAsJsonObject().entrySet()) {
                    problems.addAll(item.check(entry.getValue(), join(path, entry.getKey())));
                }
                return problems;
            }
        }

        record Scalar(String what, java.util.function.Predicate<JsonPrimitive> valid) implements Shape {
            @Override
            public List<String> check(JsonElement value, String path) {
                return value.isJsonPrimitive() && valid.test(value.getAsJsonPrimitive())
                        ? List.of()
                        : List.of(at(path) + " must be " + what + ", not " + value);
            }
        }

        /** Checked by the Kubernetes model class. */
        record Model(Class<?> type) implements Shape {
            @Override
            public List<String> check(JsonElement value, String path) {
                try {
                    StrictObjects.model(value, type, at(path));
                    return List.of();
                } catch (InvalidObjectException e) {
                    return List.of(e.getMessage());
                }
            }
        }

        static final Shape STRING = new Scalar("a string", JsonPrimitive::isString);
        static final Shape BOOLEAN = new Scalar("a boolean", JsonPrimitive::isBoolean);
        static final Shape DURATION_STRING = new Scalar(
                "a Prometheus duration (e.g. 30s, 5m)",
                p -> p.isString() && DURATION.matcher(p.getAsString()).matches());
        static final Shape SCHEME = new Scalar(
                "http or https", p -> p.isString() && Set.of("http", "https").contains(p.getAsString()));

        private static Obj object(Set<String> required, Object... nameAndShape) {
            Map<String, Shape> fields = new LinkedHashMap<>();
            for (int i = 0; i < nameAndShape.length; i += 2) {
                fields.put((String) nameAndShape[i], (Shape) nameAndShape[i + 1]);
            }
            return new Obj(fields, required);
        }

        private static Obj resource(Obj spec) {
            return object(
                    Set.of("apiVersion", "kind", "metadata", "spec"),
                    "apiVersion",
                    STRING,
                    "kind",
                    STRING,
                    "metadata",
                    new Model(V1ObjectMeta.class),
                    "spec",
                    spec);
        }

        static final Obj SERVICE_MONITOR = resource(object(
                Set.of("selector", "endpoints"),
                "selector",
                new Model(V1LabelSelector.class),
                "namespaceSelector",
                object(Set.of(), "any", BOOLEAN, "matchNames", new ListOf(STRING)),
                "jobLabel",
                STRING,
                "endpoints",
                new ListOf(object(
                        Set.of("port"),
                        "port",
                        STRING,
                        "path",
                        STRING,
                        "scheme",
                        SCHEME,
                        "interval",
                        DURATION_STRING,
                        "scrapeTimeout",
                        DURATION_STRING,
                        "honorLabels",
                        BOOLEAN))));

        static final Obj PROMETHEUS_RULE = resource(object(
                Set.of("groups"),
                "groups",
                new ListOf(object(
                        Set.of("name", "rules"),
                        "name",
                        STRING,
                        "interval",
                        DURATION_STRING,
                        "rules",
                        new ListOf(new OneOf(object(
                                Set.of("expr"),
                                "alert",
                                STRING,
                                "record",
                                STRING,
                                "expr",
                                STRING,
                                "for",
                                DURATION_STRING,
                                "labels",
                                new MapOf(STRING),
                                "annotations",
                                new MapOf(STRING))))))));

        /** A rule is an alerting rule or a recording rule: exactly one of {@code alert} and {@code record}. */
        record OneOf(Obj rule) implements Shape {
            @Override
            public List<String> check(JsonElement value, String path) {
                List<String> problems = new java.util.ArrayList<>(rule.check(value, path));
                if (value.isJsonObject()) {
                    JsonObject object = value.getAsJsonObject();
                    if (object.has("alert") == object.has("record")) {
                        problems.add(at(path) + " must have exactly one of alert and record");
                    }
                }
                return problems;
            }
        }

        static final Map<String, Obj> KINDS = Map.of(
                "monitoring.coreos.com/v1/ServiceMonitor", SERVICE_MONITOR,
                "monitoring.coreos.com/v1/PrometheusRule", PROMETHEUS_RULE);

        private static String join(String path, String name) {
            return path.isEmpty() ? name : path + "." + name;
        }

        private static String at(String path) {
            return path.isEmpty() ? "the object" : path;
        }

        private PrometheusOperatorSchema() {}
    }
}
