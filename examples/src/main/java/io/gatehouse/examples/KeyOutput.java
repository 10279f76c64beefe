package io.gatehouse.examples;

import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Objects;

/**
 * Where the generated development and admin keys are shown: on the terminal (standard output,
 * never the logging system), or, when standard output is not a terminal (a service manager, a
 * container log, a pipe), in a file only the user can read ({@code 0600}), whose path is printed
 * instead of the keys.
 *
 * <p>Immutable.
 */
abstract class KeyOutput {

    /** The file's name in its directory. */
    static final String FILE_NAME = "gatehouse-example-keys.txt";

    /** Shows the keys on {@code out}. */
    static KeyOutput terminal() {
        return new KeyOutput() {
            @Override
            void show(String devKey, String adminKey, PrintStream out) {
                out.println("Dev API key: " + devKey);
                out.println("Admin API key: " + adminKey);
            }
        };
    }

    /** Writes the keys to {@code file} (readable by the user only) and prints its path. */
    static KeyOutput file(Path file) {
        Objects.requireNonNull(file, "file");
        return new KeyOutput() {
            @Override
            void show(String devKey, String adminKey, PrintStream out) {
                write(file, "Dev API key: " + devKey + "\nAdmin API key: " + adminKey + "\n");
                out.println("Standard output is not a terminal: the dev and admin API keys are "
                        + "in " + file.toAbsolutePath() + " (readable by this user only)");
            }
        };
    }

    /**
     * The terminal when standard output is one, else the file {@value #FILE_NAME} in the
     * directory of {@code GATEHOUSE_KEYS_DIR}, or the user's home.
     */
    static KeyOutput forThisProcess() {
        if (isTerminal(System.console())) {
            return terminal();
        }
        String directory = System.getenv("GATEHOUSE_KEYS_DIR");
        return file(Path.of(directory != null && !directory.isBlank() ? directory
                : System.getProperty("user.home"), FILE_NAME));
    }

    abstract void show(String devKey, String adminKey, PrintStream out);

    /**
     * Whether {@code console} is a terminal: Java 17 has a console only then; later versions
     * may have one on a pipe too and tell with {@code isTerminal()}.
     */
    private static boolean isTerminal(Console console) {
        if (console == null) {
            return false;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    /** Writes {@code text} to {@code file}, created or truncated, with mode 0600. */
    static void write(Path file, String text) {
        try {
            boolean posix = FileSystems.getDefault().supportedFileAttributeViews()
                    .contains("posix");
            EnumSet<PosixFilePermission> owner = EnumSet.of(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE);
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            // Written to a new private file first, so the keys are never readable by others,
            // not even for a moment, whatever the old file's mode was.
            Path temporary = posix
                    ? Files.createTempFile(parent, ".gatehouse-keys", ".tmp",
                            PosixFilePermissions.asFileAttribute(owner))
                    : Files.createTempFile(parent, ".gatehouse-keys", ".tmp");
            try {
                Files.writeString(temporary, text, StandardCharsets.UTF_8);
                Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temporary);
            }
            if (posix) {
                Files.setPosixFilePermissions(file, owner);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the keys to " + file, e);
        }
    }
}
