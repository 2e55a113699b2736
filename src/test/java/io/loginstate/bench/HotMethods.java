package io.loginstate.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Prints the methods with the most execution samples (top frame) of a flight recording. */
final class HotMethods {

    private HotMethods() {
    }

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
            String method = top.getMethod().getType().getName() + "." + top.getMethod().getName();
            selfSamples.merge(method, 1, Integer::sum);
            total++;
        }
        System.out.printf(Locale.ROOT, "%nhottest methods of the service (%d samples, self time):%n", total);
        int all = total;
        selfSamples.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(limit)
                .forEach(e -> System.out.printf(Locale.ROOT, "  %5.1f%%  %s%n", 100.0 * e.getValue() / all, e.getKey()));
    }
}
