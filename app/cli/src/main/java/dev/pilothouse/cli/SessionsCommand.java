package dev.pilothouse.cli;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.FollowEnd;
import dev.pilothouse.engine.RemixRequest;
import dev.pilothouse.engine.SendResult;
import dev.pilothouse.engine.SessionResources;
import dev.pilothouse.engine.UpdateRequest;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.LogOptions;
import dev.pilothouse.runtime.LogSubscription;
import dev.pilothouse.schedule.StartTimes;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionJson;
import dev.pilothouse.session.SessionState;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "sessions", description = "Create, inspect, talk to and manage sessions",
        subcommands = {SessionsCommand.ListSessions.class, SessionsCommand.Create.class, SessionsCommand.Show.class,
                SessionsCommand.Update.class, SessionsCommand.Remix.class, SessionsCommand.Pause.class,
                SessionsCommand.Resume.class, SessionsCommand.Retry.class, SessionsCommand.Delete.class,
                SessionsCommand.Purge.class, SessionsCommand.Send.class, SessionsCommand.Messages.class,
                SessionsCommand.Events.class, SessionsCommand.Logs.class, SessionsCommand.Orphans.class,
                WorkspaceCommands.ListFiles.class, WorkspaceCommands.Cp.class, WorkspaceCommands.Rm.class,
                TraceCommands.Trace.class, TraceCommands.Requests.class, TraceCommands.Timeline.class,
                BundleCommands.Export.class, BundleCommands.Import.class, MetricsCommands.Top.class,
                MetricsCommands.Metrics.class})
final class SessionsCommand {

    /** Options shared by create and remix for the session's settings. */
    static final class Settings {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "Starting prompt, sent to the first agent once it is READY")
        String prompt;

        @Option(names = "--prompt-file", paramLabel = "FILE", description = "Read the starting prompt from FILE (- for stdin)")
        String promptFile;

        @Option(names = "--waiting-timeout", paramLabel = "DURATION", converter = Converters.Duration.class,
                description = "Idle after this long without messages (default 300s; e.g. 90s, 10m)")
        Long waitingTimeout;

        @Option(names = "--ttl", paramLabel = "DURATION", converter = Converters.Duration.class,
                description = "Completed after this long without activity (default 24h; e.g. 2h, 7d)")
        Long ttl;

        @Option(names = "--metadata", paramLabel = "JSON", description = "Metadata as a JSON object, e.g. '{\"project\":\"q4\"}'")
        String metadata;

        @Option(names = "--meta", paramLabel = "KEY=VALUE", description = "Set one metadata key (repeatable)")
        Map<String, String> meta = new LinkedHashMap<>();

        @Option(names = "--cpu", paramLabel = "QTY", description = "CPU, e.g. 500m or 2")
        String cpu;

        @Option(names = "--memory", paramLabel = "QTY", description = "Memory, e.g. 512Mi or 4Gi")
        String memory;

        @Option(names = "--storage", paramLabel = "QTY", description = "Volume size, e.g. 10Gi")
        String storage;

        String prompt(Cli root) throws IOException {
            if (prompt != null && promptFile != null) {
                throw new InvalidInputException("give the starting prompt either with --prompt or with --prompt-file, not both");
            }
            return promptFile != null ? readText(root, promptFile, "--prompt-file", dev.pilothouse.session.Validation.MAX_PROMPT_CHARS)
                    : prompt;
        }

        /** --metadata and --meta together: the object, then the keys set over it. */
        String metadata(String base) {
            if (meta.isEmpty()) {
                return metadata;
            }
            var node = (com.fasterxml.jackson.databind.node.ObjectNode) dev.pilothouse.json.Json.parse(
                    dev.pilothouse.session.Validation.metadata(metadata != null ? metadata : base));
            meta.forEach(node::put);
            return dev.pilothouse.json.Json.compact(node);
        }

        Resources resources() {
            return cpu == null && memory == null && storage == null ? null : new Resources(cpu, memory, storage);
        }
    }

    /** The most a definition file (agents create -f) may hold. */
    static final int MAX_FILE_CHARS = 1 << 20;

    /**
     * Text from a file an operator named, or stdin for {@code -}. What cannot be read as text
     * (a directory, a missing or unreadable file, not UTF-8, far too large) is bad input, said
     * with the option it came from.
     */
    static String readText(Cli root, String file, String option, int maxChars) throws IOException {
        // at most 4 bytes a character in UTF-8: more than this cannot be within the limit
        int maxBytes = maxChars * 4;
        byte[] bytes;
        if (file.equals("-")) {
            bytes = root.stdin().readNBytes(maxBytes + 1);
        } else {
            Path path;
            try {
                path = root.cwd().resolve(file);
            } catch (java.nio.file.InvalidPathException e) {
                throw new InvalidInputException(option + ": '" + file + "' is not a valid file name: " + e.getReason());
            }
            if (Files.isDirectory(path)) {
                throw new InvalidInputException(option + ": '" + file + "' is a directory; give a file (or - to read stdin)");
            }
            try (java.io.InputStream in = Files.newInputStream(path)) {
                bytes = in.readNBytes(maxBytes + 1);
            } catch (NoSuchFileException e) {
                throw new InvalidInputException(option + ": no such file '" + file + "'");
            } catch (java.nio.file.AccessDeniedException e) {
                throw new InvalidInputException(option + ": '" + file + "' cannot be read: permission denied");
            } catch (IOException e) {
                throw new InvalidInputException(option + ": '" + file + "' cannot be read: " + e.getMessage());
            }
        }
        if (bytes.length > maxBytes) {
            throw new InvalidInputException(option + ": '" + file + "' holds more than " + maxBytes + " bytes; the limit is "
                    + maxChars + " characters");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new InvalidInputException(option + ": '" + file + "' is not UTF-8 text");
        }
    }

    /**
     * The message of send and run: the MESSAGE argument ({@code -} reads stdin) or {@code
     * --message-file}, exactly one of them. An argument starting with {@code @} is the text itself.
     */
    static String messageText(Cli root, String message, String messageFile) throws IOException {
        if (message != null && messageFile != null) {
            throw new InvalidInputException("give the message either as MESSAGE or with --message-file, not both");
        }
        if (messageFile != null) {
            return readText(root, messageFile, "--message-file", dev.pilothouse.session.Validation.MAX_PROMPT_CHARS);
        }
        if (message == null) {
            throw new InvalidInputException("no message: give it as MESSAGE, - to read it from stdin, or --message-file FILE");
        }
        return message.equals("-") ? readText(root, "-", "MESSAGE", dev.pilothouse.session.Validation.MAX_PROMPT_CHARS) : message;
    }

    @Command(name = "list", description = "List the sessions of the context")
    static final class ListSessions extends EngineCommand {
        @Option(names = {"-a", "--all"}, description = "Include deleted sessions")
        boolean all;

        @Option(names = "--state", paramLabel = "STATE", split = ",", description = "Only these states: INIT, READY, IDLE, BUSY, ERROR")
        List<SessionState> states = new ArrayList<>();

        @Option(names = {"-l", "--selector"}, paramLabel = "KEY=VALUE", split = ",",
                description = "Only sessions whose metadata has every KEY=VALUE given")
        List<String> selector = new ArrayList<>();

        @Override
        int run(Engine e, Output o) {
            List<Session> sessions = e.sessions(all);
            if (!states.isEmpty()) {
                sessions = sessions.stream().filter(s -> states.contains(s.state())).toList();
            }
            java.util.Map<String, String> wanted = EachSessionCommand.pairs(selector);
            if (!wanted.isEmpty()) {
                sessions = sessions.stream().filter(s -> EachSessionCommand.matches(s, wanted)).toList();
            }
            o.sessions(sessions);
            return 0;
        }
    }

    @Command(name = "create", description = "Create a session and start its agents; waits until READY and the starting prompt's reply")
    static final class Create extends EngineCommand {
        @Parameters(arity = "0..1", paramLabel = "NAME", description = "Session name (default: generated from the first agent)")
        String name;

        @Option(names = "--agent", paramLabel = "AGENT", description = "Agent to run (repeatable; the first gets the "
                + "starting prompt); required unless --template gives them")
        List<String> agents = new ArrayList<>();

        @Option(names = "--template", paramLabel = "TEMPLATE", description = "Start from a stored template "
                + "(`pilothouse templates list`); the other options override what it sets")
        String template;

        @Option(names = "--template-version", paramLabel = "N", description = "Which version of --template (default: the latest)")
        Integer templateVersion;

        @Option(names = "--param", paramLabel = "NAME=VALUE", description = "A template parameter (repeatable)")
        Map<String, String> params = new LinkedHashMap<>();

        @Option(names = "--guardrail", paramLabel = "NAME[:OPTIONS]", description = "A guardrail checking every message "
                + "both ways (repeatable): no-pii-exposure[:action=block|redact][,kinds=all|K+K...], "
                + "rate-limiting[:session=N|off][,session-burst=N][,agent=N|off][,agent-burst=N], "
                + "max-message-size[:chars=N] (docs/guardrails.md)")
        List<String> guardrails = new ArrayList<>();

        @ArgGroup(exclusive = false)
        Settings settings = new Settings();

        @Option(names = "--at", paramLabel = "TIME", description = "Start it then, not now: an ISO-8601 time with a "
                + "zone or offset (2026-12-24T09:00Z); stored INIT, phase PENDING until then (docs/schedules.md)")
        String at;

        @Option(names = "--after", paramLabel = "DELAY", description = "Start it after this delay, not now: 90s, 15m, "
                + "2h, 1d or PT2H")
        String after;

        @Override
        int run(Engine e, Output o) throws IOException {
            Instant startAt = StartTimes.resolve(at, after, e.config().clock().instant());
            CreateRequest r;
            if (template == null) {
                if (templateVersion != null || !params.isEmpty()) {
                    throw new InvalidInputException((templateVersion != null ? "--template-version" : "--param")
                            + " needs --template NAME");
                }
                if (agents.isEmpty()) {
                    throw new InvalidInputException("give the session's agents with --agent NAME (repeatable), or "
                            + "--template NAME; registered agents: " + e.agents(false).stream()
                            .map(dev.pilothouse.agent.AgentDefinition::name).toList());
                }
                r = new CreateRequest(name, null, root().namespace, agents, settings.prompt(root()),
                        settings.waitingTimeout, settings.ttl, settings.metadata(null), settings.resources(), guardrails);
            } else {
                r = fromTemplate(e);
            }
            CreateRequest request = r.withScheduledAt(startAt);
            Replies replies = new Replies(out(), o.structured());
            Engine.Started started = StartNotes.whileMaking(e, err(), created -> e.create(request, created, replies));
            return finish(started, replies, o, err());
        }

        /** The template's request with what the operator gave on the command line over it. */
        private CreateRequest fromTemplate(Engine e) throws IOException {
            CreateRequest t = e.fromTemplate(template, templateVersion, params);
            String prompt = settings.prompt(root());
            String metadata = settings.metadata(t.metadata());
            if (metadata != null) {
                // --metadata replaces the template's, but the session still records where it came from
                var over = (com.fasterxml.jackson.databind.node.ObjectNode) dev.pilothouse.json.Json.parse(
                        dev.pilothouse.session.Validation.metadata(metadata));
                var from = dev.pilothouse.json.Json.parse(t.metadata());
                over.set("template", from.get("template"));
                over.set("template_version", from.get("template_version"));
                metadata = dev.pilothouse.json.Json.compact(over);
            }
            Resources given = settings.resources();
            Resources resources = given == null ? t.resources() : t.resources() == null ? given : given.withDefaults(t.resources());
            return new CreateRequest(name, null, root().namespace, agents.isEmpty() ? t.agents() : agents,
                    prompt != null ? prompt : t.startingPrompt(),
                    settings.waitingTimeout != null ? settings.waitingTimeout : t.waitingTimeoutSeconds(),
                    settings.ttl != null ? settings.ttl : t.ttlSeconds(), metadata != null ? metadata : t.metadata(),
                    resources, guardrails.isEmpty() ? t.guardrails() : guardrails, t.agentConfig());
        }
    }

    static int finish(Engine.Started started, Replies replies, Output o, java.io.PrintWriter err) {
        replies.end();
        Session s = started.session();
        if (o.structured()) {
            o.session(s);
        } else {
            o.sessions(List.of(s));
        }
        if (s.state() == SessionState.ERROR) {
            err.println("error: session '" + s.name() + "' failed to start: " + s.terminationReason());
            err.println(failedStartHint(s));
            return 1;
        }
        if (started.firstReply() != null) {
            guardNotes(started.firstReply(), err);
        }
        if (started.firstReply() != null && started.firstReply().failed()) {
            err.println("error: the reply to the starting prompt failed: " + started.firstReply().reply().error());
            return 1;
        }
        return 0;
    }

    /**
     * Where to look after a failed start, true for the session's runtime: a local session keeps its
     * agents' logs; a Kubernetes session's failed pod is deleted, and the container's log with it
     * (Kubernetes keeps a log only while its pod exists), so what is left is what Kubernetes said
     * about the pod (its Events) and the last log lines the reason quotes.
     */
    static String failedStartHint(Session s) {
        if (dev.pilothouse.runtime.RuntimeProvider.LOCAL_CONTEXT.equals(s.context())) {
            return "(`pilothouse sessions logs " + s.name() + "` shows its log; `pilothouse sessions retry "
                    + s.name() + "` starts it again)";
        }
        String on = "pilothouse --context " + s.context() + " --namespace " + s.namespace() + " sessions ";
        return "(`" + on + "events " + s.name() + " --kubernetes` shows what Kubernetes said about its pod; the pod was "
                + "deleted and its log with it, so the last log lines the reason quotes, if any, are all that is kept; `"
                + on + "retry " + s.name() + "` starts it again)";
    }

    /** What the session's guardrails did to a message and its reply, on stderr (a blocked reply is its error). */
    static void guardNotes(SendResult r, java.io.PrintWriter err) {
        if (r.message().guard() != null) {
            err.println("note: the message was sent " + r.message().guard().summary() + " (the agent got "
                    + "[REDACTED:kind] in its place)");
        }
        if (r.reply().guard() != null && r.reply().guard().verdict().equals(dev.pilothouse.session.Message.Guard.REDACTED)) {
            err.println("note: the reply was " + r.reply().guard().summary());
        }
        err.flush();
    }

    @Command(name = "show", description = "Show one session (by name or id)")
    static final class Show extends EngineCommand {
        @Parameters(paramLabel = "SESSION")
        String ref;

        @Override
        int run(Engine e, Output o) {
            Session s = e.session(ref);
            o.session(s, e.startProgress(s));
            return 0;
        }
    }

    @Command(name = "update", description = "Change a session's name, waiting timeout, TTL, metadata, cpu, memory or agents")
    static final class Update extends EngineCommand {
        @Parameters(paramLabel = "SESSION")
        String ref;

        @Option(names = "--name", paramLabel = "NAME")
        String name;

        @Option(names = "--waiting-timeout", paramLabel = "DURATION", converter = Converters.Duration.class)
        Long waitingTimeout;

        @Option(names = "--ttl", paramLabel = "DURATION", converter = Converters.Duration.class)
        Long ttl;

        @Option(names = "--metadata", paramLabel = "JSON", description = "Replace the metadata with this JSON object")
        String metadata;

        @Option(names = "--meta", paramLabel = "KEY=VALUE", description = "Set one key (value parsed as JSON if it is JSON)")
        Map<String, String> meta = new LinkedHashMap<>();

        @Option(names = "--unset-meta", paramLabel = "KEY", description = "Remove one key")
        List<String> unset = new ArrayList<>();

        @Option(names = "--add-agent", paramLabel = "AGENT",
                description = "Add a registered agent (repeatable); a READY session restarts its agents with it at once")
        List<String> add = new ArrayList<>();

        @Option(names = "--remove-agent", paramLabel = "AGENT", description = "Remove one of its agents (repeatable)")
        List<String> remove = new ArrayList<>();

        @Option(names = "--cpu", paramLabel = "QTY", description = "CPU, e.g. 500m or 2; applies at the next start")
        String cpu;

        @Option(names = "--memory", paramLabel = "QTY", description = "Memory, e.g. 512Mi or 4Gi; applies at the next start")
        String memory;

        @Override
        int run(Engine e, Output o) {
            Resources resources = cpu == null && memory == null ? null : new Resources(cpu, memory, null);
            Session after = e.update(ref, new UpdateRequest(name, waitingTimeout, ttl, metadata, meta, unset, resources,
                    add, remove), null);
            o.session(after);
            String when = resources == null ? null : SessionResources.whenApplied(after, !add.isEmpty() || !remove.isEmpty());
            if (when != null) {
                err().println("note: " + when);
            }
            if ((!add.isEmpty() || !remove.isEmpty()) && after.state() == SessionState.ERROR) {
                err().println("error: the agents changed, but session '" + after.name() + "' did not start with them: "
                        + after.terminationReason());
                return 1;
            }
            return 0;
        }
    }

    @Command(name = "remix", description = "Create a new session from a parent's configuration and volume")
    static final class Remix extends EngineCommand {
        @Parameters(paramLabel = "PARENT")
        String parent;

        @Option(names = "--name", paramLabel = "NAME", description = "Name (default: the parent's stem with the next number)")
        String name;

        @Option(names = "--agent", paramLabel = "AGENT", description = "Replace the parent's agents with these (repeatable)")
        List<String> agents;

        @Option(names = "--add-agent", paramLabel = "AGENT", description = "Add an agent (repeatable)")
        List<String> add = new ArrayList<>();

        @Option(names = "--remove-agent", paramLabel = "AGENT", description = "Remove one of the parent's agents (repeatable)")
        List<String> remove = new ArrayList<>();

        @Option(names = "--no-copy-workspace", description = "Start with an empty workspace")
        boolean noWorkspace;

        @Option(names = "--copy-conversation", description = "Copy the conversation (messages and agents' memory)")
        boolean conversation;

        @Option(names = "--guardrail", paramLabel = "NAME[:OPTIONS]", description = "Guardrails of the remix's own "
                + "(repeatable): they replace the parent's, which it inherits otherwise; same syntax as on create "
                + "(docs/guardrails.md)")
        List<String> guardrails = new ArrayList<>();

        @Option(names = "--no-guardrails", description = "The remix has no guardrails (the parent's are not inherited)")
        boolean noGuardrails;

        @ArgGroup(exclusive = false)
        Settings settings = new Settings();

        @Override
        int run(Engine e, Output o) throws IOException {
            Session p = e.session(parent);
            RemixRequest r = new RemixRequest(name, settings.prompt(root()), agents, add, remove, settings.waitingTimeout,
                    settings.ttl, settings.metadata(p.metadata()), settings.resources(), !noWorkspace, conversation,
                    remixGuardrails());
            Replies replies = new Replies(out(), o.structured());
            Engine.Started started = StartNotes.whileMaking(e, err(), created -> e.remix(parent, r, created, replies));
            return finish(started, replies, o, err());
        }

        /** Null inherits the parent's. */
        private List<String> remixGuardrails() {
            if (noGuardrails && !guardrails.isEmpty()) {
                throw new InvalidInputException("--no-guardrails and --guardrail contradict each other; give --guardrail "
                        + "to replace the parent's guardrails, or --no-guardrails to have none");
            }
            return noGuardrails ? List.of() : guardrails.isEmpty() ? null : guardrails;
        }
    }

    @Command(name = "pause", description = "Release a READY session's runtime, keeping its volume (READY -> IDLE)")
    static final class Pause extends EachSessionCommand {
        @Override
        Session act(Engine e, String ref) {
            return e.pause(ref);
        }

        @Override
        String done() {
            return "paused";
        }
    }

    /** A command that starts sessions' agents: it succeeded only where the session ended READY. */
    abstract static class StartCommand extends EachSessionCommand {
        /** Starts the session's agents. */
        abstract Session start(Engine e, String ref);

        @Override
        final Session act(Engine e, String ref) {
            try (StartNotes notes = StartNotes.watch(e, err(), () -> ref)) {
                return start(e, ref);
            }
        }

        @Override
        boolean succeeded(Session s) {
            return s.state() == SessionState.READY;
        }

        @Override
        String failure(Session s) {
            return "did not start: " + s.terminationReason();
        }
    }

    @Command(name = "resume", description = "Start an IDLE session's agents again on its volume (IDLE -> READY)")
    static final class Resume extends StartCommand {
        @Override
        Session start(Engine e, String ref) {
            return e.resume(ref);
        }

        @Override
        String done() {
            return "resumed";
        }
    }

    @Command(name = "retry", description = "Start a session in ERROR again (ERROR -> INIT -> READY)")
    static final class Retry extends StartCommand {
        @Override
        Session start(Engine e, String ref) {
            return e.retry(ref);
        }

        @Override
        String done() {
            return "retried";
        }
    }

    @Command(name = "delete", description = "Delete a session (soft: its record, history and volume are kept)")
    static final class Delete extends EachSessionCommand {
        @Override
        Session act(Engine e, String ref) {
            return e.delete(ref);
        }

        @Override
        String done() {
            return "deleted";
        }

        @Override
        boolean eligible(Session s) {
            return !s.deleted();
        }
    }

    @Command(name = "purge", description = "Remove a deleted session's volume and logs for good (needs --yes)")
    static final class Purge extends EngineCommand {
        @Parameters(paramLabel = "SESSION")
        String ref;

        @Option(names = "--yes", description = "Confirm: the volume cannot be recovered")
        boolean yes;

        @Override
        int run(Engine e, Output o) {
            if (!yes) {
                throw new InvalidInputException("purging removes the volume of '" + ref + "' for good; add --yes to confirm");
            }
            o.session(e.purge(ref));
            return 0;
        }
    }

    @Command(name = "send", description = "Send a message to a session's agent and print the reply as it streams")
    static final class Send extends EngineCommand {
        @Parameters(index = "0", paramLabel = "SESSION")
        String ref;

        @Parameters(index = "1", arity = "0..1", paramLabel = "MESSAGE",
                description = "The message, as it is (- reads it from stdin; @name is not read as a file)")
        String message;

        @Option(names = "--message-file", paramLabel = "FILE", description = "Read the message from FILE (- for stdin)")
        String messageFile;

        @Option(names = "--agent", paramLabel = "AGENT", description = "Which agent (default: the session's first)")
        String agent;

        @Override
        int run(Engine e, Output o) throws IOException {
            String text = messageText(root(), message, messageFile);
            Replies replies = new Replies(out(), o.structured());
            SendResult r;
            try {
                r = e.send(ref, agent, text, replies);
            } finally {
                replies.end(); // an error after a streamed reply starts on a line of its own
            }
            return replies.result(r, o, err());
        }
    }

    @Command(name = "messages", description = "Print a session's conversation")
    static final class Messages extends EngineCommand {
        @Parameters(paramLabel = "SESSION")
        String ref;

        @Option(names = "--after", paramLabel = "ID", description = "Only messages after this id")
        long after;

        @Option(names = "--limit", paramLabel = "N", description = "At most N messages (default 1000)")
        int limit = 1000;

        @Override
        int run(Engine e, Output o) {
            o.messages(e.messages(ref, after, null, limit), e.session(ref).parentSessionId());
            return 0;
        }
    }

    @Command(name = "events", description = "Print a session's audit trail")
    static final class Events extends EngineCommand {
        @Parameters(paramLabel = "SESSION")
        String ref;

        @Option(names = "--limit", paramLabel = "N", description = "At most N events (default and maximum 100000)")
        int limit = Engine.MAX_PAGE;

        @Option(names = "--kubernetes", description = "Only the Kubernetes Events recorded about the session's pod and "
                + "volume (Scheduled, Pulling, BackOff, FailedMount, Killing, Unhealthy...)")
        boolean kubernetes;

        @Override
        int run(Engine e, Output o) {
            var events = e.events(ref, 0, limit);
            if (kubernetes) {
                events = events.stream().filter(a -> a.detail() != null && a.detail().contains("\"source\":\"kubernetes\""))
                        .toList();
            }
            o.events(events);
            return 0;
        }
    }

    @Command(name = "logs", description = "Print an agent's log")
    static final class Logs extends EngineCommand {
        @Parameters(paramLabel = "SESSION")
        String ref;

        @Option(names = "--agent", paramLabel = "AGENT", description = "Which agent (default: the session's first)")
        String agent;

        @Option(names = {"-f", "--follow"}, description = "Keep printing new lines, across agent restarts and the "
                + "session's next pod, until interrupted or the session is paused, deleted, completed (exit 0) or fails (exit 1)")
        boolean follow;

        @Option(names = "--tail", paramLabel = "N", description = "Start with the last N lines (default: all)")
        Integer tail;

        @Option(names = "--previous", description = "The previous run's log")
        boolean previous;

        @Override
        int run(Engine e, Output o) throws InterruptedException {
            var out = out();
            if (tail != null && tail < 0) {
                throw new InvalidInputException("--tail " + tail + " is out of range; give 0 or more lines");
            }
            dev.pilothouse.session.Session session = e.session(ref);
            String id = session.id();
            // the agent followed, as the engine picks it (the lead when none is named): its removal ends the follow
            String followed = agent != null ? agent : session.agents().isEmpty() ? null : session.leadAgent().name();
            java.util.concurrent.CompletableFuture<FollowEnd> end = new java.util.concurrent.CompletableFuture<>();
            // a follow ends with the session's run: watch for it before the stream opens, so no change is missed
            Runnable unsubscribe = follow ? e.subscribe(ev -> {
                if (ev instanceof dev.pilothouse.engine.EngineEvent.SessionChanged c && c.session().id().equals(id)) {
                    FollowEnd why = FollowEnd.of(c.session(), followed);
                    if (why != null) {
                        end.complete(why);
                    }
                }
            }) : () -> { };
            try (LogSubscription sub = e.logs(ref, agent, new LogOptions(tail == null ? -1 : tail, follow, previous), lines -> {
                synchronized (out) {
                    for (LogLine l : lines) {
                        out.println(l.text());
                    }
                    out.flush();
                }
            })) {
                if (!follow) {
                    return 0;
                }
                sub.ended().whenComplete((why, t) -> end.complete(new FollowEnd("the log stream ended: "
                        + (why != null ? why : String.valueOf(t)), 1)));
                FollowEnd now = FollowEnd.of(e.session(id), followed);
                if (now != null) {
                    end.complete(now);
                }
                FollowEnd done;
                try {
                    done = end.get();
                    // the session stopped, but its agent's last lines may still be on the way (at once when not)
                    sub.drain(FollowEnd.DRAIN);
                } catch (InterruptedException stopping) {
                    // the engine running this command is stopping (engine stop, its host ended): say so, not a stack
                    Thread.currentThread().interrupt();
                    done = new FollowEnd("the engine serving this data dir stopped; run the command again to follow on", 1);
                }
                synchronized (out) {
                    out.println("--- stopped following: " + done.why() + " ---");
                    out.flush();
                }
                return done.exitCode();
            } catch (java.util.concurrent.ExecutionException x) {
                throw new IllegalStateException(x.getCause());
            } finally {
                unsubscribe.run();
            }
        }
    }

    @Command(name = "orphans", description = "List volumes in the context that belong to no session")
    static final class Orphans extends EngineCommand {
        @Override
        int run(Engine e, Output o) {
            var ids = e.orphans();
            if (o.structured()) {
                o.json(dev.pilothouse.json.Json.MAPPER.valueToTree(ids));
            } else {
                ids.forEach(o::line);
            }
            return 0;
        }
    }

    /** Prints a reply's text as it streams (table mode), and reports how it ended. */
    static final class Replies implements java.util.function.Consumer<dev.pilothouse.agent.AgentEvent> {
        private final java.io.PrintWriter out;
        private final boolean quiet;
        private boolean atLineStart = true;

        Replies(java.io.PrintWriter out, boolean quiet) {
            this.out = out;
            this.quiet = quiet;
        }

        @Override
        public void accept(dev.pilothouse.agent.AgentEvent ev) {
            if (quiet || !ev.carriesReplyText() || ev.text().isEmpty()) {
                return;
            }
            synchronized (out) {
                out.print(ev.text());
                out.flush();
                atLineStart = ev.text().endsWith("\n");
            }
        }

        void end() {
            if (!atLineStart) {
                out.println();
                out.flush();
                atLineStart = true;
            }
        }

        int result(SendResult r, Output o, java.io.PrintWriter err) {
            end();
            guardNotes(r, err);
            if (o.structured()) {
                o.json(SessionJson.toJson(r.reply()));
            }
            if (r.reply().status() == dev.pilothouse.session.Message.Status.TRUNCATED) {
                err.println("warning: " + r.reply().error());
            }
            if (r.failed()) {
                err.println("error: " + r.reply().error());
                if (r.session().state() == SessionState.ERROR) {
                    err.println("(session '" + r.session().name() + "' is now in ERROR; `pilothouse sessions retry "
                            + r.session().name() + "` starts it again)");
                }
                return 1;
            }
            return 0;
        }
    }
}
