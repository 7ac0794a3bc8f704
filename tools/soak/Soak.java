/*
 * Soak program for issue 9 item 1: drives the real `pilothouse` CLI, as separate processes, for
 * a long time on one data dir, and after every command (or burst of commands) checks that
 * nothing the store ever acknowledged or showed has disappeared.
 *
 * Single file, JDK only (17+); not part of `mvn verify`. Run it with the launcher of the build to
 * try (`mvn -o -q -DskipTests package` leaves it at target/pilothouse/bin/pilothouse):
 *
 *   java tools/soak/Soak.java --launcher target/pilothouse/bin/pilothouse --minutes 60 --dir /tmp/soak-new
 *
 * docs/store.md ("Soak") says what it does, what it checks and how to read its results;
 * `java tools/soak/Soak.java --help` lists the options.
 */

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

public final class Soak {

    // ------------------------------------------------------------------------------------------
    // options

    static final String USAGE = """
            usage: java tools/soak/Soak.java --launcher PATH --dir DIR [options]

            Drives the real pilothouse CLI against DIR/data for --minutes, checking after every
            command that nothing committed has disappeared. Results: DIR/soak.log (every command and
            check), DIR/journal.jsonl (the expected state: every acknowledged fact), DIR/summary.json
            and DIR/summary.txt; DIR/evidence/ keeps copies of the store when something is lost.
            Exit status: 0 nothing lost, 3 silent loss, 4 refusal(s) (the store detected lost
            writes) but no silent loss, 5 anomalies only, 2 bad usage.

              --launcher PATH       the build's launcher (target/pilothouse/bin/pilothouse)
              --dir DIR             results and data dir (DIR/data); must not hold an earlier run
              --force               delete DIR first if it holds an earlier soak run
              --minutes M           how long to drive commands (default 60)
              --seed N              random seed (default 1): the same seed makes the same choices
              --gap-scale F         multiply every idle gap (default 1; 0.3 for a quick look)
              --long-gap A-B        long idle gaps, seconds (default 65-150)
              --long-gap-p P        chance of a long gap after a step (default 0.08)
              --burst A-B           commands in a parallel burst (default 10-20)
              --burst-p P           chance a step is a parallel burst (default 0.08)
              --kill-cli-p P        chance a step kills a CLI mid-command (default 0.07)
              --kill-engine-p P     chance a step kills -9 the engine holding the data dir (default 0.1)
              --after-ack-p P       of the engine kills, the share right after an acknowledged command (default 0.5;
                                    the rest: 40% while idle, 60% partway through a command)
              --holder-p P          chance to start a long-lived engine when none runs (default 0.04)
              --holder-minutes A-B  how long it is kept (default 2-6)
              --max-running N       running sessions (agent JVMs) at most (default 4)
              --engine-idle S       PILOTHOUSE_ENGINE_IDLE_SECONDS for the background engine (default: unset)
              --meta-pad N          a metadata value of N characters on every session, rewritten by a quarter
                                    of the updates (rows H2 must rewrite and compact; default 3000, max ~15000)
              --reply-bytes A-B     random bytes in each send's reply, base64 (default 500-6000)
              --cmd-timeout S       a command running longer is killed and reported hung (default 300)
              --no-engine           treat the build as one without `pilothouse engine` (auto-detected)
              --stop-on-loss        stop at the first silent loss (default: report it and go on)
              --on-refusal stop|accept   on "the store ... was not opened": stop, or run
                                    `store accept --yes` and go on (default accept)
              --deep N              sessions whose messages and audit trail each check reads: up to N with
                                    new replies or gone to ERROR, plus one in turn (default 3; 0: one in turn)
              --keep-output         keep every command's stdout/stderr in DIR/out (default: those of state-changing
                                    commands and of failures, not of reads that succeeded)
              --no-snapshots        do not copy the store file after each good check
              --inject-revert M     self-test of the checks: at minute M put back the store file copied at
                                    minute M/2 (store.seq kept: the new build must refuse; the old one loses)
              --inject-revert-seq   with --inject-revert: put back store.seq too (a silent revert for both)
            """;

    static final class Opts {
        Path launcher;
        Path dir;
        boolean force;
        double minutes = 60;
        long seed = 1;
        double gapScale = 1;
        double longGapMin = 65;
        double longGapMax = 150;
        double longGapP = 0.08;
        double midGapP = 0.25;
        int burstMin = 10;
        int burstMax = 20;
        double burstP = 0.08;
        double killCliP = 0.07;
        double killEngineP = 0.1;
        double holderP = 0.04;
        double holderMin = 2;
        double holderMax = 6;
        int maxRunning = 4;
        Integer engineIdle;
        int replyMin = 500;
        int replyMax = 6000;
        int cmdTimeout = 300;
        boolean noEngine;
        boolean stopOnLoss;
        String onRefusal = "accept";
        boolean keepOutput;
        boolean snapshots = true;
        double injectRevert = -1;
        int deep = 3;
        double afterAckP = 0.5;
        int padBytes = 3000;
        boolean injectRevertSeq;
        final Map<String, String> given = new LinkedHashMap<>();

        static Opts parse(String[] args) {
            Opts o = new Opts();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String v = null;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
                    v = a.substring(eq + 1);
                    a = a.substring(0, eq);
                }
                boolean flag = switch (a) {
                    case "--force", "--no-engine", "--stop-on-loss", "--keep-output", "--no-snapshots", "--inject-revert-seq", "--help", "-h" -> true;
                    default -> false;
                };
                if (!flag && v == null) {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(a + " needs a value");
                    }
                    v = args[++i];
                }
                o.given.put(a, v == null ? "true" : v);
                switch (a) {
                    case "--help", "-h" -> {
                        System.out.print(USAGE);
                        System.exit(0);
                    }
                    case "--launcher" -> o.launcher = Path.of(v).toAbsolutePath().normalize();
                    case "--dir" -> o.dir = Path.of(v).toAbsolutePath().normalize();
                    case "--force" -> o.force = true;
                    case "--minutes" -> o.minutes = Double.parseDouble(v);
                    case "--seed" -> o.seed = Long.parseLong(v);
                    case "--gap-scale" -> o.gapScale = Double.parseDouble(v);
                    case "--long-gap" -> {
                        double[] r = range(v);
                        o.longGapMin = r[0];
                        o.longGapMax = r[1];
                    }
                    case "--long-gap-p" -> o.longGapP = Double.parseDouble(v);
                    case "--burst" -> {
                        double[] r = range(v);
                        o.burstMin = (int) r[0];
                        o.burstMax = (int) r[1];
                    }
                    case "--burst-p" -> o.burstP = Double.parseDouble(v);
                    case "--kill-cli-p" -> o.killCliP = Double.parseDouble(v);
                    case "--kill-engine-p" -> o.killEngineP = Double.parseDouble(v);
                    case "--holder-p" -> o.holderP = Double.parseDouble(v);
                    case "--holder-minutes" -> {
                        double[] r = range(v);
                        o.holderMin = r[0];
                        o.holderMax = r[1];
                    }
                    case "--max-running" -> o.maxRunning = Integer.parseInt(v);
                    case "--engine-idle" -> o.engineIdle = Integer.parseInt(v);
                    case "--reply-bytes" -> {
                        double[] r = range(v);
                        o.replyMin = (int) r[0];
                        o.replyMax = (int) r[1];
                    }
                    case "--cmd-timeout" -> o.cmdTimeout = Integer.parseInt(v);
                    case "--no-engine" -> o.noEngine = true;
                    case "--stop-on-loss" -> o.stopOnLoss = true;
                    case "--on-refusal" -> {
                        if (!v.equals("stop") && !v.equals("accept")) {
                            throw new IllegalArgumentException("--on-refusal takes stop or accept");
                        }
                        o.onRefusal = v;
                    }
                    case "--keep-output" -> o.keepOutput = true;
                    case "--no-snapshots" -> o.snapshots = false;
                    case "--inject-revert" -> o.injectRevert = Double.parseDouble(v);
                    case "--deep" -> o.deep = Integer.parseInt(v);
                    case "--after-ack-p" -> o.afterAckP = Double.parseDouble(v);
                    case "--meta-pad" -> o.padBytes = Integer.parseInt(v);
                    case "--inject-revert-seq" -> o.injectRevertSeq = true;
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (o.launcher == null || o.dir == null) {
                throw new IllegalArgumentException("--launcher and --dir are required");
            }
            if (!Files.isExecutable(o.launcher)) {
                throw new IllegalArgumentException("--launcher " + o.launcher + " is not an executable file "
                        + "(build it: mvn -o -q -DskipTests package)");
            }
            return o;
        }

        static double[] range(String v) {
            String[] p = v.split("-", 2);
            double a = Double.parseDouble(p[0]);
            double b = p.length > 1 ? Double.parseDouble(p[1]) : a;
            if (b < a) {
                throw new IllegalArgumentException("range " + v + ": the second number is smaller");
            }
            return new double[]{a, b};
        }
    }

    public static void main(String[] args) throws Exception {
        Opts o;
        try {
            o = Opts.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        try {
            System.exit(new Soak(o).run());
        } catch (IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }

    // ------------------------------------------------------------------------------------------
    // state

    final Opts o;
    final Random rnd;
    final Path data;
    final Path outDir;
    final Path evidence;
    final Path logFile;
    final Path journalFile;
    final Instant started = Instant.now();
    boolean hasEngine;
    String version = "?";
    int counter;
    int cmdSeq;
    int checkSeq;
    boolean stop;
    boolean finished;
    String stopReason = "time is up";

    /** Expected state: sessions and agents by name. */
    final Map<String, SFact> sessions = new LinkedHashMap<>();
    final Map<String, AFact> agents = new LinkedHashMap<>();
    /** The last successful observation. */
    Obs last;
    final Set<Cmd> inFlight = new LinkedHashSet<>();
    Holder holder;
    Instant holderCooldownUntil = Instant.EPOCH;
    int holdersStarted;

    // results
    final Map<String, int[]> byKind = new TreeMap<>(); // ok, failed, killed, hung
    final Map<String, List<Long>> durations = new TreeMap<>();
    final Map<String, Integer> failures = new TreeMap<>();
    final List<Map<String, Object>> losses = new ArrayList<>();
    final List<Map<String, Object>> detectedLosses = new ArrayList<>();
    final List<Map<String, Object>> refusals = new ArrayList<>();
    final List<Map<String, Object>> anomalies = new ArrayList<>();
    final Set<String> anomalyKeys = new HashSet<>();
    final Map<String, Integer> events = new TreeMap<>(); // kills, engine starts, ...
    int checksFailed;
    boolean refusalPending;
    int lossEvidence;
    /** Candidate anomalies, key -> first seen; reported when seen again 20 s later. */
    final Map<String, Instant> suspect = new HashMap<>();
    Instant lastStatus = Instant.now();
    /** --inject-revert: 0 waiting for the copy, 1 copied, 2 put back */
    int injectPhase;
    int injectSourceCheck;

    Soak(Opts o) {
        this.o = o;
        this.rnd = new Random(o.seed);
        this.data = o.dir.resolve("data");
        this.outDir = o.dir.resolve("out");
        this.evidence = o.dir.resolve("evidence");
        this.logFile = o.dir.resolve("soak.log");
        this.journalFile = o.dir.resolve("journal.jsonl");
    }

    /** A session as the journal expects it. */
    static final class SFact {
        final String name;
        String id;
        /** created but not acknowledged (killed, failed): nothing is expected until it is seen */
        boolean pending;
        /** reported lost (or never came); no longer checked */
        boolean gone;
        String src;
        Instant pendingSince;
        int pendingChecks;
        /** the last acknowledged command on it */
        String lastAck;
        Boolean deleted;
        String deletedSrc;
        final Map<String, String> meta = new LinkedHashMap<>();
        final Map<String, String> metaSrc = new HashMap<>();
        /** keys an unacknowledged update tried to set (killed or failed): value it tried */
        final Map<String, Set<String>> lateMeta = new HashMap<>();
        final Map<String, String> unset = new HashMap<>();
        /** "IDLE" after a pause; "RUNNING" after create/resume/send/retry: IDLE allowed only after readyUntil */
        String stateRule;
        Instant readyUntil;
        String stateSrc;
        int waiting = 300;
        String marker;
        boolean markerChecked;
        boolean remix;
        final Map<String, String> tokens = new LinkedHashMap<>();
        final Set<String> unverified = new LinkedHashSet<>();
        long maxVersion = -1;
        String maxVersionSrc;
        final Map<Long, String> seenMessages = new HashMap<>();
        final Map<Long, String> seenEvents = new HashMap<>();
        /** read its messages and audit trail at the next check (it went to ERROR: a revert shows there) */
        boolean deepNeeded;
        /** the check that last found something of it lost */
        int lostAt;
        /** the last check that read its messages and audit trail */
        int lastDeep;
        String lastState;
        Instant lastStateSince;
        boolean inError;
        int inFlight;

        SFact(String name) {
            this.name = name;
        }
    }

    static final class AFact {
        final String name;
        /** true: must be live; false: must not be live; null: unknown until seen */
        Boolean live;
        String src;

        AFact(String name) {
            this.name = name;
        }
    }

    /** One CLI invocation. */
    final class Cmd {
        final int n = ++cmdSeq;
        final String kind;
        final List<String> args;
        final String target;
        Process p;
        Instant start;
        Instant end;
        int exit = Integer.MIN_VALUE;
        boolean killed;
        boolean hung;
        String out = "";
        String err = "";
        Path outFile;
        Path errFile;
        Consumer<Cmd> onOk = c -> { };
        Consumer<Cmd> onUnknown = c -> { };
        boolean check; // a check's own read

        Cmd(String kind, String target, List<String> args) {
            this.kind = kind;
            this.target = target;
            this.args = args;
        }

        boolean ok() {
            return !killed && !hung && exit == 0;
        }

        String label() {
            return "#" + n + " " + kind + (target == null ? "" : " " + target);
        }

        String src() {
            return label() + " (exit 0 at " + hms(end) + ")";
        }

        String outcome() {
            return killed ? "killed" : hung ? "hung, killed" : "exit " + exit;
        }

        String firstError() {
            return firstErrorLine(err.isBlank() ? out : err);
        }
    }

    /** What the CLI showed at one check. */
    static final class Obs {
        final int n;
        final Instant at;
        final Map<String, Map<String, Object>> sessions = new LinkedHashMap<>();
        final Map<String, Map<String, Object>> byId = new HashMap<>();
        final Map<String, Boolean> agentsLive = new HashMap<>();
        final Map<String, List<Map<String, Object>>> messages = new HashMap<>();
        final Map<String, List<Map<String, Object>>> events = new HashMap<>();

        Obs(int n, Instant at) {
            this.n = n;
            this.at = at;
        }

        String state(String name) {
            Map<String, Object> s = sessions.get(name);
            return s == null ? null : str(s.get("state"));
        }

        boolean deleted(String name) {
            Map<String, Object> s = sessions.get(name);
            return s != null && s.get("deleted_at") != null;
        }
    }

    /** A long-lived engine: `engine run` (or, without one, `sessions logs --follow`, which holds the store). */
    static final class Holder {
        Process p;
        long pid;
        Instant startedAt;
        Instant until;
        String kind;
        Path log;
        boolean killedByUs;
    }

    // ------------------------------------------------------------------------------------------
    // the run

    int run() throws Exception {
        prepareDir();
        Runtime.getRuntime().addShutdownHook(new Thread(this::onExit, "soak-exit"));
        detect();
        log("soak: launcher " + o.launcher + " (" + version + "), `engine` command: " + (hasEngine ? "yes" : "no")
                + ", data dir " + data + ", " + o.minutes + " min, seed " + o.seed + ", options " + o.given);
        journal(jmap("event", "start", "launcher", o.launcher.toString(), "version", version, "engine", hasEngine,
                "seed", o.seed, "options", o.given));
        Instant deadline = started.plusMillis((long) (o.minutes * 60_000));
        // a first session and agent, so that every kind of step has something to work on
        single(createCmd());
        check("start");
        while (!stop && Instant.now().isBefore(deadline)) {
            inject();
            manageHolder();
            double u = rnd.nextDouble();
            if (u < o.burstP) {
                burst();
            } else if ((u -= o.burstP) < o.killCliP) {
                killCliStep();
            } else if ((u -= o.killCliP) < o.killEngineP) {
                killEngineStep();
            } else {
                Cmd c = pickSingle();
                single(c);
            }
            check("after step");
            status(false);
            if (!stop) {
                gap(deadline);
            }
        }
        log("soak: " + (stop ? "stopping: " + stopReason : "time is up") + "; winding down");
        endHolder(false);
        if (refusals.isEmpty() || !stop) {
            check("final");
        }
        cleanup();
        finished = true;
        int code = writeSummary(false);
        return code;
    }

    void prepareDir() throws IOException {
        if (Files.exists(o.dir.resolve("data"))) {
            if (!o.force) {
                throw new IllegalStateException(o.dir + " holds an earlier run (" + o.dir.resolve("data")
                        + "); give another --dir, or --force to delete it");
            }
            if (!Files.exists(o.dir.resolve("soak.log"))) {
                throw new IllegalStateException("--force: " + o.dir + " has no soak.log; not deleting what the soak did not make");
            }
            try (Stream<Path> s = Files.walk(o.dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(outDir);
        Files.createDirectories(evidence);
        Files.writeString(logFile, "");
        Files.writeString(journalFile, "");
    }

    void detect() throws Exception {
        Cmd v = new Cmd("version", null, List.of("--version"));
        v.check = true;
        runAll(List.of(v), null);
        version = v.out.strip().replace('\n', ' ');
        if (o.noEngine) {
            hasEngine = false;
            return;
        }
        Cmd h = new Cmd("help", null, List.of("--help"));
        h.check = true;
        runAll(List.of(h), null);
        hasEngine = h.out.lines().anyMatch(l -> l.matches("\\s+engine\\s.*"));
    }

    // ------------------------------------------------------------------------------------------
    // steps

    /** One command alone. */
    void single(Cmd c) throws Exception {
        if (c == null) {
            return;
        }
        runAll(List.of(c), null);
    }

    /** 10-20 commands at once, some racing on one session, sometimes a CLI or the engine killed in the middle. */
    void burst() throws Exception {
        int n = o.burstMin + rnd.nextInt(o.burstMax - o.burstMin + 1);
        List<Cmd> cmds = new ArrayList<>();
        Set<String> busy = new HashSet<>();
        Set<String> raced = new HashSet<>();
        if (rnd.nextDouble() < 0.35) {
            List<String> ready = names(s -> "READY".equals(s.lastState));
            if (!ready.isEmpty()) {
                String s = pick(ready);
                busy.add(s);
                raced.add(s);
                switch (rnd.nextInt(3)) {
                    case 0 -> {
                        cmds.add(pauseCmd(s));
                        cmds.add(sendCmd(s));
                    }
                    case 1 -> {
                        cmds.add(sendCmd(s));
                        cmds.add(sendCmd(s));
                    }
                    default -> {
                        cmds.add(pauseCmd(s));
                        cmds.add(resumeCmd(s));
                    }
                }
            }
        }
        int running = runningCount();
        while (cmds.size() < n) {
            Cmd c = pickBurstCmd(busy, running);
            if (c.kind.startsWith("sessions create") || c.kind.equals("sessions remix")) {
                running++;
            }
            cmds.add(c);
        }
        String kill = null;
        double u = rnd.nextDouble();
        if (u < 0.3) {
            kill = "cli";
        } else if (u < 0.55) {
            kill = "engine";
        }
        log("burst: " + cmds.size() + " commands at once" + (raced.isEmpty() ? "" : ", racing on " + raced)
                + (kill == null ? "" : ", killing the " + kill + " in the middle"));
        count("bursts");
        runAll(cmds, kill);
        // whichever of two racing commands the engine applied last decides the state: not known
        for (String s : raced) {
            SFact f = sessions.get(s);
            if (f != null) {
                f.stateRule = null;
            }
        }
    }

    /** A state-changing command, killed -9 while it runs. */
    void killCliStep() throws Exception {
        Cmd c = pickMutating();
        if (c == null) {
            return;
        }
        long delay = killDelay(c.kind);
        log("kill-cli: " + c.label() + " will be killed -9 after " + delay + " ms");
        count("kill-cli steps");
        startCmd(c);
        sleepMs(delay);
        if (c.p.isAlive()) {
            c.p.destroyForcibly();
            c.killed = true;
            count("CLIs killed -9");
        }
        finish(List.of(c));
    }

    /** kill -9 of the process that holds the data dir: while idle, or while a command runs. */
    void killEngineStep() throws Exception {
        count("kill-engine steps");
        if (!hasEngine && (holder == null || !holder.p.isAlive()) && rnd.nextDouble() < Math.max(0.5, o.afterAckP)) {
            // without an engine command the store's holder is whoever opened it first: a long-lived one to kill
            log("kill-engine: starting a long-lived " + "holder to kill");
            startHolder(1 + rnd.nextDouble());
        }
        if (!hasEngine && (holder == null || !holder.p.isAlive())) {
            // no engine process: each CLI is the engine; kill the first of a few, the one H2's AUTO_SERVER serves the others from
            List<Cmd> cmds = new ArrayList<>();
            int running = runningCount();
            Set<String> busy = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                cmds.add(pickBurstCmd(busy, running));
            }
            log("kill-engine: " + cmds.size() + " commands; the oldest (the store's holder) is killed -9 in the middle");
            runAll(cmds, "engine");
            return;
        }
        double mode = rnd.nextDouble();
        if (mode < o.afterAckP) {
            // the write-delay case: a command acknowledged, then the engine that ran it dies at once
            Cmd c = pickMutating(true);
            if (c == null) {
                return;
            }
            log("kill-engine: " + c.label() + " runs; the engine is killed -9 as soon as it is acknowledged");
            startCmd(c);
            c.p.waitFor(o.cmdTimeout, java.util.concurrent.TimeUnit.SECONDS);
            long pid = enginePid();
            if (pid > 0 && pid != c.p.pid()) {
                killPid(pid, "engine");
                log("  killed the engine (pid " + pid + ") right after the command ended (exit " + c.p.exitValue() + ")");
            }
            finish(List.of(c));
            return;
        }
        if (mode < o.afterAckP + (1 - o.afterAckP) * 0.4) {
            long pid = enginePid();
            if (pid <= 0) {
                log("kill-engine: no engine runs now");
                return;
            }
            log("kill-engine: kill -9 of the engine (pid " + pid + ") while no command runs");
            killPid(pid, "engine");
            return;
        }
        Cmd c = pickMutating();
        if (c == null) {
            return;
        }
        long delay = killDelay(c.kind);
        log("kill-engine: " + c.label() + " runs; the engine is killed -9 after " + delay + " ms");
        startCmd(c);
        sleepMs(delay);
        long pid = enginePid();
        if (pid > 0) {
            killPid(pid, "engine");
        } else {
            log("kill-engine: no engine to kill");
        }
        finish(List.of(c));
    }

    /** A moment within the command's usual run: 100 ms to 1.2 times its median duration so far (3 s at first). */
    long killDelay(String kind) {
        List<Long> d = new ArrayList<>(durations.getOrDefault(kind, List.of()));
        d.sort(null);
        long median = d.isEmpty() ? 3000 : Math.max(1000, d.get(d.size() / 2));
        return 100 + (long) (rnd.nextDouble() * median * 1.2);
    }

    void killPid(long pid, String what) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) {
            return;
        }
        h.get().destroyForcibly();
        count(what + "s killed -9");
        if (holder != null && holder.pid == pid) {
            holder.killedByUs = true;
        }
        waitGone(h.get(), 10_000);
    }

    static void waitGone(ProcessHandle h, long ms) {
        long end = System.currentTimeMillis() + ms;
        while (h.isAlive() && System.currentTimeMillis() < end) {
            sleepMs(20);
        }
    }

    /** The pid of the process holding the data dir, from engine.endpoint, else store.pid; 0 if none. */
    long enginePid() {
        if (!hasEngine) {
            if (holder != null && holder.p.isAlive()) {
                return holder.pid;
            }
            return inFlight.stream().filter(c -> c.p != null && c.p.isAlive()).min(Comparator.comparing(c -> c.start))
                    .map(c -> c.p.pid()).orElse(0L);
        }
        Properties ep = new Properties();
        try (var r = Files.newBufferedReader(data.resolve("engine.endpoint"))) {
            ep.load(r);
            long pid = Long.parseLong(ep.getProperty("pid", "0").trim());
            if (alive(pid)) {
                return pid;
            }
        } catch (IOException | RuntimeException ignored) {
            // none, or being written
        }
        try {
            for (String line : Files.readAllLines(data.resolve("store.pid"))) {
                if (line.startsWith("pid ")) {
                    long pid = Long.parseLong(line.substring(4).trim());
                    if (alive(pid) && cmdline(pid).contains(data.toString())) {
                        return pid;
                    }
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // none
        }
        return 0;
    }

    static boolean alive(long pid) {
        return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * --inject-revert: a self-test of the checks. Copies the store at minute M/2 and puts it back at
     * minute M, with nothing holding the data dir, as the H2 bug did to the file by itself.
     */
    void inject() throws Exception {
        if (o.injectRevert < 0 || injectPhase == 2) {
            return;
        }
        double minute = secs(started, Instant.now()) / 60.0;
        if (injectPhase == 0 && minute >= o.injectRevert / 2 && last != null) {
            releaseDataDir();
            snapshot("inject-source");
            injectSourceCheck = last.n;
            injectPhase = 1;
            log("inject: copied the store as of check " + last.n + " (minute " + String.format(Locale.ROOT, "%.1f", minute)
                    + ") to put back at minute " + o.injectRevert);
        } else if (injectPhase == 1 && minute >= o.injectRevert) {
            releaseDataDir();
            Path src = evidence.resolve("inject-source");
            Files.copy(src.resolve("pilothouse.mv.db"), data.resolve("pilothouse.mv.db"), StandardCopyOption.REPLACE_EXISTING);
            if (o.injectRevertSeq && Files.exists(src.resolve("store.seq"))) {
                Files.copy(src.resolve("store.seq"), data.resolve("store.seq"), StandardCopyOption.REPLACE_EXISTING);
            }
            injectPhase = 2;
            count("injected reverts");
            log("INJECTED: put back the store file as of check " + injectSourceCheck
                    + (o.injectRevertSeq ? ", and its store.seq" : " (store.seq kept)")
                    + "; the next check must report what was lost since (or the store refuse to open)");
        }
    }

    /** Nothing holds the store: the long-lived engine ended, the background engine stopped. */
    void releaseDataDir() throws Exception {
        endHolder(false);
        if (!hasEngine) {
            return;
        }
        Cmd c = new Cmd("engine stop", null, List.of("engine", "stop"));
        c.check = true;
        runAll(List.of(c), null);
        long end = System.currentTimeMillis() + 60_000;
        while (enginePid() > 0 && System.currentTimeMillis() < end) {
            sleepMs(200);
        }
    }

    /** Starts, keeps and ends the long-lived engine (console-like). */
    void manageHolder() throws Exception {
        Instant now = Instant.now();
        if (holder != null) {
            if (!holder.p.isAlive()) {
                int code = holder.p.exitValue();
                String tail = tail(holder.log, 5);
                if (holder.killedByUs) {
                    log("holder: the long-lived " + holder.kind + " (pid " + holder.pid + ") was killed -9 by an engine kill");
                } else {
                    log("holder: the long-lived " + holder.kind + " (pid " + holder.pid + ") ended by itself, exit " + code
                            + ": " + tail);
                    if (isRefusal(tail)) {
                        refusal("long-lived " + holder.kind, tail);
                    } else if (hasEngine) {
                        anomaly("holder-exit", "the long-lived `engine run` (pid " + holder.pid + ") ended by itself after "
                                + secs(holder.startedAt, now) + " s, exit " + code + ": " + tail);
                    }
                }
                holder = null;
                holderCooldownUntil = now.plusSeconds(60);
            } else if (now.isAfter(holder.until)) {
                endHolder(rnd.nextBoolean());
            }
            return;
        }
        if (now.isBefore(holderCooldownUntil) || rnd.nextDouble() >= o.holderP) {
            return;
        }
        startHolder(o.holderMin + rnd.nextDouble() * (o.holderMax - o.holderMin));
    }

    /** Starts the long-lived engine for so many minutes and waits until it holds the store. */
    boolean startHolder(double minutes) throws IOException {
        Instant now = Instant.now();
        List<String> args;
        String kind;
        if (hasEngine) {
            args = List.of("engine", "run");
            kind = "engine run";
        } else {
            List<String> live = names(s -> true);
            if (live.isEmpty()) {
                return false;
            }
            args = List.of("sessions", "logs", pick(live), "--follow");
            kind = "sessions logs --follow";
        }
        Holder h = new Holder();
        h.kind = kind;
        h.log = outDir.resolve("holder-" + (++holdersStarted) + ".log");
        List<String> cmd = new ArrayList<>(List.of(o.launcher.toString(), "--data-dir", data.toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(h.log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        env(pb);
        h.p = pb.start();
        h.pid = h.p.pid();
        h.startedAt = now;
        h.until = now.plusMillis((long) (minutes * 60_000));
        holder = h;
        count("long-lived engines started");
        log("holder: started the long-lived " + kind + " (pid " + h.pid + "), kept for " + String.format(Locale.ROOT, "%.1f", minutes)
                + " min");
        if (hasEngine) {
            // it takes the data dir over from the background engine; wait until it serves
            long end = System.currentTimeMillis() + 90_000;
            while (System.currentTimeMillis() < end && h.p.isAlive() && enginePid() != h.pid) {
                sleepMs(200);
            }
            if (h.p.isAlive() && enginePid() != h.pid) {
                anomaly("holder-takeover", "`engine run` (pid " + h.pid + ") did not take the data dir over within 90 s: "
                        + tail(h.log, 3));
            } else if (h.p.isAlive()) {
                log("holder: `engine run` (pid " + h.pid + ") serves the data dir after " + secs(now, Instant.now()) + " s");
            }
        } else {
            long end = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < end && h.p.isAlive() && !holdsStore(h.pid)) {
                sleepMs(200);
            }
            log("holder: " + kind + " (pid " + h.pid + ") " + (holdsStore(h.pid) ? "holds the store" : "does not hold the store")
                    + " after " + secs(now, Instant.now()) + " s");
        }
        return h.p.isAlive();
    }

    /** Whether the process has the store's file open. */
    boolean holdsStore(long pid) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals(data.resolve("pilothouse.mv.db").toString());
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Ends the long-lived engine: kill -9, or SIGTERM (a graceful stop, as closing the console). */
    void endHolder(boolean kill9) {
        Holder h = holder;
        if (h == null) {
            return;
        }
        holder = null;
        holderCooldownUntil = Instant.now().plusSeconds(30);
        if (!h.p.isAlive()) {
            return;
        }
        if (kill9) {
            log("holder: kill -9 of the long-lived " + h.kind + " (pid " + h.pid + ") after " + secs(h.startedAt, Instant.now()) + " s");
            h.p.destroyForcibly();
            count("long-lived engines killed -9");
            waitGone(h.p.toHandle(), 10_000);
            return;
        }
        log("holder: SIGTERM to the long-lived " + h.kind + " (pid " + h.pid + ") after " + secs(h.startedAt, Instant.now()) + " s");
        Instant t0 = Instant.now();
        h.p.destroy();
        count("long-lived engines stopped (SIGTERM)");
        waitGone(h.p.toHandle(), 60_000);
        if (h.p.isAlive()) {
            anomaly("holder-stop", "the long-lived " + h.kind + " (pid " + h.pid + ") did not stop within 60 s of SIGTERM; killed -9");
            h.p.destroyForcibly();
            waitGone(h.p.toHandle(), 10_000);
        } else {
            log("holder: stopped after " + Duration.between(t0, Instant.now()).toMillis() + " ms, exit " + h.p.exitValue());
        }
    }

    /** Idle gaps: mostly short, some longer, some over a minute (H2's background work, the engine's idle stop). */
    void gap(Instant deadline) throws Exception {
        double u = rnd.nextDouble();
        double s;
        boolean longGap = false;
        if (u < o.longGapP) {
            s = o.longGapMin + rnd.nextDouble() * (o.longGapMax - o.longGapMin);
            longGap = true;
        } else if (u < o.longGapP + o.midGapP) {
            s = 2 + rnd.nextDouble() * 18;
        } else {
            s = rnd.nextDouble() * 2;
        }
        s *= o.gapScale;
        if (longGap && rnd.nextDouble() < 0.5) {
            // let the background engine stop: it stays while a local session runs
            List<String> ready = names(f -> "READY".equals(f.lastState) || "BUSY".equals(f.lastState));
            if (!ready.isEmpty()) {
                log("quiesce: pausing " + ready + " before a long gap");
                List<Cmd> cmds = new ArrayList<>();
                for (String r : ready) {
                    cmds.add(pauseCmd(r));
                }
                runAll(cmds, null);
                check("after quiesce");
            }
        }
        long ms = (long) (s * 1000);
        ms = Math.min(ms, Math.max(0, Duration.between(Instant.now(), deadline).toMillis()));
        if (ms >= 5000) {
            log("idle " + ms / 1000 + " s" + (hasEngine ? " (engine: " + (enginePid() > 0 ? "pid " + enginePid() : "none") + ")" : ""));
        }
        // the long-lived engine may be due to end during a long gap
        long end = System.currentTimeMillis() + ms;
        while (System.currentTimeMillis() < end) {
            sleepMs(Math.min(1000, end - System.currentTimeMillis()));
            if (holder != null && (Instant.now().isAfter(holder.until) || !holder.p.isAlive())) {
                manageHolder();
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // choosing commands

    Cmd pickSingle() {
        List<String> errored = names(f -> "ERROR".equals(f.lastState));
        List<String> live = names(f -> true);
        if (live.size() < 2) {
            return createCmd();
        }
        Map<String, Integer> w = new LinkedHashMap<>();
        w.put("create", 8);
        w.put("remix", 5);
        w.put("update", 20);
        w.put("pause", 10);
        w.put("resume", 8);
        w.put("send", 22);
        w.put("delete", live.size() > 4 ? 4 : 0);
        w.put("retry", errored.isEmpty() ? 0 : 15);
        w.put("agent-create", 4);
        w.put("agent-delete", 3);
        w.put("read", 8);
        for (int i = 0; i < 10; i++) {
            Cmd c = forKind(weighted(w), new HashSet<>(), runningCount(), true);
            if (c != null) {
                return c;
            }
        }
        return readCmd();
    }

    Cmd pickMutating() {
        return pickMutating(false);
    }

    /** lastWriteAtEnd: mostly commands whose last write comes just before they answer (update, send). */
    Cmd pickMutating(boolean lastWriteAtEnd) {
        for (int i = 0; i < 10; i++) {
            Map<String, Integer> w = new LinkedHashMap<>();
            w.put("create", lastWriteAtEnd ? 1 : 6);
            w.put("remix", lastWriteAtEnd ? 0 : 5);
            w.put("update", lastWriteAtEnd ? 10 : 6);
            w.put("pause", lastWriteAtEnd ? 1 : 6);
            w.put("resume", lastWriteAtEnd ? 0 : 4);
            w.put("send", lastWriteAtEnd ? 6 : 8);
            w.put("delete", lastWriteAtEnd ? 1 : 2);
            w.put("agent-create", 1);
            Cmd c = forKind(weighted(w), new HashSet<>(), runningCount(), true);
            if (c != null && !c.kind.startsWith("read")) {
                return c;
            }
        }
        return createCmd();
    }

    Cmd pickBurstCmd(Set<String> busy, int running) {
        for (int i = 0; i < 10; i++) {
            Map<String, Integer> w = new LinkedHashMap<>();
            w.put("create", 4);
            w.put("remix", 3);
            w.put("update", 20);
            w.put("pause", 6);
            w.put("resume", 4);
            w.put("send", 10);
            w.put("delete", 2);
            w.put("agent-create", 3);
            w.put("read", 20);
            Cmd c = forKind(weighted(w), busy, running, false);
            if (c != null) {
                return c;
            }
        }
        return readCmd();
    }

    /**
     * A command of kind k on a session not in {@code busy} (state changes; updates may share one).
     * Keeps running sessions at --max-running: pauses one instead when `single`.
     */
    Cmd forKind(String k, Set<String> busy, int running, boolean single) {
        boolean full = running >= o.maxRunning;
        switch (k) {
            case "create", "remix" -> {
                if (full) {
                    return single ? pauseOldest() : null;
                }
                if (k.equals("create")) {
                    return createCmd();
                }
                List<String> parents = names(f -> f.marker != null && !busy.contains(f.name) && !busy.contains("updated:" + f.name)
                        && f.lastState != null
                        && !f.lastState.equals("INIT"));
                if (parents.isEmpty()) {
                    return createCmd();
                }
                String p = pick(parents);
                busy.add(p);
                busy.add("parent:" + p);
                return remixCmd(p);
            }
            case "update" -> {
                List<String> c = names(f -> !busy.contains("parent:" + f.name));
                if (c.isEmpty()) {
                    return null;
                }
                String s = pick(c);
                busy.add("updated:" + s);
                return updateCmd(s, busy);
            }
            case "pause" -> {
                List<String> c = names(f -> "READY".equals(f.lastState) && !busy.contains(f.name));
                if (c.isEmpty()) {
                    return null;
                }
                String s = pick(c);
                busy.add(s);
                return pauseCmd(s);
            }
            case "resume" -> {
                if (full) {
                    return single ? pauseOldest() : null;
                }
                List<String> c = names(f -> "IDLE".equals(f.lastState) && !busy.contains(f.name));
                if (c.isEmpty()) {
                    return null;
                }
                String s = pick(c);
                busy.add(s);
                return resumeCmd(s);
            }
            case "send" -> {
                List<String> c = names(f -> ("READY".equals(f.lastState) || (!full && "IDLE".equals(f.lastState)))
                        && !busy.contains(f.name));
                if (c.isEmpty()) {
                    return null;
                }
                String s = pick(c);
                busy.add(s);
                return sendCmd(s);
            }
            case "delete" -> {
                List<String> c = names(f -> !busy.contains(f.name) && f.lastState != null && !f.lastState.equals("INIT"));
                if (c.size() < 3) {
                    return null;
                }
                String s = pick(c);
                busy.add(s);
                return deleteCmd(s);
            }
            case "retry" -> {
                List<String> c = names(f -> "ERROR".equals(f.lastState) && !busy.contains(f.name));
                if (c.isEmpty()) {
                    return null;
                }
                String s = pick(c);
                busy.add(s);
                return retryCmd(s);
            }
            case "agent-create" -> {
                long live = agents.values().stream().filter(a -> Boolean.TRUE.equals(a.live)).count();
                return live >= 6 ? null : agentCreateCmd();
            }
            case "agent-delete" -> {
                List<String> c = agents.values().stream().filter(a -> Boolean.TRUE.equals(a.live) && !busy.contains("agent:" + a.name))
                        .map(a -> a.name).toList();
                if (c.isEmpty()) {
                    return null;
                }
                String a = pick(c);
                busy.add("agent:" + a);
                return agentDeleteCmd(a);
            }
            default -> {
                return readCmd();
            }
        }
    }

    Cmd pauseOldest() {
        return names(f -> "READY".equals(f.lastState)).stream().findFirst().map(this::pauseCmd).orElse(null);
    }

    int runningCount() {
        int n = 0;
        for (SFact f : sessions.values()) {
            if (!f.gone && !Boolean.TRUE.equals(f.deleted) && f.lastState != null
                    && (f.lastState.equals("READY") || f.lastState.equals("BUSY") || f.lastState.equals("INIT"))) {
                n++;
            }
        }
        return n;
    }

    /** Live (known, not deleted, not lost) sessions matching the filter, in creation order. */
    List<String> names(java.util.function.Predicate<SFact> p) {
        List<String> r = new ArrayList<>();
        for (SFact f : sessions.values()) {
            if (!f.gone && !f.pending && !Boolean.TRUE.equals(f.deleted) && f.lastState != null && p.test(f)) {
                r.add(f.name);
            }
        }
        return r;
    }

    // ------------------------------------------------------------------------------------------
    // commands and what their acknowledgement means

    Cmd createCmd() {
        String name = String.format(Locale.ROOT, "s%03d", ++counter);
        int w = pick(List.of(60, 120, 300, 600));
        String agent = "reference";
        List<String> ours = agents.values().stream().filter(a -> Boolean.TRUE.equals(a.live)).map(a -> a.name).toList();
        if (!ours.isEmpty() && rnd.nextDouble() < 0.25) {
            agent = pick(ours);
        }
        String v = "x" + (++counter);
        String prompt = "$ mkdir -p data && echo marker-" + name + " > data/marker && head -c 20000 /dev/urandom > data/blob"
                + " && echo created-" + name;
        String pad = pad();
        List<String> args = new ArrayList<>(List.of("sessions", "create", name, "--agent", agent, "--prompt", prompt,
                "--meta", "soak=" + name, "--meta", "k0=" + v, "--waiting-timeout", w + "s"));
        if (pad != null) {
            args.addAll(List.of("--meta", "pad=" + pad));
        }
        Cmd c = new Cmd("sessions create", name, args);
        SFact f = new SFact(name);
        f.pending = true;
        f.waiting = w;
        f.src = "unacknowledged " + c.label();
        f.pendingSince = Instant.now();
        sessions.put(name, f);
        c.onOk = x -> {
            f.pending = false;
            f.src = x.src();
            f.lastAck = x.src();
            setMeta(f, "soak", name, x.src());
            setMeta(f, "k0", v, x.src());
            if (pad != null) {
                setMeta(f, "pad", pad, x.src());
            }
            f.marker = "marker-" + name;
            f.tokens.put("created-" + name, x.src());
            f.unverified.add("created-" + name);
            running(f, x);
            journalAck(x, "session " + name + " exists, metadata soak=" + name + " k0=" + v + ", READY, reply created-" + name);
        };
        c.onUnknown = x -> {
            f.lateMeta.computeIfAbsent("k0", k -> new HashSet<>()).add(v);
            if (pad != null) {
                f.lateMeta.computeIfAbsent("pad", k -> new HashSet<>()).add(pad);
            }
            f.marker = "marker-" + name;
            f.pendingSince = x.end;
        };
        return c;
    }

    Cmd remixCmd(String parent) {
        SFact p = sessions.get(parent);
        String name = String.format(Locale.ROOT, "r%03d", ++counter);
        Cmd c = new Cmd("sessions remix", name, List.of("sessions", "remix", parent, "--name", name, "--prompt",
                "$ cat data/marker", "--meta", "soak=" + name));
        SFact f = new SFact(name);
        f.pending = true;
        f.remix = true;
        f.waiting = p.waiting;
        f.marker = p.marker;
        f.src = "unacknowledged " + c.label();
        f.pendingSince = Instant.now();
        sessions.put(name, f);
        Map<String, String> inherited = new LinkedHashMap<>(p.meta);
        inherited.remove("soak");
        p.inFlight++;
        c.onOk = x -> {
            p.inFlight--;
            f.pending = false;
            f.src = x.src();
            f.lastAck = x.src();
            inherited.forEach((k, val) -> setMeta(f, k, val, x.src() + ", inherited from " + parent));
            setMeta(f, "soak", name, x.src());
            if (f.marker != null) {
                f.tokens.put(f.marker, x.src());
                f.unverified.add(f.marker);
            }
            running(f, x);
            journalAck(x, "session " + name + " exists (remix of " + parent + "), metadata " + f.meta + ", workspace " + f.marker);
        };
        c.onUnknown = x -> {
            p.inFlight--;
            f.pendingSince = x.end;
        };
        return c;
    }

    Cmd updateCmd(String s, Set<String> busy) {
        SFact f = sessions.get(s);
        List<String> ours = f.meta.keySet().stream().filter(k -> k.startsWith("k") && !k.equals("k0")
                && !busy.contains("key:" + s + ":" + k)).toList();
        if (!ours.isEmpty() && rnd.nextDouble() < 0.1) {
            String key = pick(ours);
            busy.add("key:" + s + ":" + key);
            Cmd c = new Cmd("sessions update --unset-meta", s, List.of("sessions", "update", s, "--unset-meta", key));
            c.onOk = x -> {
                f.meta.remove(key);
                f.unset.put(key, x.src());
                f.lastAck = x.src();
                journalAck(x, "session " + s + " has no metadata key " + key);
            };
            c.onUnknown = x -> {
                String old = f.meta.remove(key);
                if (old != null) {
                    f.lateMeta.computeIfAbsent(key, k -> new HashSet<>()).add(old);
                }
            };
            return c;
        }
        String key = !ours.isEmpty() && rnd.nextDouble() < 0.3 ? pick(ours) : "k" + (++counter);
        String v = "x" + (++counter);
        if (o.padBytes > 0 && !busy.contains("key:" + s + ":pad") && rnd.nextDouble() < 0.25) {
            key = "pad"; // rewrite the row with a new large value: garbage for H2 to compact
            v = pad();
        }
        busy.add("key:" + s + ":" + key);
        return metaUpdate(f, s, key, v);
    }

    Cmd metaUpdate(SFact f, String s, String key, String v) {
        Cmd c = new Cmd("sessions update --meta", s, List.of("sessions", "update", s, "--meta", key + "=" + v));
        c.onOk = x -> {
            setMeta(f, key, v, x.src());
            f.unset.remove(key);
            f.lastAck = x.src();
            journalAck(x, "session " + s + " has metadata " + key + "=" + abbreviate(v, 40));
        };
        c.onUnknown = x -> {
            String old = f.meta.remove(key);
            Set<String> late = f.lateMeta.computeIfAbsent(key, k -> new HashSet<>());
            late.add(v);
            if (old != null) {
                late.add(old);
            }
        };
        return c;
    }

    Cmd pauseCmd(String s) {
        SFact f = sessions.get(s);
        Cmd c = new Cmd("sessions pause", s, List.of("sessions", "pause", s));
        f.inFlight++;
        c.onOk = x -> {
            f.inFlight--;
            f.stateRule = "IDLE";
            f.stateSrc = x.src();
            f.lastAck = x.src();
            journalAck(x, "session " + s + " is IDLE");
        };
        c.onUnknown = x -> {
            f.inFlight--;
            f.stateRule = null;
        };
        return c;
    }

    Cmd resumeCmd(String s) {
        SFact f = sessions.get(s);
        Cmd c = new Cmd("sessions resume", s, List.of("sessions", "resume", s));
        f.inFlight++;
        c.onOk = x -> {
            f.inFlight--;
            running(f, x);
            f.lastAck = x.src();
            journalAck(x, "session " + s + " is READY (IDLE allowed after its waiting timeout)");
        };
        c.onUnknown = x -> {
            f.inFlight--;
            f.stateRule = null;
        };
        return c;
    }

    Cmd retryCmd(String s) {
        SFact f = sessions.get(s);
        Cmd c = new Cmd("sessions retry", s, List.of("sessions", "retry", s));
        f.inFlight++;
        c.onOk = x -> {
            f.inFlight--;
            running(f, x);
            f.lastAck = x.src();
            journalAck(x, "session " + s + " is READY after retry");
        };
        c.onUnknown = x -> {
            f.inFlight--;
            f.stateRule = null;
        };
        return c;
    }

    Cmd sendCmd(String s) {
        SFact f = sessions.get(s);
        String tok = "tok-" + (++counter);
        int bytes = o.replyMin + rnd.nextInt(Math.max(1, o.replyMax - o.replyMin + 1));
        Cmd c = new Cmd("sessions send", s, List.of("sessions", "send", s,
                "$ echo " + tok + "; head -c " + bytes + " /dev/urandom | base64 -w 0; echo"));
        f.inFlight++;
        c.onOk = x -> {
            f.inFlight--;
            f.tokens.put(tok, x.src());
            f.unverified.add(tok);
            running(f, x);
            f.lastAck = x.src();
            journalAck(x, "session " + s + " has message and reply " + tok);
        };
        c.onUnknown = x -> {
            f.inFlight--;
            f.stateRule = null;
        };
        return c;
    }

    Cmd deleteCmd(String s) {
        SFact f = sessions.get(s);
        Cmd c = new Cmd("sessions delete", s, List.of("sessions", "delete", s));
        f.inFlight++;
        c.onOk = x -> {
            f.inFlight--;
            f.deleted = true;
            f.deletedSrc = x.src();
            f.stateRule = null;
            f.lastAck = x.src();
            journalAck(x, "session " + s + " is deleted");
        };
        c.onUnknown = x -> {
            f.inFlight--;
            f.stateRule = null;
        };
        return c;
    }

    Cmd agentCreateCmd() {
        String name = String.format(Locale.ROOT, "a%03d", ++counter);
        AFact a = new AFact(name);
        agents.put(name, a);
        Cmd c = new Cmd("agents create", name, List.of("agents", "create", name, "--command", "pilothouse reference-agent",
                "--env", "SOAK_AGENT=" + name));
        c.onOk = x -> {
            a.live = true;
            a.src = x.src();
            journalAck(x, "agent " + name + " exists");
        };
        c.onUnknown = x -> a.src = "unacknowledged " + x.label();
        return c;
    }

    Cmd agentDeleteCmd(String name) {
        AFact a = agents.get(name);
        Cmd c = new Cmd("agents delete", name, List.of("agents", "delete", name));
        c.onOk = x -> {
            a.live = false;
            a.src = x.src();
            journalAck(x, "agent " + name + " is deleted");
        };
        c.onUnknown = x -> {
            a.live = null;
            a.src = "unacknowledged " + x.label();
        };
        return c;
    }

    Cmd readCmd() {
        List<String> all = names(f -> true);
        int k = rnd.nextInt(5);
        if (all.isEmpty() || k == 4) {
            return new Cmd("read: agents show", "reference", List.of("agents", "show", "reference"));
        }
        String s = pick(all);
        return switch (k) {
            case 0 -> new Cmd("read: sessions show", s, List.of("sessions", "show", s));
            case 1 -> new Cmd("read: sessions messages", s, List.of("sessions", "messages", s));
            case 2 -> new Cmd("read: sessions events", s, List.of("sessions", "events", s));
            default -> new Cmd("read: sessions list", null, List.of("sessions", "list"));
        };
    }

    /** A metadata value of --meta-pad characters (none if 0): sessions rows big enough for H2's compaction to move. */
    String pad() {
        if (o.padBytes <= 0) {
            return null;
        }
        StringBuilder b = new StringBuilder("p" + (++counter) + "-");
        String abc = "abcdefghijklmnopqrstuvwxyz0123456789";
        while (b.length() < o.padBytes) {
            b.append(abc.charAt(rnd.nextInt(abc.length())));
        }
        return b.toString();
    }

    void running(SFact f, Cmd x) {
        f.stateRule = "RUNNING";
        f.readyUntil = x.start.plusSeconds(f.waiting - 20L);
        f.stateSrc = x.src();
    }

    static void setMeta(SFact f, String k, String v, String src) {
        f.meta.put(k, v);
        f.metaSrc.put(k, src);
        f.unset.remove(k);
    }

    // ------------------------------------------------------------------------------------------
    // running commands

    /** Runs the commands at once; kill: null, "cli" (one of them), or "engine" (the data dir's holder) in the middle. */
    void runAll(List<Cmd> cmds, String kill) throws IOException {
        for (Cmd c : cmds) {
            startCmd(c);
        }
        if (kill != null) {
            long delay = 300 + rnd.nextInt(2700);
            sleepMs(delay);
            if (kill.equals("cli")) {
                List<Cmd> victims = cmds.stream().filter(c -> c.p.isAlive() && !c.kind.startsWith("read")).toList();
                if (!victims.isEmpty()) {
                    Cmd v = pick(victims);
                    log("  kill -9 of " + v.label() + " (pid " + v.p.pid() + ") after " + delay + " ms");
                    v.p.destroyForcibly();
                    v.killed = true;
                    count("CLIs killed -9");
                }
            } else {
                long pid = enginePid();
                if (pid > 0) {
                    Cmd victim = cmds.stream().filter(c -> c.p.pid() == pid).findFirst().orElse(null);
                    log("  kill -9 of the engine (pid " + pid + (victim != null ? ", " + victim.label() : "") + ") after " + delay + " ms");
                    if (victim != null) {
                        victim.killed = true;
                    }
                    killPid(pid, "engine");
                } else {
                    log("  no engine to kill after " + delay + " ms");
                }
            }
        }
        finish(cmds);
    }

    void startCmd(Cmd c) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(o.launcher.toString(), "--data-dir", data.toString()));
        cmd.addAll(c.args);
        c.outFile = outDir.resolve(String.format(Locale.ROOT, "c%06d.out", c.n));
        c.errFile = outDir.resolve(String.format(Locale.ROOT, "c%06d.err", c.n));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(c.outFile.toFile()).redirectError(c.errFile.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        env(pb);
        c.start = Instant.now();
        c.p = pb.start();
        inFlight.add(c);
    }

    void env(ProcessBuilder pb) {
        // every process's app log is kept (the launcher keeps the newest 20 by default): the engine's logs are evidence
        String opts = pb.environment().getOrDefault("PILOTHOUSE_JAVA_OPTS", "");
        pb.environment().put("PILOTHOUSE_JAVA_OPTS", (opts + " -Dpilothouse.log.keep=1000000").strip());
        if (o.engineIdle != null) {
            pb.environment().put("PILOTHOUSE_ENGINE_IDLE_SECONDS", Integer.toString(o.engineIdle));
        }
    }

    /** Waits for the commands (killing hung ones), records them, and applies what their outcome means. */
    void finish(List<Cmd> cmds) throws IOException {
        for (Cmd c : cmds) {
            long left = Duration.between(Instant.now(), c.start.plusSeconds(o.cmdTimeout)).toMillis();
            try {
                if (!c.p.waitFor(Math.max(1, left), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    c.p.destroyForcibly();
                    c.hung = true;
                    c.p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            c.end = Instant.now();
            c.exit = c.p.isAlive() ? -1 : c.p.exitValue();
            inFlight.remove(c);
            c.out = read(c.outFile);
            c.err = read(c.errFile);
            // the output of a state-changing command is kept: it is evidence if what it acknowledged goes missing
            if (c.ok() && !o.keepOutput && (c.check || c.kind.startsWith("read"))) {
                Files.deleteIfExists(c.outFile);
                Files.deleteIfExists(c.errFile);
            }
        }
        // acknowledgements in the order they came
        List<Cmd> byEnd = new ArrayList<>(cmds);
        byEnd.sort(Comparator.comparing(c -> c.end));
        for (Cmd c : byEnd) {
            record(c);
        }
    }

    void record(Cmd c) {
        if (c.check) {
            return;
        }
        int[] k = byKind.computeIfAbsent(c.kind, x -> new int[4]);
        long ms = Duration.between(c.start, c.end).toMillis();
        durations.computeIfAbsent(c.kind, x -> new ArrayList<>()).add(ms);
        String line = String.format(Locale.ROOT, "  %-7s %-34s %-11s %6d ms", "#" + c.n, c.kind + (c.target == null ? "" : " " + c.target),
                c.outcome(), ms);
        if (c.ok()) {
            k[0]++;
            log(line);
            c.onOk.accept(c);
            return;
        }
        if (c.killed) {
            k[2]++;
        } else if (c.hung) {
            k[3]++;
            anomaly("hung", c.label() + " ran over " + o.cmdTimeout + " s and was killed: " + String.join(" ", c.args));
        } else {
            k[1]++;
            String key = c.kind + " | exit " + c.exit + " | " + normalize(c.firstError());
            failures.merge(key, 1, Integer::sum);
        }
        log(line + (c.killed || c.hung ? "" : "  " + c.firstError()));
        if (isRefusal(c.err + c.out)) {
            refusal(c.label(), c.err + c.out);
        }
        journal(jmap("event", "unknown", "cmd", c.n, "kind", c.kind, "target", String.valueOf(c.target), "outcome", c.outcome(),
                "error", c.firstError()));
        c.onUnknown.accept(c);
    }

    // ------------------------------------------------------------------------------------------
    // checking

    /** After every step: read everything back through the CLI and compare with the journal. */
    void check(String why) throws Exception {
        if (stop) {
            return;
        }
        Obs obs = observe();
        if (obs == null) {
            return;
        }
        int lossesBefore = losses.size() + detectedLosses.size();
        compare(obs);
        processes(obs);
        long live = obs.sessions.values().stream().filter(x -> x.get("deleted_at") == null).count();
        Map<String, Long> states = obs.sessions.values().stream().filter(x -> x.get("deleted_at") == null)
                .collect(Collectors.groupingBy(x -> str(x.get("state")), TreeMap::new, Collectors.counting()));
        log("  check " + obs.n + " (" + why + "): " + obs.sessions.size() + " sessions (" + live + " live " + states + "), "
                + obs.agentsLive.values().stream().filter(b -> b).count() + " agents, messages and events of " + obs.messages.keySet()
                + (losses.size() + detectedLosses.size() > lossesBefore ? ", " + (losses.size() + detectedLosses.size() - lossesBefore)
                + " LOST" : ", nothing lost"));
        last = obs;
        if (o.snapshots && losses.isEmpty()) {
            snapshot("last-good");
        }
    }

    Obs observe() throws Exception {
        Obs obs = new Obs(++checkSeq, Instant.now());
        // messages and audit trail ("deep"): sessions gone to ERROR and with replies not yet seen first, then one in turn
        List<String> msgs = new ArrayList<>();
        for (SFact f : sessions.values()) {
            if (!f.gone && !f.pending && f.deepNeeded && msgs.size() < Math.max(1, o.deep - 1)) {
                msgs.add(f.name);
            }
        }
        for (SFact f : sessions.values()) {
            if (!f.gone && !f.pending && !f.unverified.isEmpty() && msgs.size() < o.deep && !msgs.contains(f.name)) {
                msgs.add(f.name);
            }
        }
        List<String> others = sessions.values().stream().filter(f -> !f.gone && !f.pending && f.id != null
                && !msgs.contains(f.name)).map(f -> f.name).toList();
        if (!others.isEmpty() && msgs.size() < o.deep + 1) {
            msgs.add(others.get(checkSeq % others.size()));
        }
        Cmd list = null;
        Cmd ag = null;
        Map<String, Cmd> msgCmds = new LinkedHashMap<>();
        String lastError = "";
        for (int attempt = 1; attempt <= 6; attempt++) {
            List<Cmd> batch = new ArrayList<>();
            if (list == null || !list.ok()) {
                list = new Cmd("check: sessions list", null, List.of("sessions", "list", "--all", "-o", "json"));
                batch.add(list);
            }
            if (ag == null || !ag.ok()) {
                ag = new Cmd("check: agents list", null, List.of("agents", "list", "--all", "-o", "json"));
                batch.add(ag);
            }
            for (String m : msgs) {
                for (String what : List.of("messages", "events")) {
                    String key = what + ":" + m;
                    Cmd mc = msgCmds.get(key);
                    if (mc == null || (!mc.ok() && attempt <= 3)) {
                        mc = new Cmd("check: sessions " + what, m, List.of("sessions", what, m, "-o", "json"));
                        msgCmds.put(key, mc);
                        batch.add(mc);
                    }
                }
            }
            for (Cmd c : batch) {
                c.check = true;
            }
            if (hasEngine) {
                runAll(batch, null);
            } else {
                // every command opens the store itself: at once, they fight over H2's file lock
                for (Cmd c : batch) {
                    runAll(List.of(c), null);
                }
            }
            boolean refused = false;
            for (Cmd c : batch) {
                if (!c.ok()) {
                    lastError = c.label() + ": " + c.outcome() + " " + c.firstError();
                    if (isRefusal(c.err + c.out)) {
                        refused = true;
                        refusal(c.label(), c.err + c.out);
                    }
                }
            }
            if (refused) {
                return null;
            }
            if (list.ok() && ag.ok()) {
                break;
            }
            log("  check " + obs.n + " attempt " + attempt + " failed: " + lastError);
            sleepMs(2000L * attempt);
        }
        if (!list.ok() || !ag.ok()) {
            checksFailed++;
            anomaly("check-failed", "check " + obs.n + ": the store could not be read in 6 attempts: " + lastError);
            return null;
        }
        Cmd parsing = list;
        try {
            for (Object x : (List<?>) Json.parse(list.out)) {
                @SuppressWarnings("unchecked") Map<String, Object> s = (Map<String, Object>) x;
                obs.sessions.put(str(s.get("name")), s);
                obs.byId.put(str(s.get("id")), s);
            }
            parsing = ag;
            for (Object x : (List<?>) Json.parse(ag.out)) {
                Map<?, ?> a = (Map<?, ?>) x;
                String name = str(a.get("name"));
                boolean live = a.get("deleted_at") == null;
                obs.agentsLive.merge(name, live, Boolean::logicalOr);
            }
            for (var e : msgCmds.entrySet()) {
                if (e.getValue().ok()) {
                    parsing = e.getValue();
                    List<Map<String, Object>> ms = new ArrayList<>();
                    for (Object x : (List<?>) Json.parse(e.getValue().out)) {
                        @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) x;
                        ms.add(m);
                    }
                    String[] k = e.getKey().split(":", 2);
                    (k[0].equals("messages") ? obs.messages : obs.events).put(k[1], ms);
                }
            }
        } catch (RuntimeException e) {
            checksFailed++;
            Path kept = outDir.resolve(String.format(Locale.ROOT, "c%06d.unreadable.out", parsing.n));
            Files.writeString(kept, parsing.out);
            Files.writeString(outDir.resolve(String.format(Locale.ROOT, "c%06d.unreadable.err", parsing.n)), parsing.err);
            anomaly("check-unreadable:" + parsing.n, "check " + obs.n + ": " + parsing.label() + " exited 0 but its output is not "
                    + "JSON (" + e.getMessage() + "; " + parsing.out.length() + " chars, kept in " + kept + "): "
                    + abbreviate(parsing.out, 120));
            return null;
        }
        return obs;
    }

    void compare(Obs obs) throws Exception {
        List<String> missing = new ArrayList<>();
        for (SFact f : sessions.values()) {
            if (f.gone) {
                continue;
            }
            Map<String, Object> s = obs.sessions.get(f.name);
            if (s == null) {
                if (!f.pending) {
                    missing.add(f.name);
                } else if (++f.pendingChecks >= 3 && f.pendingSince != null
                        && Duration.between(f.pendingSince, obs.at).toSeconds() >= 60) {
                    f.gone = true; // its command was killed or failed before it made the session: fine
                    journal(jmap("event", "never-came", "check", obs.n, "session", f.name, "why", f.src));
                }
                continue;
            }
            if (f.pending) {
                f.pending = false;
                f.src = "seen at check " + obs.n + " (" + f.src + ")";
                journal(jmap("event", "adopt", "check", obs.n, "session", f.name, "why", f.src));
            }
            String id = str(s.get("id"));
            if (f.id != null && !f.id.equals(id)) {
                loss(obs, "session " + f.name + " has another id: " + id + ", was " + f.id, f.src, f.lastAck);
            }
            f.id = id;
            compareSession(obs, f, s);
        }
        // a session gone from the list: ask for it by name before calling it lost
        for (String name : missing) {
            SFact f = sessions.get(name);
            Cmd show = new Cmd("check: sessions show", name, List.of("sessions", "show", name, "-o", "json"));
            show.check = true;
            runAll(List.of(show), null);
            if (show.ok()) {
                anomaly("list-incomplete", "check " + obs.n + ": `sessions list --all` did not list " + name + " but `sessions show` finds it");
                continue;
            }
            if (isRefusal(show.err)) {
                refusal(show.label(), show.err);
                return;
            }
            loss(obs, "session " + name + " is gone (`sessions show`: " + show.firstError() + ")", f.src, f.lastAck);
            f.gone = true;
        }
        // agents
        for (AFact a : agents.values()) {
            Boolean seen = obs.agentsLive.get(a.name);
            boolean liveNow = Boolean.TRUE.equals(seen);
            if (a.live == null) {
                if (seen != null) {
                    a.live = liveNow;
                    a.src = "seen " + (liveNow ? "live" : "deleted") + " at check " + obs.n + " (" + a.src + ")";
                }
                continue;
            }
            if (a.live && !liveNow) {
                loss(obs, "agent " + a.name + " is " + (seen == null ? "gone" : "deleted") + " but was live", a.src, a.src);
                a.live = seen == null ? null : false;
            } else if (!a.live && liveNow) {
                loss(obs, "agent " + a.name + " is live again after it was deleted", a.src, a.src);
                a.live = true;
            }
        }
        if (refusalPending) {
            refusalPending = false;
        }
    }

    @SuppressWarnings("unchecked")
    void compareSession(Obs obs, SFact f, Map<String, Object> s) throws Exception {
        String state = str(s.get("state"));
        boolean deleted = s.get("deleted_at") != null;
        long version = s.get("version") instanceof Number n ? n.longValue() : -1;
        String at = "check " + obs.n + " at " + hms(obs.at);
        // version: every change of the row raises it; lower than seen before = the row went back
        if (version < f.maxVersion) {
            loss(obs, "session " + f.name + " went back from version " + f.maxVersion + " (" + f.maxVersionSrc + ") to " + version,
                    f.maxVersionSrc + "; the session: " + f.src, f.lastAck);
        }
        if (version >= f.maxVersion) {
            f.maxVersion = version;
            f.maxVersionSrc = "seen at " + at;
        } else {
            f.maxVersion = version; // report once
        }
        // deletion
        if (Boolean.TRUE.equals(f.deleted) && !deleted) {
            loss(obs, "session " + f.name + " is not deleted any more", f.deletedSrc, f.lastAck);
        }
        if (deleted && !Boolean.TRUE.equals(f.deleted)) {
            f.deleted = true;
            f.deletedSrc = "seen deleted at " + at;
        }
        if (!deleted && Boolean.TRUE.equals(f.deleted)) {
            f.deleted = false;
        }
        // metadata: acknowledged keys, and values seen before
        Map<String, Object> meta = s.get("metadata") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        for (var e : new ArrayList<>(f.meta.entrySet())) {
            Object seen = meta.get(e.getKey());
            if (!e.getValue().equals(seen == null ? null : String.valueOf(seen))) {
                Set<String> late = f.lateMeta.getOrDefault(e.getKey(), Set.of());
                if ((seen != null && late.contains(String.valueOf(seen))) || late.contains(e.getValue())) {
                    anomaly("late-apply:" + f.name + ":" + e.getKey(), "session " + f.name + ": metadata " + e.getKey() + " is "
                            + (seen == null ? "gone" : abbreviate(String.valueOf(seen), 40)) + ", was " + abbreviate(e.getValue(), 40)
                            + " at the check before: an unacknowledged "
                            + "(killed or failed) update took effect later than the check after it");
                } else {
                    loss(obs, "session " + f.name + " metadata " + e.getKey() + "=" + abbreviate(e.getValue(), 40) + " is "
                            + (seen == null ? "gone" : "now " + abbreviate(String.valueOf(seen), 40)), f.metaSrc.get(e.getKey()), f.lastAck);
                }
                if (seen == null) {
                    f.meta.remove(e.getKey());
                } else {
                    f.meta.put(e.getKey(), String.valueOf(seen));
                }
            }
        }
        for (var e : f.unset.entrySet()) {
            if (meta.containsKey(e.getKey())) {
                loss(obs, "session " + f.name + " metadata key " + e.getKey() + " is back (" + abbreviate(String.valueOf(meta.get(e.getKey())), 40) + ")", e.getValue(),
                        f.lastAck);
            }
        }
        // what is seen now is committed: adopt it (keys an unacknowledged update touched included)
        for (var e : meta.entrySet()) {
            if (!f.meta.containsKey(e.getKey()) && !f.unset.containsKey(e.getKey())) {
                f.meta.put(e.getKey(), String.valueOf(e.getValue()));
                f.metaSrc.put(e.getKey(), "seen at " + at);
            }
        }
        // state
        if (state != null) {
            if (!state.equals(f.lastState)) {
                f.lastState = state;
                f.lastStateSince = obs.at;
            }
            if (f.inFlight == 0 && !deleted && f.stateRule != null) {
                if (f.stateRule.equals("IDLE") && !state.equals("IDLE")) {
                    if (state.equals("ERROR")) {
                        // reported below as an anomaly
                    } else {
                        loss(obs, "session " + f.name + " is " + state + " but was paused", f.stateSrc, f.lastAck);
                    }
                    f.stateRule = null;
                } else if (f.stateRule.equals("RUNNING") && state.equals("IDLE") && obs.at.isBefore(f.readyUntil)) {
                    loss(obs, "session " + f.name + " is IDLE " + secs(obs.at, f.readyUntil) + " s before its waiting timeout ("
                            + f.waiting + " s) could have paused it" + (f.lostAt > 0 ? " (its last activity went back with the loss "
                            + "at check " + f.lostAt + ")" : ""), f.stateSrc, f.lastAck);
                    f.stateRule = null;
                }
            }
            if (state.equals("ERROR") && !f.inError) {
                f.inError = true;
                f.deepNeeded = true;
                anomaly("error:" + f.name + ":" + obs.n, "session " + f.name + " is in ERROR: " + str(s.get("termination_reason"))
                        + " (last acknowledged: " + f.lastAck + ")");
            } else if (!state.equals("ERROR")) {
                f.inError = false;
            }
            if ((state.equals("INIT") || state.equals("BUSY")) && f.inFlight == 0 && f.lastStateSince != null
                    && Duration.between(f.lastStateSince, obs.at).toSeconds() >= 180) {
                anomaly("stuck:" + f.name + ":" + state + ":" + f.lastStateSince, "session " + f.name + " has been " + state
                        + " since " + hms(f.lastStateSince) + " (" + secs(f.lastStateSince, obs.at) + " s) with no command on it");
            }
        }
        // messages: every reply acknowledged, every message seen before
        List<Map<String, Object>> ms = obs.messages.get(f.name);
        if (ms != null) {
            Map<Long, String> now = new HashMap<>();
            for (Map<String, Object> m : ms) {
                long id = m.get("id") instanceof Number n ? n.longValue() : -1;
                now.put(id, str(m.get("role")) + " " + abbreviate(str(m.get("content")), 40));
            }
            List<String> gone = f.seenMessages.entrySet().stream().filter(e -> !now.containsKey(e.getKey()))
                    .sorted(Map.Entry.comparingByKey()).map(e -> "#" + e.getKey() + " " + e.getValue()).toList();
            if (!gone.isEmpty()) {
                loss(obs, "session " + f.name + ": " + gone.size() + " message(s) seen before are gone: "
                        + abbreviate(String.join("; ", gone), 400), "seen at check " + f.lastDeep, f.lastAck);
            }
            f.seenMessages.clear();
            f.seenMessages.putAll(now);
            for (var t : f.tokens.entrySet()) {
                boolean user = false;
                boolean reply = false;
                for (Map<String, Object> m : ms) {
                    String content = str(m.get("content"));
                    if (content != null && content.contains(t.getKey())) {
                        if ("user".equals(str(m.get("role")))) {
                            user = true;
                        } else {
                            reply = true;
                        }
                    }
                }
                boolean prompt = t.getKey().startsWith("created-") || t.getKey().startsWith("marker-");
                if (!reply || (!user && !prompt)) {
                    loss(obs, "session " + f.name + " " + (reply ? "message" : "reply") + " with " + t.getKey() + " is missing",
                            t.getValue(), f.lastAck);
                }
            }
            f.tokens.clear();
            f.unverified.clear();
        }
        // the audit trail only grows: every event seen before is still there
        List<Map<String, Object>> evs = obs.events.get(f.name);
        if (evs != null) {
            Map<Long, String> now = new HashMap<>();
            for (Map<String, Object> ev : evs) {
                long id = ev.get("id") instanceof Number n ? n.longValue() : -1;
                now.put(id, str(ev.get("kind")) + (ev.get("to") != null ? " " + ev.get("from") + "->" + ev.get("to") : "")
                        + " at " + str(ev.get("at")) + " (" + abbreviate(str(ev.get("reason")), 50) + ")");
            }
            List<String> gone = f.seenEvents.entrySet().stream().filter(e -> !now.containsKey(e.getKey()))
                    .sorted(Map.Entry.comparingByKey()).map(e -> "#" + e.getKey() + " " + e.getValue()).toList();
            if (!gone.isEmpty()) {
                loss(obs, "session " + f.name + ": " + gone.size() + " audit event(s) seen before are gone: "
                        + abbreviate(String.join("; ", gone), 500), "seen at check " + f.lastDeep, f.lastAck);
            }
            f.seenEvents.clear();
            f.seenEvents.putAll(now);
            f.deepNeeded = false;
            f.lastDeep = obs.n;
        }
        // a remix's workspace holds the parent's marker
        if (f.marker != null && !f.markerChecked && f.id != null && ("READY".equals(state) || "IDLE".equals(state)) && !deleted) {
            Path marker = data.resolve("sessions").resolve(f.id).resolve("workspace").resolve("data").resolve("marker");
            String got = Files.exists(marker) ? Files.readString(marker).strip() : null;
            if (!f.marker.equals(got)) {
                anomaly("workspace:" + f.name, "session " + f.name + " is " + state + " but its workspace " + marker + " holds "
                        + (got == null ? "no marker" : "'" + got + "'") + ", expected '" + f.marker + "'"
                        + (f.remix ? " (copied from its parent)" : ""));
            }
            f.markerChecked = true;
        }
    }

    /** Volumes without rows, rows without volumes, agent processes of sessions that should have none. */
    void processes(Obs obs) {
        Path root = data.resolve("sessions");
        Set<String> dirs = new HashSet<>();
        try (Stream<Path> s = Files.list(root)) {
            s.forEach(p -> dirs.add(p.getFileName().toString()));
        } catch (IOException e) {
            // no sessions yet
        }
        Set<String> busyIds = new HashSet<>();
        for (SFact f : sessions.values()) {
            if (f.id != null && f.inFlight > 0) {
                busyIds.add(f.id);
            }
        }
        boolean unknownWork = sessions.values().stream().anyMatch(f -> f.pending && !f.gone);
        Map<String, Integer> agentJvms = agentJvms(root);
        Set<String> keys = new HashSet<>();
        for (String d : dirs) {
            if (!obs.byId.containsKey(d) && !unknownWork) {
                keys.add(suspectKey("orphan-volume:" + d, obs, "volume " + root.resolve(d) + " belongs to no session (no row in "
                        + "`sessions list --all`)" + (agentJvms.containsKey(d) ? "; " + agentJvms.get(d) + " agent JVM(s) run in it" : "")));
            }
        }
        for (var e : obs.byId.entrySet()) {
            String id = e.getKey();
            Map<String, Object> s = e.getValue();
            String name = str(s.get("name"));
            String state = str(s.get("state"));
            boolean deleted = s.get("deleted_at") != null;
            boolean purged = s.get("purged_at") != null;
            if (!purged && !dirs.contains(id) && !busyIds.contains(id)) {
                keys.add(suspectKey("no-volume:" + id, obs, "session " + name + " (" + state + ") has no volume " + root.resolve(id)));
            }
            int jvms = agentJvms.getOrDefault(id, 0);
            int agentCount = s.get("agents") instanceof List<?> l ? l.size() : 1;
            if (busyIds.contains(id)) {
                continue;
            }
            if (jvms > 0 && (deleted || "IDLE".equals(state))) {
                keys.add(suspectKey("agent-left:" + id, obs, "session " + name + " is " + (deleted ? "deleted" : state) + " but "
                        + jvms + " agent JVM(s) still run in its workspace"));
            } else if (jvms > agentCount && !deleted) {
                keys.add(suspectKey("agent-dup:" + id, obs, "session " + name + " (" + state + ") has " + jvms + " agent JVMs for "
                        + agentCount + " agent(s)"));
            } else if (jvms == 0 && "READY".equals(state) && !deleted) {
                keys.add(suspectKey("agent-missing:" + id, obs, "session " + name + " is READY but no agent JVM runs in its workspace"));
            }
        }
        suspect.keySet().retainAll(keys);
    }

    /** An anomaly seen now; reported when it is still there at a check 20 s or more after the first. */
    String suspectKey(String key, Obs obs, String what) {
        Instant first = suspect.putIfAbsent(key, obs.at);
        if (first != null && Duration.between(first, obs.at).toSeconds() >= 20) {
            anomaly(key, what + " (since " + hms(first) + ")");
        }
        return key;
    }

    /** Agent JVMs (java processes) by the session id whose workspace is their working directory. */
    Map<String, Integer> agentJvms(Path root) {
        Map<String, Integer> r = new HashMap<>();
        String prefix = root.toString() + "/";
        ProcessHandle.allProcesses().forEach(h -> {
            try {
                Path proc = Path.of("/proc", Long.toString(h.pid()));
                String comm = Files.readString(proc.resolve("comm")).strip();
                if (!comm.equals("java")) {
                    return;
                }
                String cwd = Files.readSymbolicLink(proc.resolve("cwd")).toString();
                if (cwd.startsWith(prefix)) {
                    String id = cwd.substring(prefix.length()).split("/", 2)[0];
                    r.merge(id, 1, Integer::sum);
                }
            } catch (IOException | RuntimeException ignored) {
                // gone, or not ours to read
            }
        });
        return r;
    }

    // ------------------------------------------------------------------------------------------
    // findings

    void loss(Obs obs, String what, String ackedBy, String lastAck) {
        if (what.startsWith("session ")) {
            SFact f = sessions.get(what.substring(8).split("[ :]", 2)[0]);
            if (f != null) {
                f.lostAt = obs.n;
            }
        }
        boolean detected = refusalPending;
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("at", obs.at.toString());
        l.put("check", obs.n);
        l.put("minute", secs(started, obs.at) / 60.0);
        l.put("what", what);
        l.put("acknowledged_by", ackedBy);
        l.put("last_acknowledged", lastAck);
        l.put("last_good_check", last == null ? null : last.n);
        l.put("after_refusal", detected);
        (detected ? detectedLosses : losses).add(l);
        log((detected ? "LOST (after the store's refusal, accepted): " : "LOSS: ") + what + " [acknowledged by " + ackedBy
                + "; last acknowledged command on it: " + lastAck + "; check " + obs.n + ", previous good check "
                + (last == null ? "none" : last.n + " at " + hms(last.at)) + "]");
        journal(jmap("event", detected ? "lost-after-refusal" : "LOSS", "check", obs.n, "what", what, "acknowledged_by",
                String.valueOf(ackedBy)));
        if (!detected) {
            if (lossEvidence++ < 3) {
                snapshot("loss-" + losses.size() + "-check-" + obs.n);
            }
            if (o.stopOnLoss) {
                stop = true;
                stopReason = "silent loss (--stop-on-loss)";
            }
        }
    }

    void anomaly(String key, String what) {
        if (!anomalyKeys.add(key)) {
            return;
        }
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("at", Instant.now().toString());
        a.put("minute", secs(started, Instant.now()) / 60.0);
        a.put("kind", key.split(":", 2)[0]);
        a.put("what", what);
        anomalies.add(a);
        log("ANOMALY: " + what);
        journal(jmap("event", "anomaly", "kind", key.split(":", 2)[0], "what", what));
    }

    static boolean isRefusal(String text) {
        return text != null && (text.contains("was not opened") || text.contains("lost committed writes"));
    }

    void refusal(String where, String text) {
        String msg = text.lines().filter(Soak::isRefusal).findFirst().orElse(text.strip());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("at", Instant.now().toString());
        r.put("minute", secs(started, Instant.now()) / 60.0);
        r.put("command", where);
        r.put("message", msg);
        refusals.add(r);
        log("REFUSAL (the store detected it): " + where + ": " + msg);
        journal(jmap("event", "REFUSAL", "command", where, "message", msg));
        snapshot("refusal-" + refusals.size());
        if (o.onRefusal.equals("stop") || !hasEngine) {
            stop = true;
            stopReason = "the store refused to open (--on-refusal stop)";
            return;
        }
        try {
            Cmd accept = new Cmd("store accept", null, List.of("store", "accept", "--yes"));
            accept.check = true;
            runAll(List.of(accept), null);
            log("  `store accept --yes`: " + accept.outcome() + " " + firstErrorLine(accept.out + accept.err));
            refusalPending = true;
            if (!accept.ok() || refusals.size() > 20) {
                stop = true;
                stopReason = "the store refused to open and could not be accepted";
            }
        } catch (IOException e) {
            stop = true;
            stopReason = "store accept failed: " + e;
        }
    }

    /** Copies the store's files (and store.seq) into DIR/evidence/NAME. */
    void snapshot(String name) {
        Path to = evidence.resolve(name);
        try {
            Files.createDirectories(to);
            for (String f : List.of("pilothouse.mv.db", "store.seq", "store.pid", "engine.endpoint")) {
                Path from = data.resolve(f);
                if (Files.exists(from) && Files.size(from) < 500L << 20) {
                    Files.copy(from, to.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            log("  (snapshot " + name + " failed: " + e + ")");
        }
    }

    // ------------------------------------------------------------------------------------------
    // the end

    /** Leaves no agent or engine of this soak running: pauses what runs, stops the engine, kills what is left. */
    void cleanup() {
        try {
            List<String> ready = names(f -> "READY".equals(f.lastState) || "BUSY".equals(f.lastState));
            if (!ready.isEmpty() && refusals.isEmpty()) {
                List<Cmd> cmds = new ArrayList<>();
                for (String r : ready) {
                    Cmd c = new Cmd("cleanup: sessions pause", r, List.of("sessions", "pause", r));
                    c.check = true;
                    cmds.add(c);
                }
                runAll(cmds, null);
            }
            if (hasEngine) {
                Cmd stopCmd = new Cmd("cleanup: engine stop", null, List.of("engine", "stop"));
                stopCmd.check = true;
                runAll(List.of(stopCmd), null);
            }
        } catch (IOException e) {
            log("cleanup: " + e);
        }
        killLeftovers(true);
    }

    void killLeftovers(boolean waitForEngine) {
        for (Cmd c : new ArrayList<>(inFlight)) {
            if (c.p != null) {
                c.p.destroyForcibly();
            }
        }
        if (holder != null && holder.p.isAlive()) {
            holder.p.destroyForcibly();
        }
        long deadline = System.currentTimeMillis() + 35_000;
        while (waitForEngine && hasEngine && enginePid() > 0 && System.currentTimeMillis() < deadline) {
            sleepMs(250);
        }
        long pid = enginePid();
        if (pid > 0 && cmdline(pid).contains(data.toString())) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        String prefix = data.resolve("sessions") + "/";
        ProcessHandle.allProcesses().forEach(h -> {
            try {
                String cwd = Files.readSymbolicLink(Path.of("/proc", Long.toString(h.pid()), "cwd")).toString();
                if (cwd.startsWith(prefix)) {
                    h.destroyForcibly();
                }
            } catch (IOException | RuntimeException ignored) {
                // not ours
            }
        });
    }

    void onExit() {
        if (finished) {
            return;
        }
        try {
            log("soak: interrupted; killing what it started and writing the summary");
            killLeftovers(false);
            writeSummary(true);
        } catch (Exception e) {
            System.err.println("soak: " + e);
        }
    }

    void status(boolean force) {
        if (!force && Duration.between(lastStatus, Instant.now()).toSeconds() < 120) {
            return;
        }
        lastStatus = Instant.now();
        long size = 0;
        try {
            size = Files.size(data.resolve("pilothouse.mv.db"));
        } catch (IOException ignored) {
            // not yet
        }
        int cmds = byKind.values().stream().mapToInt(k -> k[0] + k[1] + k[2] + k[3]).sum();
        log(String.format(Locale.ROOT, "status: %.1f min, %d commands, %d checks, %d sessions, store %.1f MB, "
                        + "losses %d, refusals %d, anomalies %d", secs(started, Instant.now()) / 60.0, cmds, checkSeq,
                sessions.values().stream().filter(f -> !f.gone && !f.pending).count(), size / 1048576.0, losses.size(),
                refusals.size(), anomalies.size()));
    }

    int writeSummary(boolean interrupted) throws IOException {
        Map<String, Object> s = new LinkedHashMap<>();
        Instant end = Instant.now();
        s.put("launcher", o.launcher.toString());
        s.put("version", version);
        s.put("engine_command", hasEngine);
        s.put("data_dir", data.toString());
        s.put("seed", o.seed);
        s.put("options", o.given);
        s.put("started", started.toString());
        s.put("ended", end.toString());
        s.put("minutes", Math.round(secs(started, end) / 6.0) / 10.0);
        s.put("interrupted", interrupted);
        s.put("stop_reason", stop ? stopReason : interrupted ? "interrupted" : "time is up");
        int total = 0;
        Map<String, Object> kinds = new LinkedHashMap<>();
        for (var e : byKind.entrySet()) {
            int[] k = e.getValue();
            total += k[0] + k[1] + k[2] + k[3];
            List<Long> d = new ArrayList<>(durations.getOrDefault(e.getKey(), List.of()));
            d.sort(null);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ok", k[0]);
            m.put("failed", k[1]);
            m.put("killed", k[2]);
            m.put("hung", k[3]);
            if (!d.isEmpty()) {
                m.put("ms_median", d.get(d.size() / 2));
                m.put("ms_p95", d.get(Math.min(d.size() - 1, (int) Math.ceil(d.size() * 0.95) - 1)));
                m.put("ms_max", d.get(d.size() - 1));
            }
            kinds.put(e.getKey(), m);
        }
        s.put("commands", total);
        s.put("checks", checkSeq);
        s.put("checks_failed", checksFailed);
        s.put("by_kind", kinds);
        s.put("events", events);
        s.put("failures", failures);
        s.put("sessions_created", sessions.values().stream().filter(f -> !f.pending || f.gone).count());
        s.put("agents_created", agents.size());
        long size = 0;
        try {
            size = Files.size(data.resolve("pilothouse.mv.db"));
        } catch (IOException ignored) {
            // none
        }
        s.put("store_bytes", size);
        s.put("losses", losses);
        s.put("refusals", refusals);
        s.put("lost_after_refusal", detectedLosses);
        s.put("anomalies", anomalies);
        int code = !losses.isEmpty() ? 3 : !refusals.isEmpty() ? 4 : !anomalies.isEmpty() ? 5 : 0;
        s.put("exit_status", code);
        Files.writeString(o.dir.resolve("summary.json"), Json.write(s, 0) + "\n");

        StringBuilder t = new StringBuilder();
        t.append("soak summary: ").append(o.launcher).append(" (").append(version).append("), `engine`: ")
                .append(hasEngine ? "yes" : "no").append('\n');
        t.append(String.format(Locale.ROOT, "  %.1f min, seed %d, %d commands, %d checks (%d failed), store %.1f MB%s%n",
                secs(started, end) / 60.0, o.seed, total, checkSeq, checksFailed, size / 1048576.0,
                interrupted ? ", INTERRUPTED" : stop ? ", stopped: " + stopReason : ""));
        t.append("  commands by kind (ok / failed / killed / hung, median / p95 / max ms):\n");
        for (var e : kinds.entrySet()) {
            Map<?, ?> m = (Map<?, ?>) e.getValue();
            t.append(String.format(Locale.ROOT, "    %-32s %4s / %3s / %3s / %2s   %6s / %6s / %6s%n", e.getKey(), m.get("ok"), m.get("failed"),
                    m.get("killed"), m.get("hung"), m.get("ms_median"), m.get("ms_p95"), m.get("ms_max")));
        }
        if (!events.isEmpty()) {
            t.append("  events: ").append(events).append('\n');
        }
        t.append("  failures (kind | exit | first error line, normalized): ").append(failures.isEmpty() ? "none" : "").append('\n');
        failures.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .forEach(e -> t.append(String.format(Locale.ROOT, "    %4d  %s%n", e.getValue(), e.getKey())));
        t.append("  SILENT LOSSES: ").append(losses.size()).append('\n');
        for (Map<String, Object> l : losses) {
            t.append(String.format(Locale.ROOT, "    minute %.1f, check %s: %s%n      acknowledged by %s; last acknowledged: %s%n",
                    (double) l.get("minute"), l.get("check"), l.get("what"), l.get("acknowledged_by"), l.get("last_acknowledged")));
        }
        t.append("  refusals (the store detected lost writes or damage): ").append(refusals.size()).append('\n');
        for (Map<String, Object> r : refusals) {
            t.append(String.format(Locale.ROOT, "    minute %.1f, %s: %s%n", (double) r.get("minute"), r.get("command"), r.get("message")));
        }
        if (!detectedLosses.isEmpty()) {
            t.append("  facts missing after an accepted refusal: ").append(detectedLosses.size()).append('\n');
        }
        t.append("  anomalies: ").append(anomalies.size()).append('\n');
        for (Map<String, Object> a : anomalies) {
            t.append(String.format(Locale.ROOT, "    minute %.1f [%s] %s%n", (double) a.get("minute"), a.get("kind"), a.get("what")));
        }
        t.append("  exit status ").append(code).append(" (0 nothing lost, 3 silent loss, 4 refusal, 5 anomalies only)\n");
        t.append("  files: ").append(o.dir.resolve("soak.log")).append(", ").append(journalFile).append(", ")
                .append(o.dir.resolve("summary.json")).append('\n');
        Files.writeString(o.dir.resolve("summary.txt"), t.toString());
        System.out.print(t);
        return code;
    }

    // ------------------------------------------------------------------------------------------
    // small things

    void log(String line) {
        String l = hms(Instant.now()) + " " + line;
        System.out.println(l);
        try {
            Files.writeString(logFile, l + "\n", StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void journal(Map<String, Object> entry) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("t", Instant.now().toString());
        e.putAll(entry);
        try {
            Files.writeString(journalFile, Json.write(e, -1) + "\n", StandardOpenOption.APPEND);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** An ordered map from key, value, key, value... */
    static Map<String, Object> jmap(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            m.put(String.valueOf(kv[i]), kv[i + 1]);
        }
        return m;
    }

    void journalAck(Cmd c, String fact) {
        journal(jmap("event", "ack", "cmd", c.n, "kind", c.kind, "args", c.args.stream().map(a -> abbreviate(a, 120)).toList(),
                "fact", abbreviate(fact, 400)));
    }

    void count(String what) {
        events.merge(what, 1, Integer::sum);
    }

    <T> T pick(List<T> l) {
        return l.get(rnd.nextInt(l.size()));
    }

    String weighted(Map<String, Integer> w) {
        int total = w.values().stream().mapToInt(Integer::intValue).sum();
        int r = rnd.nextInt(total);
        for (var e : w.entrySet()) {
            if ((r -= e.getValue()) < 0) {
                return e.getKey();
            }
        }
        throw new IllegalStateException();
    }

    static void sleepMs(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    static String tail(Path p, int lines) {
        List<String> l = read(p).lines().filter(x -> !x.isBlank()).toList();
        return String.join(" / ", l.subList(Math.max(0, l.size() - lines), l.size()));
    }

    static String firstErrorLine(String text) {
        if (text == null) {
            return "";
        }
        return text.lines().filter(l -> l.startsWith("error:")).findFirst()
                .or(() -> text.lines().filter(l -> !l.isBlank()).findFirst()).map(l -> abbreviate(l.strip(), 300)).orElse("");
    }

    static String normalize(String s) {
        return abbreviate(s.replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>")
                .replaceAll("/[^ ,;:'\")]+", "<path>")
                .replaceAll("\\b[rsa]\\d{3,}\\b", "<name>")
                .replaceAll("\\d+", "N"), 200);
    }

    static String abbreviate(String s, int n) {
        if (s == null) {
            return null;
        }
        s = s.replace('\n', ' ');
        return s.length() <= n ? s : s.substring(0, n) + "...";
    }

    static String str(Object o) {
        return o == null ? null : o.toString();
    }

    static final DateTimeFormatter HMS = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    static String hms(Instant t) {
        return t == null ? "?" : HMS.format(t);
    }

    static long secs(Instant a, Instant b) {
        return Duration.between(a, b).toSeconds();
    }

    /** Just enough JSON: parse the CLI's output, write the summary. */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        static Object parse(String text) {
            Json j = new Json(text);
            j.ws();
            Object v = j.value();
            j.ws();
            if (j.i != j.s.length()) {
                throw new IllegalArgumentException("text after the JSON value at " + j.i);
            }
            return v;
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private Object value() {
            if (i >= s.length()) {
                throw new IllegalArgumentException("JSON ends early");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{' -> {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    ws();
                    if (s.charAt(i) == '}') {
                        i++;
                        return m;
                    }
                    while (true) {
                        ws();
                        String k = string();
                        ws();
                        expect(':');
                        ws();
                        m.put(k, value());
                        ws();
                        if (s.charAt(i) == ',') {
                            i++;
                            continue;
                        }
                        expect('}');
                        return m;
                    }
                }
                case '[' -> {
                    i++;
                    List<Object> l = new ArrayList<>();
                    ws();
                    if (s.charAt(i) == ']') {
                        i++;
                        return l;
                    }
                    while (true) {
                        ws();
                        l.add(value());
                        ws();
                        if (s.charAt(i) == ',') {
                            i++;
                            continue;
                        }
                        expect(']');
                        return l;
                    }
                }
                case '"' -> {
                    return string();
                }
                default -> {
                    if (s.startsWith("true", i)) {
                        i += 4;
                        return Boolean.TRUE;
                    }
                    if (s.startsWith("false", i)) {
                        i += 5;
                        return Boolean.FALSE;
                    }
                    if (s.startsWith("null", i)) {
                        i += 4;
                        return null;
                    }
                    int st = i;
                    while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                        i++;
                    }
                    String num = s.substring(st, i);
                    if (num.isEmpty()) {
                        throw new IllegalArgumentException("unexpected '" + c + "' at " + st);
                    }
                    return num.contains(".") || num.contains("e") || num.contains("E") ? (Object) Double.parseDouble(num)
                            : (Object) Long.parseLong(num);
                }
            }
        }

        private void expect(char c) {
            if (i >= s.length() || s.charAt(i) != c) {
                throw new IllegalArgumentException("expected '" + c + "' at " + i);
            }
            i++;
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        case 'r' -> b.append('\r');
                        case 'b' -> b.append('\b');
                        case 'f' -> b.append('\f');
                        case 'u' -> {
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> b.append(e);
                    }
                } else {
                    b.append(c);
                }
            }
        }

        /** indent < 0: one line. */
        static String write(Object v, int indent) {
            StringBuilder b = new StringBuilder();
            write(b, v, indent);
            return b.toString();
        }

        private static void write(StringBuilder b, Object v, int indent) {
            String nl = indent < 0 ? "" : "\n" + "  ".repeat(indent + 1);
            String close = indent < 0 ? "" : "\n" + "  ".repeat(indent);
            int next = indent < 0 ? -1 : indent + 1;
            if (v == null) {
                b.append("null");
            } else if (v instanceof Map<?, ?> m) {
                if (m.isEmpty()) {
                    b.append("{}");
                    return;
                }
                b.append('{');
                boolean first = true;
                for (var e : m.entrySet()) {
                    b.append(first ? "" : ",").append(nl);
                    first = false;
                    quote(b, String.valueOf(e.getKey()));
                    b.append(indent < 0 ? ":" : ": ");
                    write(b, e.getValue(), next);
                }
                b.append(close).append('}');
            } else if (v instanceof Collection<?> c) {
                if (c.isEmpty()) {
                    b.append("[]");
                    return;
                }
                b.append('[');
                boolean first = true;
                for (Object x : c) {
                    b.append(first ? "" : ",").append(nl);
                    first = false;
                    write(b, x, next);
                }
                b.append(close).append(']');
            } else if (v instanceof Number || v instanceof Boolean) {
                b.append(v);
            } else {
                quote(b, v.toString());
            }
        }

        private static void quote(StringBuilder b, String s) {
            b.append('"');
            for (int k = 0; k < s.length(); k++) {
                char c = s.charAt(k);
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            b.append('"');
        }
    }
}
