package io.loginstate.cli;

import java.util.List;
import java.util.Map;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Defaults from the environment variables the service itself reads (its {@code login-state.*}
 * settings in environment form), so in a pod, or with the pod's settings exported, the command
 * finds the same store as the service. An option given on the command line wins; without either,
 * the option's own default applies.
 */
final class EnvironmentDefaults implements IDefaultValueProvider {

    /** By option: the variables to read, the first one set wins. */
    static final Map<String, List<String>> VARIABLES = Map.ofEntries(
            Map.entry("--store", List.of("LOGIN_STATE_OBJECT_STORE_TYPE")),
            Map.entry("--dir", List.of("LOGIN_STATE_OBJECT_STORE_DIRECTORY_PATH")),
            Map.entry("--bucket", List.of("LOGIN_STATE_OBJECT_STORE_S3_BUCKET")),
            Map.entry("--prefix", List.of("LOGIN_STATE_OBJECT_STORE_S3_PREFIX")),
            Map.entry("--endpoint", List.of("LOGIN_STATE_OBJECT_STORE_S3_ENDPOINT")),
            Map.entry("--region", List.of("LOGIN_STATE_OBJECT_STORE_S3_REGION")),
            Map.entry("--path-style", List.of("LOGIN_STATE_OBJECT_STORE_S3_PATH_STYLE_ACCESS")),
            Map.entry("--access-key-id", List.of("LOGIN_STATE_OBJECT_STORE_S3_ACCESS_KEY_ID")),
            Map.entry("--secret-access-key", List.of("LOGIN_STATE_OBJECT_STORE_S3_SECRET_ACCESS_KEY")),
            // The service's deployment id defaults to its consumer group.
            Map.entry("--deployment", List.of("LOGIN_STATE_CHECKPOINT_DEPLOYMENT_ID", "LOGIN_STATE_GROUP_ID")),
            Map.entry("--topic", List.of("LOGIN_STATE_TOPIC")),
            Map.entry("--subject-key", List.of("LOGIN_STATE_ERASURE_SUBJECT_KEY")));

    private final Map<String, String> environment;

    EnvironmentDefaults(Map<String, String> environment) {
        this.environment = environment;
    }

    @Override
    public String defaultValue(ArgSpec argument) {
        if (!(argument instanceof OptionSpec option)) {
            return null;
        }
        for (String variable : VARIABLES.getOrDefault(option.longestName(), List.of())) {
            String value = environment.get(variable);
            if (value != null && !value.isBlank()) {
                return value.strip();
            }
        }
        return null;
    }
}
