package io.loginstate.cli;

import io.loginstate.objectstore.DirectoryObjectStore;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.objectstore.S3ObjectStore;
import io.loginstate.objectstore.S3Settings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Where the stored state is and whose it is: the object store (as the service's
 * {@code login-state.object-store.*} settings describe it), the deployment and the topic. Shared by
 * every command that reads a store; each option also comes from the service's environment variable
 * ({@link EnvironmentDefaults}).
 */
final class StoreOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(
            names = "--store",
            paramLabel = "directory|s3",
            defaultValue = "directory",
            description = "Kind of object store (env LOGIN_STATE_OBJECT_STORE_TYPE; default: ${DEFAULT-VALUE}).")
    String type;

    @Option(
            names = "--dir",
            paramLabel = "PATH",
            description = "Root directory of a directory store (env LOGIN_STATE_OBJECT_STORE_DIRECTORY_PATH).")
    Path directory;

    @Option(
            names = "--bucket",
            defaultValue = "login-state",
            description = "S3 bucket (env LOGIN_STATE_OBJECT_STORE_S3_BUCKET; default: ${DEFAULT-VALUE}).")
    String bucket;

    @Option(
            names = "--prefix",
            description = "Key prefix in the bucket, e.g. prod/ (env LOGIN_STATE_OBJECT_STORE_S3_PREFIX).")
    String prefix;

    @Option(
            names = "--endpoint",
            paramLabel = "URL",
            description = "S3-compatible server; absent: AWS by region (env LOGIN_STATE_OBJECT_STORE_S3_ENDPOINT).")
    URI endpoint;

    @Option(
            names = "--region",
            defaultValue = S3Settings.DEFAULT_REGION,
            description = "S3 region (env LOGIN_STATE_OBJECT_STORE_S3_REGION; default: ${DEFAULT-VALUE}).")
    String region;

    @Option(
            names = "--path-style",
            defaultValue = "false",
            description = "Bucket in the URL path; most S3-compatible servers need it"
                    + " (env LOGIN_STATE_OBJECT_STORE_S3_PATH_STYLE_ACCESS).")
    boolean pathStyle;

    @Option(
            names = "--access-key-id",
            paramLabel = "ID",
            description = "With --secret-access-key: static credentials; neither: the AWS default credentials chain"
                    + " (env LOGIN_STATE_OBJECT_STORE_S3_ACCESS_KEY_ID).")
    String accessKeyId;

    @Option(
            names = "--secret-access-key",
            paramLabel = "SECRET",
            description = "Prefer the environment variable LOGIN_STATE_OBJECT_STORE_S3_SECRET_ACCESS_KEY: a command"
                    + " line is visible to other users of the host.")
    String secretAccessKey;

    @Option(
            names = "--deployment",
            paramLabel = "ID",
            description = "Deployment id (login-state.checkpoint.deployment-id, by default the consumer group; env"
                    + " LOGIN_STATE_CHECKPOINT_DEPLOYMENT_ID, then LOGIN_STATE_GROUP_ID). Absent: every deployment"
                    + " in the store, and the layout before deployment ids.")
    String deployment;

    @Option(
            names = "--topic",
            defaultValue = "logins",
            description = "Input topic (env LOGIN_STATE_TOPIC; default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(
            names = {"-v", "--verbose"},
            description = "Print the stack trace of a failure.")
    boolean verbose;

    Optional<String> deployment() {
        return Optional.ofNullable(deployment);
    }

    /**
     * Opens the store the options name.
     *
     * @throws ParameterException if they name none, or an incomplete one
     */
    ObjectStore open() {
        return switch (type.strip().toLowerCase(Locale.ROOT)) {
            case "directory" -> openDirectory();
            case "s3" -> openS3();
            default -> throw usage("--store is '" + type + "'; it must be 'directory' or 's3'");
        };
    }

    private ObjectStore openDirectory() {
        if (directory == null) {
            throw usage("--store directory needs --dir PATH (or LOGIN_STATE_OBJECT_STORE_DIRECTORY_PATH)");
        }
        // The store would create a missing directory; a mistyped path must not look like an empty store.
        if (!Files.isDirectory(directory)) {
            throw usage("--dir '" + directory + "' is not a directory");
        }
        return new DirectoryObjectStore(directory);
    }

    private ObjectStore openS3() {
        S3Settings.Builder settings;
        try {
            settings = S3Settings.builder(bucket)
                    .prefix(prefix == null ? "" : prefix)
                    .region(region)
                    .pathStyleAccess(pathStyle);
            if (accessKeyId != null || secretAccessKey != null) {
                settings.credentials(accessKeyId, secretAccessKey);
            }
            if (endpoint != null) {
                settings.endpoint(endpoint);
            }
            return S3ObjectStore.create(settings.build());
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    ParameterException usage(String message) {
        return new ParameterException(command.commandLine(), message);
    }
}
