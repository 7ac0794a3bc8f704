package dev.pilothouse.bench;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.store.Store;
import dev.pilothouse.store.StoreMaintenance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 13's numbers, from outside and whole process, as an operator's script sees them: the
 * launcher's CLI commands on a data dir of 1,000 sessions (after one first command has started the
 * background engine), beside {@code kubectl version --client} as the cost of starting a process;
 * what {@code sessions send} adds to the agent's own reply time (the agent's log says how long it
 * took); create → READY (the audit trail's timestamps, and the whole command); and, where a display
 * is, the console's first frame and its table filled (the instants of the console's own log lines,
 * from the moment this benchmark launched it).
 *
 * <pre>mvn -q -DskipTests package &amp;&amp; mvn -q test-compile exec:exec@bench -pl app/console \
 *     -Dbench.main=dev.pilothouse.bench.StartupBenchmark -Dbench=all</pre>
 * ({@code -Dbench=PATH} names another launcher, the app image's {@code bin/pilothouse} for instance;
 * {@code -Dbench=console} measures the built launcher's console alone, {@code -Dbench=floor} a bare
 * JavaFX table ({@link TableFloor}) started as the launcher starts the console, the floor under the
 * console's figure, which {@code all} and {@code console} measure too; {@code :ROUNDS} after any of
 * them sets the number of rounds, 11 by default.)
 */
public final class StartupBenchmark {
    private static final int SESSIONS = 1_000;
    private static int ROUNDS = Integer.getInteger("startup.rounds", 11);

    public static void main(String[] args) throws Exception {
        String mode = args.length == 0 ? "all" : args[0];
        // MODE:ROUNDS (a system property given to mvn does not reach this JVM)
        Matcher rounds = Pattern.compile("(.*):(\\d+)").matcher(mode);
        if (rounds.matches()) {
            mode = rounds.group(1);
            ROUNDS = Integer.parseInt(rounds.group(2));
        }
        boolean consoleOnly = mode.equals("console");
        boolean floorOnly = mode.equals("floor");
        boolean built = mode.equals("all") || consoleOnly || floorOnly;
        Path launcher = built ? builtLauncher() : Path.of(mode).toAbsolutePath();
        if (!Files.isExecutable(launcher)) {
            throw new IllegalArgumentException(launcher + " is not there: build it first with mvn -DskipTests package");
        }
        // STARTUP_BENCH_DATA=DIR: seeded there once and kept, to time the console by hand between runs
        String kept = System.getenv("STARTUP_BENCH_DATA");
        Path dir = kept != null ? Path.of(kept).toAbsolutePath() : Files.createTempDirectory("pilothouse-startup-bench");
        System.out.println("# startup benchmark, " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors()
                + " cores, " + launcher + ", data dir " + dir + ", medians of " + ROUNDS);
        if (floorOnly) {
            floor(launcher);
            return;
        }
        try {
            if (kept == null || !Files.exists(dir.resolve(Store.FILE))) {
                seed(dir);
            }
            StartupBenchmark b = new StartupBenchmark(launcher, dir);
            if (!consoleOnly) {
                b.commands();
                b.send();
                b.create();
                b.run(List.of("engine", "stop"));
            }
            if (System.getenv("DISPLAY") != null) {
                b.console();
                if (built) { // beside the built launcher, whose lib/ it reads
                    floor(launcher);
                }
            } else {
                System.out.println("console: not measured (no DISPLAY; run under xvfb-run -a)");
            }
        } finally {
            if (kept == null) {
                new ProcessBuilder("rm", "-rf", dir.toString()).inheritIO().start().waitFor();
            }
        }
    }

    private final Path launcher;
    private final Path dir;

    /** target/pilothouse/bin/pilothouse of the project this runs in (from the root or from app/console). */
    private static Path builtLauncher() {
        Path launcher = Path.of("target/pilothouse/bin/pilothouse");
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isExecutable(d.resolve(launcher))) {
                return d.resolve(launcher);
            }
        }
        return launcher.toAbsolutePath();
    }

    private StartupBenchmark(Path launcher, Path dir) {
        this.launcher = launcher;
        this.dir = dir;
    }

    private static void seed(Path dir) {
        try (Store store = Store.open(dir)) {
            AgentDefinition ref = store.read(tx -> tx.findLiveAgent("reference")).orElseThrow();
            store.write(tx -> {
                for (int i = 0; i < SESSIONS; i++) {
                    Session s = EngineBenchmarks.session(ref, "s-" + i, i % 4 == 0 ? SessionState.ERROR : SessionState.IDLE);
                    tx.insertSession(s, List.of(ref), "bench", "benchmark", null);
                }
                return null;
            });
            StoreMaintenance.backup(store, null);
        }
    }

    /** The read commands, interleaved round by round, beside kubectl. */
    private void commands() throws Exception {
        Result first = run(List.of("sessions", "list"));
        System.out.printf("first command (starts the background engine): sessions list %.0f ms%n", first.millis);
        Map<String, List<String>> commands = new LinkedHashMap<>();
        if (onPath("kubectl")) {
            commands.put("kubectl version --client", List.of("kubectl", "version", "--client"));
        }
        commands.put("pilothouse --version", command(List.of("--version")));
        commands.put("sessions list (1,000)", command(List.of("sessions", "list")));
        commands.put("sessions show", command(List.of("sessions", "show", "s-7")));
        commands.put("agents list", command(List.of("agents", "list")));
        commands.put("sessions events", command(List.of("sessions", "events", "s-7")));
        Map<String, double[]> times = new LinkedHashMap<>();
        commands.keySet().forEach(k -> times.put(k, new double[ROUNDS]));
        for (int r = 0; r < ROUNDS; r++) {
            for (var e : commands.entrySet()) {
                Result res = exec(e.getValue());
                if (res.exit != 0) {
                    throw new IllegalStateException(e.getKey() + " exited " + res.exit + ": " + res.output);
                }
                times.get(e.getKey())[r] = res.millis;
            }
        }
        times.forEach((k, v) -> print(k, v));
    }

    /** What {@code sessions send} adds to the agent's own time for the reply. */
    private void send() throws Exception {
        check(run(List.of("sessions", "create", "bench-send", "--agent", "reference")));
        double[] wall = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            Result res = check(run(List.of("sessions", "send", "bench-send", "$ echo " + r)));
            wall[r] = res.millis;
        }
        String log = check(run(List.of("sessions", "logs", "bench-send"))).output;
        Matcher m = Pattern.compile("reply to message \\S+ finished in (\\d+) ms").matcher(log);
        List<Double> agent = new ArrayList<>();
        while (m.find()) {
            agent.add(Double.parseDouble(m.group(1)));
        }
        if (agent.size() < ROUNDS) {
            throw new IllegalStateException("the agent's log has " + agent.size() + " replies, not " + ROUNDS + ":\n" + log);
        }
        double[] added = new double[ROUNDS];
        double[] own = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            own[r] = agent.get(agent.size() - ROUNDS + r);
            added[r] = wall[r] - own[r];
        }
        print("sessions send, whole command", wall);
        print("  the agent's own reply time", own);
        print("  added by pilothouse", added);
        check(run(List.of("sessions", "delete", "bench-send")));
    }

    /** create → READY on the local runtime: the engine's timestamps, and the whole command. */
    private void create() throws Exception {
        double[] toReady = new double[ROUNDS];
        double[] wall = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            String name = "bench-create-" + r;
            wall[r] = check(run(List.of("sessions", "create", name, "--agent", "reference"))).millis;
            String events = check(run(List.of("sessions", "events", name, "-o", "json"))).output;
            toReady[r] = createdToReady(events);
            check(run(List.of("sessions", "delete", name)));
        }
        print("create -> READY (audit trail)", toReady);
        print("sessions create, whole command", wall);
    }

    /** From the audit trail's first record to the one that says READY. */
    static double createdToReady(String eventsJson) {
        Matcher at = Pattern.compile("\"at\"\\s*:\\s*\"([^\"]+)\"").matcher(eventsJson);
        Instant first = null;
        int ready = eventsJson.indexOf("READY");
        if (ready < 0) {
            throw new IllegalStateException("no READY in the audit trail: " + eventsJson);
        }
        Instant last = null;
        while (at.find() && at.start() < ready + 200) {
            Instant t = Instant.parse(at.group(1));
            if (first == null) {
                first = t;
            }
            if (at.start() < ready) {
                last = t;
            }
        }
        return Duration.between(first, last).toNanos() / 1e6;
    }

    /**
     * The console: its window shown and its table filled, from the moment this benchmark launched
     * it to the instants its log gives (the same clock).
     */
    private void console() throws Exception {
        double[] frame = new double[ROUNDS];
        double[] table = new double[ROUNDS];
        double[] main = new double[ROUNDS];
        double[] splash = new double[ROUNDS];
        boolean windows = topLevelWindows() >= 0;
        Pattern mainWindow = Pattern.compile("main window drawn at (\\S+) ");
        Pattern firstFrame = Pattern.compile("first frame at (\\S+) ");
        Pattern filled = Pattern.compile("session table filled with (\\d+) sessions at (\\S+) ");
        for (int r = 0; r < ROUNDS; r++) {
            Path logs = dir.resolve("logs");
            List<Path> before = logFiles(logs);
            int windowsBefore = windows ? topLevelWindows() : 0;
            Instant launched = Instant.now();
            Process p = new ProcessBuilder(launcher.toString(), "--data-dir", dir.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            splash[r] = Double.NaN;
            while (windows && p.isAlive()
                    && Duration.between(launched, Instant.now()).toSeconds() < 10) {
                // the splash is the JVM's own window, before any Java runs: only the X server sees it
                if (topLevelWindows() > windowsBefore) {
                    splash[r] = Duration.between(launched, Instant.now()).toMillis();
                    break;
                }
                TimeUnit.MILLISECONDS.sleep(5);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            Matcher f = null;
            Matcher t = null;
            Matcher w = null;
            while ((f == null || t == null || w == null) && System.nanoTime() < deadline && p.isAlive()) {
                for (Path log : logFiles(logs)) {
                    if (before.contains(log)) {
                        continue;
                    }
                    String text = Files.readString(log, StandardCharsets.UTF_8);
                    Matcher fm = firstFrame.matcher(text);
                    Matcher tm = filled.matcher(text);
                    Matcher wm = mainWindow.matcher(text);
                    w = wm.find() ? wm : w;
                    f = fm.find() ? fm : f;
                    t = tm.find() ? tm : t;
                }
                TimeUnit.MILLISECONDS.sleep(20); // polling another process's log file: there is nothing to wait on
            }
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
            if (f == null || t == null || w == null) {
                throw new IllegalStateException(
                        "the console did not log its first frame, main window and filled table within 60 s");
            }
            frame[r] = Duration.between(launched, Instant.parse(f.group(1))).toMillis();
            table[r] = Duration.between(launched, Instant.parse(t.group(2))).toMillis();
            main[r] = Duration.between(launched, Instant.parse(w.group(1))).toMillis();
            if (Integer.parseInt(t.group(1)) < SESSIONS) {
                throw new IllegalStateException("the table showed " + t.group(1) + " sessions, not " + SESSIONS);
            }
        }
        if (windows) {
            print("console: first window on screen (the launcher's splash)", splash);
        } else {
            System.out.println("console: splash not measured (no xwininfo: apt-get install x11-utils)");
        }
        print("console: first frame (the opening frame)", frame);
        print("console: main window drawn", main);
        print("console: table filled (1,000)", table);
    }

    /**
     * {@link TableFloor} from its launch to its table's first rows laid out, started with the JVM
     * flags the launcher gives the console (read from the script) and a class-data archive of its
     * own, recorded by one first run: the console without everything but a table.
     */
    private static void floor(Path launcher) throws Exception {
        if (System.getenv("DISPLAY") == null) {
            System.out.println("floor: not measured (no DISPLAY; run under xvfb-run -a)");
            return;
        }
        Path lib = launcher.toAbsolutePath().getParent().getParent().resolve("lib");
        String script = Files.readString(launcher, StandardCharsets.UTF_8);
        Matcher c2 = Pattern.compile("C2_LATER=\"([^\"]*)\"").matcher(script);
        if (!script.contains("-XX:+UseZGC") || !c2.find()) {
            throw new IllegalStateException(launcher + " no longer starts the console as this floor assumes (ZGC, C2_LATER)");
        }
        List<String> fx = new ArrayList<>();
        String atlantafx = null;
        try (var jars = Files.list(lib)) {
            for (Path j : jars.sorted().toList()) {
                String n = j.getFileName().toString();
                if (n.matches("javafx-.*-linux.*\\.jar")) {
                    fx.add(j.toString());
                } else if (n.startsWith("atlantafx-base-")) {
                    atlantafx = j.toString();
                }
            }
        }
        Path work = Files.createTempDirectory("pilothouse-floor");
        Path archive = work.resolve("floor.jsa");
        // in a jar of its own: a class-data archive takes no directory on the class path
        Path classes = work.resolve("floor.jar");
        Path compiled = Path.of(TableFloor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String pkg = TableFloor.class.getPackageName().replace('.', '/');
        try (var jar = new java.util.jar.JarOutputStream(Files.newOutputStream(classes)); var own = Files.list(compiled.resolve(pkg))) {
            for (Path c : own.filter(f -> f.getFileName().toString().startsWith(TableFloor.class.getSimpleName())).toList()) {
                jar.putNextEntry(new java.util.jar.JarEntry(pkg + "/" + c.getFileName()));
                jar.write(Files.readAllBytes(c));
                jar.closeEntry();
            }
        }
        List<String> jvm = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xss2m", "-XX:+UseZGC"));
        jvm.addAll(Arrays.asList(c2.group(1).trim().split("\\s+")));
        List<String> app = List.of("--module-path", String.join(":", fx), "--add-modules", "javafx.controls",
                "-cp", classes + ":" + atlantafx, TableFloor.class.getName());
        try {
            List<String> record = new ArrayList<>(jvm);
            record.add("-XX:ArchiveClassesAtExit=" + archive);
            record.addAll(app);
            floorRun(record);
            List<String> timed = new ArrayList<>(jvm);
            timed.add("-XX:SharedArchiveFile=" + archive);
            timed.addAll(app);
            double[] shown = new double[ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                shown[r] = floorRun(timed);
            }
            print("floor: a bare JavaFX table (1,000)", shown);
        } finally {
            new ProcessBuilder("rm", "-rf", work.toString()).inheritIO().start().waitFor();
        }
    }

    /** One run of {@link TableFloor}: from its launch to the instant it printed. */
    private static double floorRun(List<String> cmd) throws Exception {
        Instant launched = Instant.now();
        Result r = exec(cmd);
        Matcher m = Pattern.compile(Pattern.quote(TableFloor.SHOWN) + "(\\S+)").matcher(r.output);
        if (r.exit != 0 || !m.find()) {
            throw new IllegalStateException("the bare table did not show (exit " + r.exit + "): " + r.output);
        }
        return Duration.between(launched, Instant.parse(m.group(1))).toMillis();
    }

    /** The X server's top-level windows ({@code xwininfo}), or -1 without it. */
    private static int topLevelWindows() throws InterruptedException {
        try {
            Process x = new ProcessBuilder("xwininfo", "-root", "-children").redirectErrorStream(true).start();
            String out = new String(x.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return x.waitFor() == 0 ? (int) out.lines().filter(l -> l.matches("\\s+0x.*")).count() : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private static List<Path> logFiles(Path logs) throws IOException {
        if (!Files.isDirectory(logs)) {
            return List.of();
        }
        try (var s = Files.list(logs)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".log")).toList();
        }
    }

    private List<String> command(List<String> args) {
        List<String> c = new ArrayList<>(List.of(launcher.toString(), "--data-dir", dir.toString()));
        c.addAll(args);
        return c;
    }

    private Result run(List<String> args) throws Exception {
        return exec(command(args));
    }

    private static Result check(Result r) {
        if (r.exit != 0) {
            throw new IllegalStateException("exit " + r.exit + ": " + r.output);
        }
        return r;
    }

    private record Result(int exit, double millis, String output) {
    }

    private static Result exec(List<String> cmd) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        int exit = p.waitFor();
        return new Result(exit, (System.nanoTime() - t0) / 1e6, new String(out, StandardCharsets.UTF_8));
    }

    private static boolean onPath(String exe) {
        String path = System.getenv("PATH");
        return path != null && Arrays.stream(path.split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, exe)));
    }

    private static void print(String what, double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        System.out.printf("%-34s median %6.0f ms  (min %5.0f, max %5.0f)%n", what, EngineBenchmarks.median(v), s[0], s[s.length - 1]);
    }
}
