package io.loginstate.bench.throughput.ceiling;

import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.AnnotationTarget;
import org.jboss.jandex.DotName;
import org.jboss.jandex.Index;
import org.jboss.jandex.Indexer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Finds the classes of the service that consume a channel, by reading the compiled classes (no
 * class is loaded). The counting run excludes whatever handler the service has today, so it does
 * not depend on the handler's name.
 */
final class IncomingHandlers {

    private static final DotName INCOMING = DotName.createSimple("org.eclipse.microprofile.reactive.messaging.Incoming");

    private IncomingHandlers() {
    }

    static List<String> declaringClasses(Path classes, String channel) {
        if (!Files.isDirectory(classes)) {
            throw new IllegalStateException("No compiled classes at " + classes.toAbsolutePath());
        }
        Index index = index(classes);
        TreeSet<String> handlers = new TreeSet<>();
        for (AnnotationInstance incoming : index.getAnnotations(INCOMING)) {
            if (incoming.target().kind() == AnnotationTarget.Kind.METHOD && channel.equals(incoming.value().asString())) {
                handlers.add(incoming.target().asMethod().declaringClass().name().toString());
            }
        }
        return List.copyOf(handlers);
    }

    private static Index index(Path classes) {
        Indexer indexer = new Indexer();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                try (InputStream in = Files.newInputStream(file)) {
                    indexer.index(in);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return indexer.complete();
    }
}
