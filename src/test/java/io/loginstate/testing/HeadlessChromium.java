package io.loginstate.testing;

import io.loginstate.support.Directories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code chromium} in headless mode, to load a page as a browser does and read the DOM it
 * built. Found on the {@code PATH}; when missing it is installed with {@code apt-get} (as root, or
 * through {@code sudo -n}), so the page test runs from the README's test command on a fresh machine.
 */
public final class HeadlessChromium {

    private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome");
    private static final long TIMEOUT_SECONDS = 60;
    private static final long INSTALL_TIMEOUT_SECONDS = 900;

    private final String binary;

    private HeadlessChromium(String binary) {
        this.binary = binary;
    }

    /** The browser, installed first if it is missing. */
    public static synchronized HeadlessChromium locateOrInstall() {
        String found = locate();
        if (found == null) {
            install();
            found = locate();
        }
        if (found == null) {
            throw new IllegalStateException("chromium is not installed and could not be installed with apt-get;"
                    + " install the Debian package 'chromium' and run the tests again");
        }
        return new HeadlessChromium(found);
    }

    /** The DOM of {@code url} after the page loaded, as HTML. */
    public String dumpDom(String url) {
        Path profile;
        try {
            profile = Files.createTempDirectory("chromium-profile");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = List.of(
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + profile,
                "--dump-dom",
                url);
        Run run = run(command, TIMEOUT_SECONDS);
        Directories.deleteRecursively(profile);
        if (run.exit() != 0 || run.stdout().isBlank()) {
            throw new IllegalStateException(
                    "chromium exited with " + run.exit() + " loading " + url + ": " + run.stderr());
        }
        return run.stdout();
    }

    private static String locate() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String name : NAMES) {
            for (String dir : path.split(":")) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        return null;
    }

    private static void install() {
        if (locateIn("apt-get") == null) {
            return;
        }
        List<String> prefix = new ArrayList<>();
        if (!"root".equals(System.getProperty("user.name"))) {
            if (locateIn("sudo") == null
                    || run(List.of("sudo", "-n", "true"), 30).exit() != 0) {
                return;
            }
            prefix.add("sudo");
            prefix.add("-n");
        }
        System.out.println("chromium is missing; installing it with apt-get (once)");
        List<String> update = new ArrayList<>(prefix);
        update.addAll(List.of("apt-get", "update", "-q"));
        run(update, INSTALL_TIMEOUT_SECONDS);
        List<String> installChromium = new ArrayList<>(prefix);
        installChromium.addAll(
                List.of("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", "chromium"));
        Run run = run(installChromium, INSTALL_TIMEOUT_SECONDS);
        if (run.exit() != 0) {
            System.out.println("apt-get install chromium failed: " + run.stderr());
        }
    }

    private static String locateIn(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return name;
            }
        }
        return null;
    }

    private record Run(int exit, String stdout, String stderr) {}

    private static Run run(List<String> command, long timeoutSeconds) {
        try {
            Path out = Files.createTempFile("chromium", ".out");
            Path err = Files.createTempFile("chromium", ".err");
            Process process = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                return new Run(-1, "", "timed out after " + timeoutSeconds + " s");
            }
            Run run = new Run(
                    process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    tail(Files.readString(err, StandardCharsets.UTF_8)));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return run;
        } catch (IOException e) {
            return new Run(-1, "", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Run(-1, "", "interrupted");
        }
    }

    private static String tail(String text) {
        return text.length() <= 2000 ? text : text.substring(text.length() - 2000);
    }
}
