package io.loginstate.cli;

import java.io.PrintWriter;
import java.time.InstantSource;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The operator command line: looks at the service's stored state where it rests (a directory or
 * an S3 bucket) without running the service, so it starts no Quarkus, no CDI and no Kafka client.
 * Commands are grouped by what they read: {@code checkpoints} and {@code savepoints}.
 *
 * <p>Exit codes: 0 all well, 1 something stored is damaged or could not be read (one line on
 * stderr naming the object; the stack trace only with {@code --verbose}), 2 wrong or missing
 * arguments (the message and the usage on stderr).
 */
@Command(
        name = "login-state-cli",
        mixinStandardHelpOptions = true,
        versionProvider = LoginStateCli.Version.class,
        description =
                "Reads login-state's checkpoints and savepoints where they rest (a directory or an S3 bucket), without running"
                        + " the service.",
        subcommands = {
            CheckpointsCommand.class,
            SavepointsCommand.class,
            EraseSavepoint.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Exit codes: 0 all well; 1 a stored object is damaged or cannot be read; 2 wrong or missing arguments.",
            "Store options come from the service's environment variables when not given (see each command's help)."
        })
public final class LoginStateCli implements Runnable {

    @Spec
    CommandSpec spec;

    /** What every command gets from its surroundings: the environment it reads defaults from, the clock. */
    record Context(Map<String, String> environment, InstantSource clock) {}

    public static void main(String[] args) {
        int code = execute(
                args,
                new PrintWriter(System.out, true),
                new PrintWriter(System.err, true),
                new Context(System.getenv(), InstantSource.system()));
        System.exit(code);
    }

    /** Runs one command line and returns its exit code; the output goes to {@code out} and {@code err}. */
    static int execute(String[] args, PrintWriter out, PrintWriter err, Context context) {
        CommandLine cli = commandLine(context);
        cli.setOut(out);
        cli.setErr(err);
        return cli.execute(args);
    }

    /** The command tree, with the environment as the source of defaults and one-line errors. */
    static CommandLine commandLine(Context context) {
        CommandLine cli = new CommandLine(new LoginStateCli(), new ContextFactory(context));
        cli.setDefaultValueProvider(new EnvironmentDefaults(context.environment()));
        cli.setExecutionExceptionHandler(new Failures());
        return cli;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command: say what to read, e.g. 'checkpoints list'");
    }

    /** The application's version, as packaged. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = LoginStateCli.class.getPackage().getImplementationVersion();
            return new String[] {"login-state-cli " + (version == null ? "(development build)" : version)};
        }
    }

    /** Creates commands, handing the context to those that take it. */
    private record ContextFactory(Context context) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            try {
                return type.getDeclaredConstructor(Context.class).newInstance(context);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(type);
            }
        }
    }
}
