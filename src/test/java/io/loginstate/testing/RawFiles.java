package io.loginstate.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Searches the raw bytes of every file under a directory, the way an auditor would. */
public final class RawFiles {

    private RawFiles() {}

    /** Files whose bytes contain the text as UTF-8 or as lower- or upper-case hex, relative to the directory. */
    public static List<String> containing(Path directory, String text) {
        List<byte[]> needles = needles(text);
        List<String> hits = new ArrayList<>();
        for (Path file : regularFiles(directory)) {
            byte[] content;
            try {
                content = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                continue; // removed meanwhile by a background job
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (needles.stream().anyMatch(needle -> indexOf(content, needle) >= 0)) {
                hits.add(directory.relativize(file).toString());
            }
        }
        return hits;
    }

    /** Background jobs delete files while we list them: list again until a listing completes. */
    private static List<Path> regularFiles(Path directory) {
        if (!Files.exists(directory)) {
            return List.of();
        }
        for (int attempt = 1; ; attempt++) {
            try (Stream<Path> files = Files.walk(directory)) {
                return files.filter(Files::isRegularFile).toList();
            } catch (UncheckedIOException | IOException e) {
                if (attempt == 10) {
                    throw new IllegalStateException("Cannot list " + directory, e);
                }
            }
        }
    }

    /** True if {@code content} holds the text as UTF-8 or as lower- or upper-case hex. */
    public static boolean holds(byte[] content, String text) {
        return needles(text).stream().anyMatch(needle -> indexOf(content, needle) >= 0);
    }

    private static List<byte[]> needles(String text) {
        byte[] raw = text.getBytes(StandardCharsets.UTF_8);
        String hex = HexFormat.of().formatHex(raw);
        return List.of(
                raw,
                hex.getBytes(StandardCharsets.US_ASCII),
                hex.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
