package io.loginstate.testing;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.jboss.logmanager.handlers.ConsoleHandler;
import org.jboss.logmanager.handlers.FileHandler;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * For every test JVM: the broker, S3Proxy (with its Jetty) and the Kafka clients log in full to
 * {@code target/test-logs/third-party.log} and reach the console only at WARN, so the reason of a
 * failing test stands out. ({@code @QuarkusTest}s get the same from the {@code %test} profile.)
 */
public final class QuietThirdPartyLogs implements LauncherSessionListener {

    static final List<String> CATEGORIES =
            List.of("kafka", "org.apache.kafka", "state.change.logger", "org.gaul", "org.eclipse.jetty", "org.jclouds");
    private static final String PATTERN = "%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p [%c] (%t) %s%e%n";
    /** Loggers are held weakly by the log manager: these references keep their configuration alive. */
    private static final List<Logger> CONFIGURED = new ArrayList<>();

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        synchronized (CONFIGURED) {
            if (!CONFIGURED.isEmpty()) {
                return;
            }
            Handler file = fileHandler(Path.of("target", "test-logs", "third-party.log"));
            ConsoleHandler console = new ConsoleHandler(new PatternFormatter(PATTERN));
            console.setLevel(Level.WARNING);
            for (String category : CATEGORIES) {
                Logger logger = Logger.getLogger(category);
                logger.setUseParentHandlers(false);
                logger.addHandler(file);
                logger.addHandler(console);
                CONFIGURED.add(logger);
            }
        }
    }

    private static Handler fileHandler(Path path) {
        try {
            Files.createDirectories(path.getParent());
            FileHandler handler = new FileHandler(path.toString(), true);
            handler.setFormatter(new PatternFormatter(PATTERN));
            handler.setAutoFlush(true);
            return handler;
        } catch (FileNotFoundException e) {
            throw new UncheckedIOException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
