package io.loginstate.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/** Prints the methods with the most execution samples (top frame) of a flight recording. */
final class HotMethods {

    private HotMethods() {}

    static void print(Path recording, int limit) throws IOException {
        Map<String, Integer> selfSamples = new HashMap<>();
        int total = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedStackTrace stack = event.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            RecordedFrame top = stack.getFrames().get(0);
            String method =
                    top.getMethod().getType().getName() + "." + top.getMethod().getName();
            selfSamples.merge(method, 1, Integer::sum);
            total++;
        }
        System.out.printf(Locale.ROOT, "%nhottest methods of the service (%d samples, self time):%n", total);
        int all = total;
        selfSamples.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(limit)
                .forEach(
                        e -> System.out.printf(Locale.ROOT, "  %5.1f%%  %s%n", 100.0 * e.getValue() / all, e.getKey()));
    }

    /**
     * Prints, for the samples of one thread (in Java and in native code), the methods with the most
     * self time and the project's methods with the most total time (on the stack at all).
     */
    static void printFrames(Path recording, String threadName, int limit) throws IOException {
        Map<String, Integer> selfSamples = new HashMap<>();
        Map<String, Integer> totalSamples = new HashMap<>();
        int total = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
            String type = event.getEventType().getName();
            if (!type.equals("jdk.ExecutionSample") && !type.equals("jdk.NativeMethodSample")) {
                continue;
            }
            if (event.getThread("sampledThread") == null
                    || !threadName.equals(event.getThread("sampledThread").getJavaName())) {
                continue;
            }
            RecordedStackTrace stack = event.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            selfSamples.merge(name(stack.getFrames().get(0)), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame frame : stack.getFrames()) {
                String method = name(frame);
                if (method.startsWith("io.loginstate.")
                        && !method.startsWith("io.loginstate.bench.")
                        && seen.add(method)) {
                    totalSamples.merge(method, 1, Integer::sum);
                }
            }
            total++;
        }
        int all = Math.max(1, total);
        System.out.printf(Locale.ROOT, "  hottest methods (%d samples of thread %s, self time):%n", total, threadName);
        selfSamples.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(limit)
                .forEach(e ->
                        System.out.printf(Locale.ROOT, "    %5.1f%%  %s%n", 100.0 * e.getValue() / all, e.getKey()));
        System.out.printf(Locale.ROOT, "  project methods by total time:%n");
        totalSamples.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(limit)
                .forEach(e ->
                        System.out.printf(Locale.ROOT, "    %5.1f%%  %s%n", 100.0 * e.getValue() / all, e.getKey()));
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }
}
