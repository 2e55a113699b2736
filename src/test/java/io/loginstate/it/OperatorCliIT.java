package io.loginstate.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.loginstate.checkpoint.CheckpointCatalog;
import io.loginstate.checkpoint.CheckpointManifest;
import io.loginstate.objectstore.DirectoryObjectStore;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.objectstore.S3ObjectStore;
import io.loginstate.objectstore.S3Settings;
import io.loginstate.testing.CheckpointWriter;
import io.loginstate.testing.ObjectStores;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documented command, {@code ./login-state-cli}, as an operator runs it: a child process on
 * the packaged service's libraries ({@code target/quarkus-app}), over checkpoints the production
 * checkpointer wrote to a directory and to a real S3-compatible server.
 */
class OperatorCliIT {

    @RegisterExtension
    static final ObjectStores STORES = new ObjectStores("cli-it");

    private static final Path SCRIPT = Path.of("login-state-cli");

    @TempDir
    Path dir;

    private record Run(int exitCode, String out, String err) {}

    private Run cli(Map<String, String> environment, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("LOGIN_STATE_"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS))
                .as("%s ended", command)
                .isTrue();
        return new Run(process.exitValue(), read("out.txt"), read("err.txt"));
    }

    private String read(String name) throws IOException {
        return Files.readString(dir.resolve(name), StandardCharsets.UTF_8);
    }

    @Test
    void theDocumentedCommandListsAndVerifiesCheckpointsWithThePackagedLibraries() throws Exception {
        Path packaged = Path.of(System.getProperty("login-state.app.jar")).getParent();
        assertThat(packaged.resolve("app")).as("the packaged service").isDirectory();
        Path root = dir.resolve("checkpoints");
        S3Settings s3 = STORES.s3Settings().toBuilder().prefix("operator").build();
        String damagedKey;
        try (CheckpointWriter writer = new CheckpointWriter(dir, InstantSource.system());
                ObjectStore directory = new DirectoryObjectStore(root);
                ObjectStore bucket = S3ObjectStore.create(s3)) {
            writer.write(directory, 0, 3, 40);
            writer.write(directory, 1, 3, 25);
            writer.write(bucket, 2, 4, 60);

            Run list = cli(Map.of(), "checkpoints", "list", "--store", "directory", "--dir", root.toString());
            assertThat(list.exitCode()).as(list.err()).isZero();
            assertThat(list.out())
                    .containsPattern("test-deployment\\s+0\\s+1-1\\s+40\\s")
                    .containsPattern("test-deployment\\s+1\\s+1-1\\s+25\\s");
            assertThat(list.err()).isEmpty();

            Run verify =
                    cli(Map.of("LOGIN_STATE_OBJECT_STORE_DIRECTORY_PATH", root.toString()), "checkpoints", "verify");
            assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
            assertThat(verify.out()).contains("2 checkpoints in 2 partitions: all OK");

            CheckpointCatalog.Contents contents = new CheckpointCatalog(directory)
                    .contents(CheckpointCatalog.partition(CheckpointWriter.DEPLOYMENT, "logins", 1));
            CheckpointManifest manifest =
                    contents.manifest(contents.checkpointIds().get(0)).orElseThrow();
            CheckpointManifest.FileEntry table = manifest.files().stream()
                    .filter(f -> f.name().endsWith(".sst"))
                    .findFirst()
                    .orElseThrow();
            byte[] bytes = directory.get(table.key()).orElseThrow();
            bytes[bytes.length / 2] ^= 0x10;
            directory.put(table.key(), bytes);
            damagedKey = table.key();
        }

        Run damaged = cli(Map.of(), "checkpoints", "verify", "--dir", root.toString());
        assertThat(damaged.exitCode()).isEqualTo(1);
        assertThat(damaged.out()).contains(damagedKey + " has CRC-32C").contains("1 DAMAGED");

        Run fromS3 = cli(
                Map.of(
                        "LOGIN_STATE_OBJECT_STORE_TYPE", "s3",
                        "LOGIN_STATE_OBJECT_STORE_S3_ENDPOINT",
                                STORES.endpoint().toString(),
                        "LOGIN_STATE_OBJECT_STORE_S3_BUCKET", s3.bucket(),
                        "LOGIN_STATE_OBJECT_STORE_S3_PREFIX", s3.prefix(),
                        "LOGIN_STATE_OBJECT_STORE_S3_PATH_STYLE_ACCESS", "true",
                        "LOGIN_STATE_OBJECT_STORE_S3_ACCESS_KEY_ID",
                                s3.accessKeyId().orElseThrow(),
                        "LOGIN_STATE_OBJECT_STORE_S3_SECRET_ACCESS_KEY",
                                s3.secretAccessKey().orElseThrow()),
                "checkpoints",
                "list");
        assertThat(fromS3.exitCode()).as(fromS3.err()).isZero();
        assertThat(fromS3.out()).containsPattern("test-deployment\\s+2\\s+1-1\\s+60\\s");
        assertThat(fromS3.err()).isEmpty();

        Run wrong = cli(Map.of(), "checkpoints", "inspect", "--dir", root.toString());
        assertThat(wrong.exitCode()).isEqualTo(2);
        assertThat(wrong.err()).contains("Missing required option: '--partition=N'", "Usage: login-state-cli");
    }
}
