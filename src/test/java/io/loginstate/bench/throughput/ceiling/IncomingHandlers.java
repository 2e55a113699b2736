package io.loginstate.bench.throughput.ceiling;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.AnnotationTarget;
import org.jboss.jandex.DotName;
import org.jboss.jandex.Index;
import org.jboss.jandex.Indexer;
import org.jboss.jandex.MethodInfo;
import org.jboss.jandex.Type;

/**
 * Finds the classes of the service that consume a channel, by reading the compiled classes (no
 * class is loaded). The counting run excludes whatever handler the service has today, so it does
 * not depend on the handler's name.
 */
final class IncomingHandlers {

    private static final DotName INCOMING =
            DotName.createSimple("org.eclipse.microprofile.reactive.messaging.Incoming");

    private IncomingHandlers() {}

    static List<String> declaringClasses(Path classes, String channel) {
        TreeSet<String> handlers = new TreeSet<>();
        methods(classes, channel)
                .forEach(method -> handlers.add(method.declaringClass().name().toString()));
        return List.copyOf(handlers);
    }

    /**
     * What the handlers of the channel take and return, e.g.
     * {@code (ConsumerRecords<byte[], byte[]>) -> CompletionStage<Void>}: the ceiling is only the
     * service's consumption path if its handler has the service's shape.
     */
    static Set<String> shapes(Path classes, String channel) {
        Set<String> shapes = new TreeSet<>();
        for (MethodInfo method : methods(classes, channel)) {
            shapes.add(method.parameterTypes().stream()
                            .map(IncomingHandlers::simple)
                            .collect(Collectors.joining(", ", "(", ")"))
                    + " -> " + simple(method.returnType()));
        }
        return shapes;
    }

    private static List<MethodInfo> methods(Path classes, String channel) {
        if (!Files.isDirectory(classes)) {
            throw new IllegalStateException("No compiled classes at " + classes.toAbsolutePath());
        }
        List<MethodInfo> methods = new ArrayList<>();
        for (AnnotationInstance incoming : index(classes).getAnnotations(INCOMING)) {
            if (incoming.target().kind() == AnnotationTarget.Kind.METHOD
                    && channel.equals(incoming.value().asString())) {
                methods.add(incoming.target().asMethod());
            }
        }
        return methods;
    }

    /** A type without package names: {@code java.lang.Void} is {@code Void}. */
    private static String simple(Type type) {
        return type.toString().replaceAll("\\b[a-z][a-z0-9_]*\\.", "");
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
