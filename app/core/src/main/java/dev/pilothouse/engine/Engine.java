package dev.pilothouse.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.agent.AgentClient;
import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.batch.BatchRequest;
import dev.pilothouse.batch.BatchRow;
import dev.pilothouse.batch.BatchSummary;
import dev.pilothouse.errors.ConflictException;
import dev.pilothouse.errors.GuardrailException;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.errors.OperationFailedException;
import dev.pilothouse.errors.PilothouseException;
import dev.pilothouse.errors.WrongStateException;
import dev.pilothouse.guardrails.Direction;
import dev.pilothouse.guardrails.Verdict;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.AgentStatus;
import dev.pilothouse.runtime.ConnectionStatus;
import dev.pilothouse.runtime.SessionLookup;
import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.LogOptions;
import dev.pilothouse.runtime.LogSubscription;
import dev.pilothouse.runtime.RuntimeEvent;
import dev.pilothouse.runtime.SessionRuntime;
import dev.pilothouse.runtime.VolumeCopy;
import dev.pilothouse.runtime.RuntimeProvider;
import dev.pilothouse.metrics.Current;
import dev.pilothouse.metrics.MetricBucket;
import dev.pilothouse.metrics.Resolution;
import dev.pilothouse.metrics.SessionMetrics;
import dev.pilothouse.metrics.TopRow;
import dev.pilothouse.schedule.Schedule;
import dev.pilothouse.schedule.StartTimes;
import dev.pilothouse.session.AgentRequest;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.session.TimelineEntry;
import dev.pilothouse.session.TraceEvent;
import dev.pilothouse.session.Validation;
import dev.pilothouse.store.Store;
import dev.pilothouse.store.StoreTx;
import dev.pilothouse.template.SessionTemplate;
import dev.pilothouse.template.TemplateConfig;
import dev.pilothouse.template.StoredTemplate;
import dev.pilothouse.template.TemplateParser;
import dev.pilothouse.template.TemplateWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The orchestration engine: sessions, their state machine, their runtimes, their agents. The CLI
 * and the console drive it; several engines (processes) may share one data dir, coordinated
 * through the store's version checks and the owner of long work.
 *
 * <p>Every command validates first and changes nothing when it refuses. Decisions about one
 * session are serialized: operators' commands and the work queue's handlers take the session's
 * lock ({@link SessionLocks}) to read, check the state machine, write and start or stop agents,
 * so of two racing commands one goes first and the other decides on what it left. Waiting
 * (agents starting, a reply streaming) happens outside the lock as work in flight that a later
 * pause, delete or retry cancels. Runtime events, reconciles and timers go through one
 * {@link WorkQueue}: one pending entry per session or context, one handler per key at a time.
 */
public final class Engine implements EngineOperations {
    private static final Logger log = LoggerFactory.getLogger(Engine.class);
    public static final String ENGINE_ACTOR = "engine";
    /** The context of the embedded local runtime (for front ends, which never see the runtimes). */
    public static final String LOCAL_CONTEXT = RuntimeProvider.LOCAL_CONTEXT;
    private static final int CHANGE_ATTEMPTS = 8;

    private final EngineConfig config;
    private final Store store;
    private final Runtimes runtimes;
    private final AgentClient agentClient;
    private final String owner;
    private final List<Consumer<EngineEvent>> listeners;
    private final ScheduledExecutorService timers;
    private final SessionLocks locks;
    private final Lifecycle lifecycle;
    private final WorkQueue<WorkKey> queue;
    private final ChangeFeed feed;
    private final ApiTokens tokens;
    /** Each session's guardrails, shared with views: the rate buckets of a session live here. */
    private final SessionGuardrails guards;
    /** Sessions created to start later, and recurring schedules (shared with views). */
    private final ScheduledStarts scheduledStarts;
    private final Schedules schedules;
    /** The batches this engine drives (shared with views). */
    private final Batches batches;
    /** Readings of running sessions (shared with views); sampled on its own thread in background mode. */
    private final MetricsSampler sampler;
    private final ScheduledExecutorService sampling;
    /** The data dir's lock, held by the engine that opened it; null in a view ({@link #at}). */
    private final DataDirLock lock;
    /** Contexts reconciled since the engine opened (shared with views): a view reconciles a context once. */
    private final Set<String> reconciled;
    /** Sessions that appeared before their context's first reconcile was done (the root's, which handles both). */
    private final EarlyAppearances appearedEarly = new EarlyAppearances();
    /** The engines open in this process, by data dir: in-process CLI commands (tests, tools) run on them. */
    private static final Map<Path, Engine> OPEN_HERE = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile String context = LOCAL_CONTEXT;
    /** The namespace the operator chose, or null for the runtime's default (and every namespace when listing). */
    private volatile String namespace;

    private Engine(EngineConfig config, Store store, Runtimes runtimes, DataDirLock lock) {
        this.config = config;
        this.store = store;
        this.runtimes = runtimes;
        this.lock = lock;
        this.agentClient = new AgentClient();
        this.owner = Owner.open();
        this.listeners = new CopyOnWriteArrayList<>();
        this.reconciled = java.util.concurrent.ConcurrentHashMap.newKeySet();
        this.locks = new SessionLocks(Duration.ofMinutes(2));
        this.timers = Executors.newSingleThreadScheduledExecutor(daemon("engine-timers"));
        this.lifecycle = new Lifecycle(this, locks);
        this.feed = new ChangeFeed(this);
        this.tokens = new ApiTokens(store, config.clock());
        this.guards = new SessionGuardrails(config.clock());
        this.scheduledStarts = new ScheduledStarts(this, locks, lifecycle);
        this.schedules = new Schedules(this);
        this.batches = new Batches(this);
        this.sampler = new MetricsSampler(store, config.clock(), METRICS_SIZE_EVERY, runtimes::opened);
        this.sampling = Executors.newSingleThreadScheduledExecutor(daemon("engine-metrics"));
        WorkQueue.Scheduler scheduler = config.scheduler() != null ? config.scheduler()
                : WorkQueue.Scheduler.of(timers, config.clock());
        this.queue = new WorkQueue<>("engine-work", QUEUE_WORKERS, scheduler, WorkQueue.Limits.DEFAULT, this::handle);
    }

    /** A view of {@code root} with its own context and namespace; everything else is shared. */
    private Engine(Engine root, String context, String namespace) {
        this(root, context, namespace, root.config);
    }

    private Engine(Engine root, String context, String namespace, EngineConfig config) {
        this.config = config;
        this.store = root.store;
        this.runtimes = root.runtimes;
        this.lock = null;
        this.agentClient = root.agentClient;
        this.owner = root.owner;
        this.listeners = root.listeners;
        this.reconciled = root.reconciled;
        this.locks = root.locks;
        this.queue = root.queue;
        this.timers = root.timers;
        this.lifecycle = root.lifecycle;
        this.feed = root.feed;
        this.tokens = root.tokens;
        this.guards = root.guards;
        this.scheduledStarts = root.scheduledStarts;
        this.schedules = root.schedules;
        this.batches = root.batches;
        this.sampler = root.sampler;
        this.sampling = root.sampling;
        this.context = context;
        this.namespace = namespace;
    }

    /**
     * This engine as seen from another context and namespace (null: the context's default, every
     * namespace listed): what one command of many, served at once by one engine, works on. Choosing
     * a context on the view leaves this engine's own choice alone; closing a view closes nothing.
     */
    public Engine at(String ctx, String ns) {
        String c = ctx != null ? ctx : context;
        if (c.isBlank()) {
            throw new InvalidInputException("no context given; accepted: " + contexts(), "context");
        }
        SessionRuntime r = runtimes.runtime(c);
        Engine view = new Engine(this, c, ns == null ? null : Validation.namespace(ns));
        r.useNamespace(view.namespace());
        if (reconciled.add(c)) {
            view.reconcile();
        }
        return view;
    }

    /**
     * This engine acting for another actor: what the audit trail names for the changes made
     * through the view (the REST API's token name). Closing a view closes nothing.
     */
    public Engine as(String actor) {
        if (actor == null || actor.isBlank()) {
            throw new IllegalArgumentException("an actor is needed");
        }
        return new Engine(this, context, namespace, config.withActor(actor));
    }

    /** The work queue (tests look at its delayed keys). */
    WorkQueue<WorkKey> queue() {
        return queue;
    }

    /** Handlers run at once for different keys; a context reconcile does not hold up sessions' events. */
    private static final int QUEUE_WORKERS = 4;

    /** Opens the data dir's store, reconciles the local runtime, and (in background mode) starts the timers. */
    public static Engine open(EngineConfig config) {
        return open(config, new Runtimes(config.dataDir()));
    }

    public static Engine open(EngineConfig config, Runtimes runtimes) {
        DataDirLock lock = DataDirLock.tryAcquire(config.dataDir()).orElseThrow(() -> new DataDirInUseException(
                "data dir " + config.dataDir() + " is already open in another engine (the console, `pilothouse serve` "
                        + "or the background engine); one engine serves a data dir at a time"));
        Store store;
        try {
            store = Store.open(config.dataDir());
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
        Bundles.removeLeftovers(config.dataDir());
        Engine engine = new Engine(config, store, runtimes, lock);
        OPEN_HERE.put(lock.dataDir(), engine);
        try {
            runtimes.onOpen(r -> {
                r.useLookup(engine.lookup());
                r.subscribe(engine::onRuntimeEvent);
            });
            engine.feed.start();
            engine.reconcile();
            engine.sweep();
            engine.schedules.open();
            if (config.background()) {
                // from now on timers are delayed re-queues of each session's key, set whenever it changes;
                // the first ones are set on the timers' thread: reading every session with a deadline
                // took a third of opening on a cold JVM (the first command's wait, the console's start),
                // and a deadline already past fires a moment later than it would have
                engine.timers.execute(engine::scheduleAllTimersQuietly);
                engine.timers.scheduleWithFixedDelay(engine.feed::poll, config.feedInterval().toMillis(),
                        config.feedInterval().toMillis(), TimeUnit.MILLISECONDS);
                engine.batches.start(); // unfinished batches go on
                engine.sampling.scheduleWithFixedDelay(engine::sampleQuietly, 0, METRICS_INTERVAL.toMillis(),
                        TimeUnit.MILLISECONDS);
            }
        } catch (RuntimeException e) {
            // a failed open (a full disk at the first write) must not leave the store and the lock held
            try {
                engine.close();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        return engine;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    // ---- context, listeners -------------------------------------------------------------

    @Override
    public String context() {
        return context;
    }

    /** Chooses the context that names refer to and new sessions go to, in its default namespace; reconciles it. */
    @Override
    public void useContext(String c) {
        useContext(c, null);
    }

    /**
     * Chooses the context and namespace that names refer to and new sessions go to (null: the
     * context's default namespace, and sessions of every namespace listed); reconciles it.
     */
    public void useContext(String c, String ns) {
        if (c == null || c.isBlank()) {
            throw new InvalidInputException("no context given; accepted: " + contexts(), "context");
        }
        String validNs = ns == null ? null : Validation.namespace(ns);
        SessionRuntime r = runtimes.runtime(c);
        this.context = c;
        this.namespace = validNs;
        r.useNamespace(namespace());
        reconcile();
    }

    @Override
    public List<String> contexts() {
        return runtimes.contexts();
    }

    /**
     * The context of a command or request that names none: {@code local}, or the in-cluster
     * context of a server running in a pod ({@link Runtimes#defaultContext()}).
     */
    public String defaultContext() {
        return runtimes.defaultContext();
    }

    /** The contexts with what an operator needs to choose one: namespace, whether the kubeconfig marks it current. */
    public List<ContextInfo> contextDetails() {
        return runtimes.details();
    }

    /** A context as {@code pilothouse contexts} shows it. */
    public record ContextInfo(String name, String namespace, boolean kubeconfigCurrent, String cluster) {
    }

    /** Why kubeconfig contexts cannot be listed (an unreadable kubeconfig), or null. */
    public String kubeconfigProblem() {
        return runtimes.kubeconfigProblem();
    }

    /** The namespace new sessions go to: the one chosen, else the context's default. */
    @Override
    public String namespace() {
        String ns = namespace;
        return ns != null ? ns : runtime(context).defaultNamespace();
    }

    /**
     * Whether the current context can be used now: connected, or unreachable / unauthorized /
     * forbidden with the reason ({@link ConnectionStatus#describe()}). Changes arrive as
     * {@link EngineEvent.ConnectionChanged}.
     */
    public ConnectionStatus connection() {
        return runtime(context).connection();
    }

    /** The connection of any context whose runtime is open; a context not opened yet is not connected to. */
    @Override
    public ConnectionStatus connection(String ctx) {
        SessionRuntime r = runtimes.opened(ctx);
        return r == null ? new ConnectionStatus(ConnectionStatus.State.CHECKING, "not opened yet", List.of(), now())
                : r.connection();
    }

    private SessionLookup lookup() {
        return new SessionLookup() {
            @Override
            public Optional<Session> session(String id) {
                return id == null ? Optional.empty() : store.read(tx -> tx.findSession(id));
            }

            @Override
            public List<AgentDefinition> agents(String id) {
                return store.read(tx -> tx.agentSnapshots(id));
            }

            @Override
            public Set<String> namespaces(String ctx) {
                return store.read(tx -> tx.namespaces(ctx));
            }
        };
    }

    public EngineConfig config() {
        return config;
    }

    public String actor() {
        return config.actor();
    }

    @Override
    public Runnable subscribe(Consumer<EngineEvent> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    void publish(EngineEvent e) {
        if (e instanceof EngineEvent.SessionChanged c && !feed.record(c.session())) {
            return;
        }
        if (e instanceof EngineEvent.SessionChanged c) {
            scheduleTimers(c.session());
            sampler.track(c.session());
        }
        deliver(e);
    }

    /** A change another process wrote, already recorded by the feed. */
    void publishFromFeed(Session s) {
        scheduleTimers(s);
        sampler.track(s);
        deliver(new EngineEvent.SessionChanged(s));
    }

    /** Polls the change feed now (the console calls this on a timer; tests call it directly). */
    public void pollChanges() {
        feed.poll();
    }

    private void deliver(EngineEvent e) {
        for (Consumer<EngineEvent> l : listeners) {
            try {
                l.accept(e);
            } catch (RuntimeException ex) {
                log.error("engine listener failed on {}", e, ex);
            }
        }
    }

    // ---- queries ------------------------------------------------------------------------

    /** Sessions of the current context (and namespace, when one was chosen), oldest first. */
    @Override
    public List<Session> sessions(boolean includeDeleted) {
        String ns = namespace;
        List<Session> all = store.read(tx -> tx.listSessions(context, includeDeleted));
        return ns == null ? all : all.stream().filter(s -> s.namespace().equals(ns)).toList();
    }

    /**
     * A session by id, or by name in the current context: the live one, or else the newest
     * deleted one of that name.
     */
    @Override
    public Session session(String ref) {
        if (ref == null || ref.isBlank()) {
            throw new InvalidInputException("no session given; name a session by its name or id");
        }
        Optional<Session> found = Validation.isUuid(ref)
                ? store.read(tx -> tx.findSession(ref.toLowerCase()))
                : store.read(tx -> tx.findLiveSession(context, ref).or(() -> tx.findLatestByName(context, ref)));
        return found.orElseThrow(() -> new NotFoundException("no session '" + ref + "' in context '" + context
                + "'; `pilothouse sessions list` shows the sessions (add --all for deleted ones)"));
    }

    public List<Session> children(String ref) {
        Session s = session(ref);
        return store.read(tx -> tx.children(s.id()));
    }

    public List<AgentDefinition> agentDefinitions(String ref) {
        Session s = session(ref);
        return store.read(tx -> tx.agentSnapshots(s.id()));
    }

    public static final int MAX_PAGE = 100_000;

    @Override
    public List<Message> messages(String ref, long afterId, Long beforeId, int limit) {
        int n = pageSize(limit);
        Session s = session(ref);
        return store.read(tx -> tx.messages(s.id(), afterId, beforeId, n));
    }

    /** The events a reply's agent streamed, with their times (issue 15, item 4). */
    @Override
    public List<TraceEvent> trace(String ref, long replyId) {
        Session s = session(ref);
        return store.read(tx -> {
            List<Message> m = tx.messages(s.id(), replyId - 1, null, 1);
            if (m.isEmpty() || m.get(0).id() != replyId) {
                throw new NotFoundException("session '" + s.name() + "' has no message #" + replyId
                        + "; `sessions messages " + s.name() + "` lists them");
            }
            if (m.get(0).role() != Message.Role.AGENT) {
                throw new InvalidInputException("message #" + replyId + " of '" + s.name() + "' was sent to an agent, "
                        + "not a reply: a trace belongs to a reply", "message");
            }
            return tx.trace(replyId);
        });
    }

    /** Metric buckets still being filled in memory, for readers to fold in. */
    List<MetricBucket> openMetrics(String sessionId) {
        return sampler.open(sessionId);
    }

    /** Writes the open metric buckets; the history outlives this engine (a full disk only costs them). */
    private void flushMetrics() {
        try {
            sampler.flush();
        } catch (RuntimeException e) {
            log.warn("metrics of the last minutes not written: {}", e.toString());
        }
    }

    /** The session's history as one timeline, oldest first: audit trail, conversation, streamed events, metrics, log lines (issue 15, item 3). */
    @Override
    public List<TimelineEntry> timeline(String ref) {
        return Timeline.of(this, session(ref));
    }

    /** Every request to the session's agents (or one agent's) and how it went, oldest first. */
    public List<AgentRequest> requests(String ref, String agent) {
        Session s = session(ref);
        if (agent != null && s.agents().stream().noneMatch(a -> a.name().equals(agent))) {
            throw new InvalidInputException("session '" + s.name() + "' has no agent '" + agent + "'; its agents: "
                    + String.join(", ", s.agents().stream().map(SessionAgent::name).toList()), "agent");
        }
        return store.read(tx -> RequestLog.of(tx.messages(s.id(), 0, null, Integer.MAX_VALUE),
                tx.traceSummaries(s.id()), agent));
    }

    public int countMessages(String ref) {
        Session s = session(ref);
        return store.read(tx -> tx.countMessages(s.id()));
    }

    /**
     * The store's newest commit number: it grows with every write, once the write has committed.
     * Read before a listing, it tells whether the listing may since have changed.
     */
    public long commitSeq() {
        return store.commitSeq();
    }

    /** The newest change number of any session in the store (0 when none). */
    public long lastChange() {
        return store.read(StoreTx::lastChange);
    }

    /**
     * Which sessions changed after change number {@code seq}, with their version. Numbers are
     * taken when a write starts and become visible when it commits, so a reader that wants every
     * change looks back a little and drops versions it has seen.
     */
    public List<StoreTx.ChangeHead> changesSince(long seq) {
        return store.read(tx -> tx.changeHeadsSince(seq));
    }

    /** The REST API's bearer tokens. */
    public ApiTokens tokens() {
        return tokens;
    }

    @Override
    public List<AuditEvent> events(String ref, long afterId, int limit) {
        int n = pageSize(limit);
        Session s = session(ref);
        return store.read(tx -> tx.auditEvents(s.id(), afterId, n));
    }

    private static int pageSize(int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new InvalidInputException("limit " + limit + " is out of range; accepted: 1 to " + MAX_PAGE);
        }
        return limit;
    }

    /** Reads an agent's log (the session's lead agent when {@code agent} is null). */
    @Override
    public LogSubscription logs(String ref, String agent, LogOptions options, Consumer<List<LogLine>> sink) {
        Session s = session(ref);
        String name = agent == null ? s.leadAgent().name() : requireAgent(s, agent).name();
        if (s.purged()) {
            throw new WrongStateException("session '" + s.name() + "' was purged: its logs were removed with its volume");
        }
        return runtime(s).logs(s.id(), name, options, sink);
    }

    /** For people: agents the open runtimes keep started ahead of the sessions that will claim them. */
    public List<String> standby() {
        return runtimes.standby();
    }

    /** Volumes in the current context's runtime that belong to no session in the store. */
    public Set<String> orphans() {
        return orphans(context);
    }

    Set<String> orphans(String ctx) {
        Set<String> volumes = new LinkedHashSet<>(runtime(ctx).volumes());
        Set<String> known = store.read(tx -> tx.sessionIds(ctx));
        volumes.removeIf(known::contains);
        return volumes;
    }

    /** Where a session's volume is, for people (a directory, or a PVC). */
    @Override
    public String volumeLocation(Session s) {
        return runtime(s).volumeLocation(s.id());
    }

    @Override
    public String startProgress(Session s) {
        if (s.state() != SessionState.INIT || s.deleted()) {
            return null;
        }
        try {
            return runtime(s).startProgress(s.id()).orElse(null);
        } catch (RuntimeException unavailable) {
            return null; // the runtime cannot say now (an unknown context, a cluster out of reach)
        }
    }

    /** Sessions as bundle files and back: export and import (docs/traces.md). */
    public Bundles bundles() {
        return new Bundles(this);
    }

    @Override
    public void exportBundle(String ref, boolean withWorkspace, java.io.OutputStream out) {
        bundles().export(ref, withWorkspace, out);
    }

    @Override
    public Session importBundle(java.io.InputStream in, String name) {
        return bundles().importBundle(in, name);
    }

    /** A session's workspace as files: the workspace browser. */
    @Override
    public Workspaces workspaces() {
        return new Workspaces(this);
    }

    public SessionRuntime runtime(Session s) {
        return runtimes.runtime(s.context());
    }

    SessionRuntime runtime(String context) {
        return runtimes.runtime(context);
    }

    Store store() {
        return store;
    }

    /** What the store's writes have cost its committing thread since it opened (benchmarks, diagnostics). */
    public Store.CommitStats commitStats() {
        return store.commitStats();
    }

    /** H2's own figures of the store file: chunks, fill rate, pages, cache (benchmarks, diagnostics). */
    public Map<String, String> storeFileInfo() {
        return store.read(StoreTx::fileInfo);
    }

    String owner() {
        return owner;
    }

    AgentClient agentClient() {
        return agentClient;
    }

    SessionGuardrails guards() {
        return guards;
    }

    Instant now() {
        return config.clock().instant();
    }

    // ---- agent definitions ---------------------------------------------------------------

    @Override
    public List<AgentDefinition> agents(boolean includeDeleted) {
        return store.read(tx -> tx.listAgents(includeDeleted));
    }

    public AgentDefinition agent(String name) {
        return store.read(tx -> tx.findLiveAgent(name)).orElseThrow(() -> unknownAgent(name));
    }

    private InvalidInputException unknownAgent(String name) {
        List<String> known = agents(false).stream().map(AgentDefinition::name).toList();
        return new NotFoundException("no agent named '" + name + "'; registered agents: " + known
                + " (`pilothouse agents create` registers one)");
    }

    @Override
    public AgentDefinition createAgent(AgentDefinition draft) {
        AgentDefinition a = AgentDefinitions.validate(draft, now());
        return store.write(tx -> tx.insertAgent(a));
    }

    /**
     * Replaces the definition named {@code name} with an edited one (which may rename it); the old
     * version stays in the store as deleted, and sessions keep the copies they have.
     */
    @Override
    public AgentDefinition updateAgent(String name, AgentDefinition edited) {
        AgentDefinition old = agent(name);
        AgentDefinition v = AgentDefinitions.validate(edited, now());
        // in place: the id a client saved (the seed's agent_ids) still names it; sessions keep their copies
        AgentDefinition a = new AgentDefinition(old.id(), v.name(), v.image(), v.command(), v.model(), v.instructions(),
                v.env(), v.port(), v.resources(), old.createdAt(), v.updatedAt(), null, v.replyTimeoutSeconds());
        return store.write(tx -> tx.updateAgent(a));
    }

    /** Removes a definition from the registry; sessions keep their copies of it. */
    @Override
    public AgentDefinition deleteAgent(String name) {
        AgentDefinition a = agent(name);
        store.write(tx -> {
            tx.deleteAgent(a.id(), now());
            return null;
        });
        return a;
    }

    // ---- templates -----------------------------------------------------------------------

    /** A template as stored by {@link #applyTemplate}, and the agents it names that are not registered. */
    public record AppliedTemplate(StoredTemplate stored, List<String> missingAgents) {
    }

    /**
     * Checks a SessionTemplate document and stores it as the next version of its name (the text as
     * given). A template may name agents not yet registered: they are returned, to be warned about.
     */
    public AppliedTemplate applyTemplate(String yaml) {
        SessionTemplate t = TemplateParser.parse(yaml);
        StoredTemplate stored = store.write(tx -> tx.insertTemplate(t.name(), yaml, actor(), now()));
        log.info("template {} version {} applied", stored.name(), stored.version());
        return new AppliedTemplate(stored, missingAgents(t));
    }

    /** The latest version of every template. */
    public List<StoredTemplate> templates() {
        return store.read(StoreTx::listTemplates);
    }

    /** A template's latest version, or {@code version}. */
    public StoredTemplate template(String name, Integer version) {
        return store.read(tx -> tx.findTemplate(name, version)).orElseThrow(() -> {
            List<Integer> versions = store.read(tx -> tx.templateVersions(name));
            if (version != null && !versions.isEmpty()) {
                return new NotFoundException("template '" + name + "' has no version " + version + "; its versions are "
                        + versions);
            }
            return new NotFoundException("no template named '" + name + "'; templates: " + templates().stream()
                    .map(StoredTemplate::name).toList()
                    + " (`pilothouse templates apply -f FILE` stores one)");
        });
    }

    /** Deletes every version of a template (soft: the rows stay); returns the latest. */
    public StoredTemplate deleteTemplate(String name) {
        StoredTemplate t = template(name, null);
        store.write(tx -> tx.deleteTemplate(name, now()));
        log.info("template {} deleted", name);
        return t;
    }

    /** The registered agents a template names that are not (yet) defined. */
    public List<String> missingAgents(SessionTemplate t) {
        Set<String> known = new HashSet<>(agents(false).stream().map(AgentDefinition::name).toList());
        return t.agentNames().stream().filter(n -> !known.contains(n)).toList();
    }

    /**
     * A new session's request from a stored template: its agents (each must be registered), per-agent
     * config, resources, guardrails, timeouts, and prompt and metadata with {@code parameters} filled
     * in; the metadata records {@code template} and {@code template_version}. Give it to
     * {@link #create}, after overriding what the operator set otherwise.
     */
    public CreateRequest fromTemplate(String name, Integer version, Map<String, String> parameters) {
        StoredTemplate stored = template(name, version);
        SessionTemplate t = stored.template();
        TemplateParser.Resolved r = TemplateParser.resolve(t, parameters);
        List<String> missing = missingAgents(t);
        if (!missing.isEmpty()) {
            throw new InvalidInputException("template '" + name + "' names " + (missing.size() == 1 ? "an agent that is"
                    : "agents that are") + " not defined: " + String.join(", ", missing) + "; define "
                    + (missing.size() == 1 ? "it" : "each") + " first with `pilothouse agents create NAME --command "
                    + "'...'` (or --image ...), then create the session again (registered agents: "
                    + agents(false).stream().map(AgentDefinition::name).toList() + ")", "agents");
        }
        ObjectNode meta = r.metadata() == null ? Json.object()
                : (ObjectNode) Json.parse(r.metadata());
        meta.put("template", stored.name()).put("template_version", stored.version());
        Map<String, Map<String, String>> config = new LinkedHashMap<>();
        t.agents().forEach(a -> config.put(a.name(), a.config()));
        return new CreateRequest(null, null, null, t.agentNames(), r.startingPrompt(), t.waitingTimeoutSeconds(),
                t.ttlSeconds(), Json.compact(meta), t.resources(),
                t.guardrails().isEmpty() ? null : t.guardrails(), config);
    }

    /** A session from a template, with {@code given}'s non-null fields over the template's (docs/templates.md). */
    @Override
    public Started createFromTemplate(TemplateUse use, CreateRequest given, Consumer<Session> onCreated,
                                      Consumer<AgentEvent> onReply) {
        CreateRequest t = fromTemplate(use.name(), use.version(), use.parameters());
        return create(TemplateRequests.over(t, given), onCreated, onReply);
    }

    /** Session {@code ref} as a template document named {@code name} ("Save as template"); nothing is stored. */
    @Override
    public String templateOf(String ref, String name) {
        Map<String, AgentDefinition> registered = new LinkedHashMap<>();
        agents(false).forEach(a -> registered.put(a.name(), a));
        return TemplateWriter.write(name, session(ref), agentDefinitions(ref), registered);
    }

    // ---- metrics ------------------------------------------------------------------------

    /** How often running sessions are read in background mode (the console, {@code serve}). */
    public static final Duration METRICS_INTERVAL = Duration.ofSeconds(5);
    /** How often a running session's volume is walked for its size: a walk costs more than a read of /proc. */
    static final Duration METRICS_SIZE_EVERY = Duration.ofSeconds(30);
    /** How long a one-shot command ({@code sessions top} without a background engine) measures CPU over. */
    static final Duration METRICS_WINDOW = Duration.ofMillis(500);

    /** One sampling round over the running sessions of every context served; returns the readings by session id. */
    public Map<String, Current> sampleMetrics() {
        return sampler.sample(Set.copyOf(reconciled));
    }

    private void sampleQuietly() {
        try {
            sampleMetrics();
        } catch (RuntimeException e) {
            log.warn("metrics sampling failed: {}", e.toString());
        }
    }

    /**
     * The latest reading of each running session of the context; when one has no CPU figure yet
     * (never sampled, or sampled once), measures now over {@link #METRICS_WINDOW}, so CPU has two
     * readings to compare.
     */
    @Override
    public List<TopRow> top() {
        List<Session> all = sessions(false);
        Duration fresh = METRICS_INTERVAL.multipliedBy(3);
        boolean stale = all.stream().filter(MetricsSampler::running)
                .anyMatch(s -> sampler.latest(s.id(), fresh).map(c -> c.cpu() == null && c.unavailable() == null).orElse(true));
        if (stale) {
            sampleMetrics();
            java.util.concurrent.locks.LockSupport.parkNanos(METRICS_WINDOW.toNanos());
            sampleMetrics();
        }
        return store.read(tx -> all.stream().map(s -> Metrics.top(tx, s, current(s, fresh))).toList());
    }

    @Override
    public Map<String, Current> readings() {
        return sampler.fresh(METRICS_INTERVAL.multipliedBy(3));
    }

    /** A session's latest reading, history over the last {@code span} (at the finest resolution that keeps it) and activity. */
    @Override
    public SessionMetrics metrics(String ref, Duration span) {
        if (span == null || span.isNegative() || span.isZero() || span.compareTo(Resolution.TEN_MINUTES.kept()) > 0) {
            throw new InvalidInputException("a history of " + (span == null ? "nothing" : span.toSeconds() + " s")
                    + " is not kept; accepted: more than 0 s up to " + Resolution.TEN_MINUTES.kept().toDays() + " days (30d)", "since");
        }
        Session s = session(ref);
        Instant now = now();
        Current c = current(s, METRICS_INTERVAL.multipliedBy(3));
        List<MetricBucket> open = sampler.open(s.id());
        return store.read(tx -> Metrics.of(tx, s, c, Resolution.covering(span), now.minus(span), now, open));
    }

    private Current current(Session s, Duration fresh) {
        if (!MetricsSampler.running(s)) {
            return Current.none(Metrics.notRunning(s));
        }
        return sampler.latest(s.id(), fresh).orElseGet(() -> Current.none(config.background()
                ? "not sampled yet (every " + METRICS_INTERVAL.toSeconds() + " s)" : "not sampled: no engine runs in the background"));
    }

    // ---- schedules ----------------------------------------------------------------------

    /**
     * Stores a recurring schedule: a session from {@code template} (version, or null for its latest at
     * each run) with {@code parameters} each time the UNIX {@code cron} expression fires in
     * {@code timezone} (null: UTC). Everything a run needs is checked now; nothing is stored on error.
     */
    public Schedule createSchedule(String name, String template, Integer templateVersion, Map<String, String> parameters,
                                   String cron, String timezone) {
        return schedules.create(name, template, templateVersion, parameters == null ? Map.of() : parameters, cron,
                timezone, actor());
    }

    public List<Schedule> schedules() {
        return schedules.list();
    }

    public Schedule schedule(String name) {
        return schedules.get(name);
    }

    public Schedule pauseSchedule(String name) {
        return schedules.pause(name);
    }

    public Schedule resumeSchedule(String name) {
        return schedules.resume(name);
    }

    public Schedule deleteSchedule(String name) {
        return schedules.delete(name);
    }

    // ---- batches (docs/batches.md; the work is Batches') -------------------------------------

    /** Checks a batch whole, stores it and starts its first rows; nothing is stored when it is refused. */
    public BatchSummary submitBatch(BatchRequest r) {
        return batches.submit(this, r);
    }

    /** Every batch, newest first, with its rows counted by status. */
    @Override
    public List<BatchSummary> batches() {
        return batches.list();
    }

    @Override
    public BatchSummary batch(String id) {
        return batches.summary(id);
    }

    @Override
    public List<BatchRow> batchRows(String id) {
        return batches.rows(id);
    }

    @Override
    public BatchSummary cancelBatch(String id) {
        return batches.cancel(id);
    }

    @Override
    public BatchSummary resumeBatch(String id) {
        return batches.resume(id);
    }

    /** Whether a batch has rows queued or running (an engine that stops when idle waits for it). */
    public boolean batchesActive() {
        return batches.active();
    }

    // ---- commands ------------------------------------------------------------------------

    /**
     * Creates a session and starts it: INIT until every agent answers, then READY and the
     * starting prompt delivered as the first message (its reply streams to {@code onReply}).
     * A start-up failure leaves the session in ERROR with the reason; nothing is lost.
     */
    public Started create(CreateRequest r, Consumer<AgentEvent> onReply) {
        return create(r, null, onReply);
    }

    /** As {@link #create(CreateRequest, Consumer)}; {@code onCreated} hears of the session as soon as it is stored. */
    @Override
    public Started create(CreateRequest r, Consumer<Session> onCreated, Consumer<AgentEvent> onReply) {
        return create(r, onCreated, onReply, null);
    }

    /**
     * As {@link #create(CreateRequest, Consumer, Consumer)}. A request with {@code scheduledAt} stores the
     * session pending, to start then ({@link ScheduledStarts}); {@code pendingTx} (a schedule's run)
     * runs in the transaction that stores it, and allows a due time that has come already.
     */
    Started create(CreateRequest r, Consumer<Session> onCreated, Consumer<AgentEvent> onReply,
                   BiConsumer<StoreTx, Session> pendingTx) {
        if (r.scheduledAt() != null && pendingTx == null) {
            StartTimes.future(r.scheduledAt(), now(), "scheduled_at");
        }
        String ctx = r.context() == null ? context : r.context();
        SessionRuntime runtime = runtimes.runtime(ctx);
        if (r.agents() == null || r.agents().isEmpty()) {
            throw new InvalidInputException("a session needs at least one agent; give one or more agent names (registered: "
                    + agents(false).stream().map(AgentDefinition::name).toList() + ")", "agents");
        }
        List<AgentDefinition> defs = r.agentConfig() == null || r.agentConfig().isEmpty() ? resolveAgents(r.agents(), "agents")
                : resolveAgents(r.agents(), "agents").stream()
                .map(d -> TemplateConfig.apply(d, r.agentConfig().get(d.name()))).toList();
        String name = r.name() == null ? Names.generated(defs.get(0).name()) : Validation.name("session", r.name());
        List<String> guardrails = SessionGuardrails.canonical(r.guardrails());
        Instant now = now();
        Session unchecked = new Session(Validation.newId(), name, ctx,
                r.namespace() == null ? (ctx.equals(context) ? namespace() : runtime.defaultNamespace())
                        : Validation.namespace(r.namespace()),
                Validation.prompt("starting prompt", r.startingPrompt(), false, "starting_prompt"), SessionState.INIT, Phase.PENDING,
                Validation.waitingTimeout(r.waitingTimeoutSeconds() == null ? Validation.DEFAULT_WAITING_TIMEOUT : r.waitingTimeoutSeconds()),
                Validation.ttl(r.ttlSeconds() == null ? Validation.DEFAULT_TTL : r.ttlSeconds()),
                Validation.metadata(r.metadata()), sessionAgents(defs), resources(r.resources(), Resources.DEFAULT),
                guardrails, null, actor(), now, now, now, null, null, null, owner, 0);
        CheckedPrompt prompt = checkStartingPrompt(unchecked);
        Session draft = prompt.session();
        if (r.scheduledAt() != null) {
            // no owner: the engine up when it falls due claims it
            Session pending = scheduledStarts.insertPending(draft.toBuilder().scheduledAt(r.scheduledAt()).owner(null)
                    .build(), defs, actor(), prompt.verdict(), pendingTx);
            if (onCreated != null) {
                onCreated.accept(pending);
            }
            return new Started(pending, null);
        }
        InFlight.Start[] op = new InFlight.Start[1];
        Session created;
        try {
            created = locks.with(draft.id(), "creating it", () -> {
                Session c = store.write(tx -> {
                    Session inserted = tx.insertSession(draft, defs, actor(), "created by " + actor(), null);
                    SessionGuardrails.audit(tx, inserted.id(), now, actor(), prompt.verdict(), "starting prompt");
                    return inserted;
                });
                op[0] = lifecycle.beginStart(c.id());
                return c;
            });
        } catch (RuntimeException e) {
            guards.forget(draft.id());
            throw e;
        }
        publish(new EngineEvent.SessionChanged(created));
        if (onCreated != null) {
            onCreated.accept(created);
        }
        log.info("created session {} ({}) with agents {}", created.name(), created.id(), r.agents());
        Session started = lifecycle.start(created, defs, runtime, "created", op[0]);
        return deliverStartingPrompt(started, onReply, SessionGuardrails.mark(prompt.verdict()));
    }

    /** A new session whose starting prompt passed its guardrails (redacted if they say so), and their verdict. */
    private record CheckedPrompt(Session session, Verdict verdict) {
    }

    /**
     * Checks a new session's starting prompt with its guardrails before anything is stored: a prompt
     * they block or refuse refuses the create (nothing stored, nothing started); a redacted one is
     * stored and sent redacted, so the store never holds what the guardrail kept back.
     */
    private CheckedPrompt checkStartingPrompt(Session s) {
        if (s.startingPrompt().isEmpty() || s.guardrails().isEmpty()) {
            return new CheckedPrompt(s, null);
        }
        Verdict v = guards.of(s).check(Direction.TO_AGENT, s.id(),
                s.leadAgent().name(), s.startingPrompt());
        if (SessionGuardrails.turnedAway(v)) {
            guards.forget(s.id());
            GuardrailException e = SessionGuardrails.refusal(v);
            throw new GuardrailException(e.reason(), e.guardrail(), "the starting prompt was "
                    + "not accepted, and no session was created: " + e.getMessage(), e.retryAt(), e.retryAfter());
        }
        return new CheckedPrompt(s.toBuilder().startingPrompt(v.deliverable().orElseThrow()).build(), v);
    }

    /** The outcome of create and remix: the session, and the reply to its starting prompt if one was sent. */
    public record Started(Session session, SendResult firstReply) {
        public boolean failed() {
            return session.state() == SessionState.ERROR || firstReply != null && firstReply.failed();
        }
    }

    Started deliverStartingPrompt(Session s, Consumer<AgentEvent> onReply, Message.Guard mark) {
        if (s.state() != SessionState.READY || s.startingPrompt().isEmpty()) {
            return new Started(s, null);
        }
        try {
            // checked (and audited) when the session was made: sent as stored
            SendResult r = lifecycle.send(s, s.leadAgent().name(), s.startingPrompt(), "starting prompt", actor(), onReply,
                    mark, null);
            return new Started(r.session(), r);
        } catch (WrongStateException e) {
            // an operator got there first (paused or deleted it, or sent a message): the prompt is not sent
            log.info("starting prompt of session {} not sent: {}", s.name(), e.getMessage());
            return new Started(store.read(tx -> tx.findSession(s.id())).orElse(s), null);
        }
    }

    /**
     * Sends a message to one of the session's agents (its lead agent when {@code agent} is null)
     * and stores the reply. An IDLE session is resumed first. A pause, delete or retry while the
     * reply is pending cancels it: the result then holds the reply with status CANCELLED.
     */
    @Override
    public SendResult send(String ref, String agent, String text, Consumer<AgentEvent> onReply) {
        String content = Validation.prompt("message", text, true, "content");
        Session s = session(ref);
        if (lifecycle.orphaned(s)) {
            // work on it ended without being recorded (its engine died, or a write failed here): put it right first
            Session found = s;
            List<Runnable> later = new ArrayList<>();
            locks.run(found.id(), "being put right", () -> lifecycle.settle(latest(found.id()), later));
            later.forEach(Runnable::run);
            s = latest(found.id());
        }
        String target = agent == null ? s.leadAgent().name() : requireAgent(s, agent).name();
        requireUsable(s, "send a message to");
        if (s.state() != SessionState.READY && s.state() != SessionState.IDLE) {
            throw notReady(s, "send a message to");
        }
        // the guardrails first: a message they turn away reaches no agent, and resumes no session
        Verdict verdict = SessionGuardrails.check(guards.of(s),
                Direction.TO_AGENT, s.id(), target, content);
        if (SessionGuardrails.turnedAway(verdict)) {
            recordTurnedAway(s, target, verdict);
            throw SessionGuardrails.refusal(verdict);
        }
        if (verdict != null) {
            content = verdict.deliverable().orElseThrow();
        }
        if (s.state() == SessionState.IDLE) {
            try {
                s = resume(s.id());
            } catch (WrongStateException e) {
                // another command may have resumed it meanwhile: then send; otherwise say why not
                s = latest(s.id());
                if (s.state() != SessionState.READY) {
                    throw new WrongStateException("nothing was sent: " + e.getMessage());
                }
            }
        }
        if (s.state() != SessionState.READY) {
            throw notReady(s, "send a message to");
        }
        return lifecycle.send(s, target, content, "message", actor(), onReply, SessionGuardrails.mark(verdict), verdict);
    }

    /**
     * A message the guardrails turned away is kept in the conversation without any of its text
     * (status ERROR, the verdict's words as its error, the guardrail's mark) and each hit audited, so
     * that the operator sees where it was and why; the session's activity time moves (a new version).
     */
    private void recordTurnedAway(Session s, String agent, Verdict v) {
        Instant at = now();
        String words = SessionGuardrails.words(v);
        try {
            change(s.id(), actor(), "message to agent '" + agent + "' " + SessionGuardrails.mark(v).summary(),
                    cur -> cur.toBuilder().lastActivityAt(at), (tx, written) -> {
                        Message m = tx.insertMessage(new Message(0, s.id(), Message.Role.USER, agent, "",
                                Message.Status.ERROR, words, at, null, SessionGuardrails.mark(v)));
                        SessionGuardrails.audit(tx, s.id(), at, actor(), v, "message #" + m.id() + " to agent '" + agent + "'");
                    });
        } catch (RuntimeException e) {
            // the message was not sent either way; the operator hears why from the refusal
            log.warn("session {}: could not record a message the guardrails turned away: {}", s.name(), e.toString());
        }
    }

    private Session latest(String id) {
        return store.read(tx -> tx.findSession(id)).orElseThrow(() -> new NotFoundException("session " + id + " does not exist"));
    }

    /** Refuses a command on a session another live Pilothouse process is working on (starting it, or awaiting its reply). */
    private void refuseIfOwnedElsewhere(Session s, String what) {
        if (lifecycle.ownedElsewhere(s)) {
            throw new WrongStateException("cannot " + what + " session '" + s.name() + "' now: it is " + s.state()
                    + " and another Pilothouse process (pid " + s.owner().split(":")[0] + ") is "
                    + (s.state() == SessionState.BUSY ? "waiting for its reply" : "starting its agents")
                    + "; try again when that is done");
        }
    }

    /**
     * Releases the runtime of a READY session and keeps its volume: READY to IDLE. A reply still
     * pending is cancelled first (recorded as cancelled by this operator, BUSY to READY), and a
     * resume still starting is cancelled (the session stays IDLE).
     */
    @Override
    public Session pause(String ref) {
        Session s = session(ref);
        requireUsable(s, "pause");
        return locks.with(s.id(), "being paused by " + actor(), () -> {
            Session cur = lifecycle.releaseOrphaned(latest(s.id()), false);
            requireUsable(cur, "pause");
            refuseIfOwnedElsewhere(cur, "pause");
            if (cur.state() == SessionState.INIT) {
                throw notReady(cur, "pause");
            }
            Lifecycle.Ended ended = lifecycle.cancelWork(cur, actor(), "pause", false);
            cur = ended.session();
            if (cur.state() == SessionState.IDLE) {
                if (ended.cancelled()) {
                    return cur; // a resume was starting: cancelled, IDLE as asked
                }
                throw new WrongStateException("session '" + cur.name() + "' is already IDLE (paused)");
            }
            if (cur.state() != SessionState.READY) {
                throw notReady(cur, "pause");
            }
            Session paused = changeFrom(cur, actor(), "paused by " + actor(), c -> {
                requireUsable(c, "pause");
                if (c.state() != SessionState.READY) {
                    throw notReady(c, "pause");
                }
                return c.toBuilder().state(SessionState.IDLE).phase(Phase.PAUSED).owner(null)
                        .lastActivityAt(now()).terminationReason("paused by " + actor());
            });
            lifecycle.release(paused);
            return paused;
        });
    }

    /**
     * Starts an IDLE session's agents again on its volume: IDLE to READY. A pause or delete while it
     * starts cancels it: then a WrongStateException says who cancelled it.
     */
    @Override
    public Session resume(String ref) {
        Session s = session(ref);
        if (s.pendingStart()) {
            return scheduledStarts.startNow(s, actor()); // waiting for its scheduled time: started now
        }
        requireUsable(s, "resume");
        InFlight.Start[] op = new InFlight.Start[1];
        Session starting = locks.with(s.id(), "being resumed by " + actor(), () -> {
            Session cur = lifecycle.releaseOrphaned(latest(s.id()), false);
            requireUsable(cur, "resume");
            if (cur.state() != SessionState.IDLE) {
                throw new WrongStateException("session '" + cur.name() + "' is " + cur.state()
                        + "; only an IDLE session can be resumed" + (cur.state() == SessionState.ERROR
                        ? " (use retry for a session in ERROR)" : ""));
            }
            if (cur.owner() != null) {
                throw new WrongStateException("session '" + cur.name() + "' is being resumed by "
                        + (lifecycle.ownedHere(cur) ? "another command" : "another Pilothouse process (pid "
                        + cur.owner().split(":")[0] + ")") + "; try again when it is READY");
            }
            Session w = changeFrom(cur, actor(), "resume requested by " + actor(), c -> {
                requireUsable(c, "resume");
                if (c.state() != SessionState.IDLE || c.owner() != null) {
                    throw new WrongStateException("session '" + c.name() + "' is " + c.state()
                            + "; only an IDLE session can be resumed");
                }
                return c.toBuilder().phase(Phase.INITIALIZING).owner(owner).lastActivityAt(now());
            });
            op[0] = lifecycle.beginStart(w.id());
            return w;
        });
        Session after = lifecycle.start(starting, null, runtime(starting), "resumed", op[0]);
        InFlight.Cancel cancelled = op[0].cancelled();
        if (cancelled != null) {
            throw new WrongStateException("resuming session '" + after.name() + "' was cancelled by " + cancelled.actor()
                    + " (" + cancelled.why() + "); it is " + after.state() + (after.deleted() ? " and deleted" : ""));
        }
        return after;
    }

    /**
     * Starts a session in ERROR again from scratch: ERROR to INIT to READY. On a BUSY session it
     * cancels the pending reply (recorded as cancelled by this operator) and restarts its agents;
     * the session stays BUSY until they answer, then READY.
     */
    @Override
    public Session retry(String ref) {
        Session s = session(ref);
        requireUsable(s, "retry");
        InFlight.Start[] op = new InFlight.Start[1];
        Session starting = locks.with(s.id(), "being retried by " + actor(), () -> {
            Session cur = lifecycle.releaseOrphaned(latest(s.id()), true);
            requireUsable(cur, "retry");
            refuseIfOwnedElsewhere(cur, "retry");
            if (cur.state() == SessionState.BUSY) {
                cur = lifecycle.cancelWork(cur, actor(), "retry", true).session();
                if (cur.state() == SessionState.BUSY && lifecycle.ownedHere(cur)) {
                    runtime(cur).stop(cur.id());
                    Session w = changeFrom(cur, actor(), "retry by " + actor() + ": agents restarted", c ->
                            c.state() == SessionState.BUSY && lifecycle.ownedHere(c)
                                    ? c.toBuilder().phase(Phase.INITIALIZING).lastActivityAt(now()) : null);
                    op[0] = lifecycle.beginStart(w.id());
                    return w;
                }
            }
            if (cur.state() != SessionState.ERROR) {
                throw new WrongStateException("session '" + cur.name() + "' is " + cur.state()
                        + "; only a session in ERROR (or BUSY with a reply pending) can be retried");
            }
            Session w = changeFrom(cur, actor(), "retry by " + actor(), c -> {
                requireUsable(c, "retry");
                if (c.state() != SessionState.ERROR) {
                    throw new WrongStateException("session '" + c.name() + "' is " + c.state()
                            + "; only a session in ERROR can be retried");
                }
                // the failure it retries is over: its reason stays in the audit trail, not on the session
                return c.toBuilder().state(SessionState.INIT).phase(Phase.INITIALIZING).owner(owner).terminationReason(null)
                        .lastActivityAt(now());
            });
            runtime(w).stop(w.id());
            op[0] = lifecycle.beginStart(w.id());
            return w;
        });
        Optional<Lifecycle.PendingCopy> copy = starting.state() == SessionState.INIT ? lifecycle.pendingCopy(starting)
                : Optional.empty();
        if (copy.isPresent()) {
            // a remix whose copy never completed: copied again first, never started on half a workspace
            starting = lifecycle.redoCopy(starting, copy.get(), op[0]);
            if (starting.state() == SessionState.ERROR) {
                return starting;
            }
        }
        return lifecycle.start(starting, null, runtime(starting), "retried", op[0]);
    }

    /**
     * Changes a session's name, waiting timeout, TTL, metadata, cpu and memory (applied at its next
     * start) or agents ({@link AgentSetChange}: on a READY session at once). With {@code expectedVersion},
     * the change applies only to that version (the console's edit form); otherwise to the latest.
     */
    @Override
    public Session update(String ref, UpdateRequest u, Long expectedVersion) {
        if (u.empty()) {
            throw new InvalidInputException("nothing to update; give a new name, waiting timeout, TTL, metadata, "
                    + "cpu, memory, or agents to add or remove");
        }
        Resources res = SessionResources.change(u.resources());
        String name = u.name() == null ? null : Validation.name("session", u.name());
        Integer waiting = u.waitingTimeoutSeconds() == null ? null : Validation.waitingTimeout(u.waitingTimeoutSeconds());
        Long ttl = u.ttlSeconds() == null ? null : Validation.ttl(u.ttlSeconds());
        String replaced = u.metadata() == null ? null : Validation.metadata(u.metadata());
        Map<String, JsonNode> set = Names.parseMetadataValues(u.setMetadata());
        Session s = session(ref);
        if (s.deleted()) {
            throw new WrongStateException("session '" + s.name() + "' is deleted; deleted sessions cannot be changed");
        }
        Function<Session, Session.Builder> edit = cur -> {
            if (cur.deleted()) {
                throw new WrongStateException("session '" + cur.name() + "' is deleted; deleted sessions cannot be changed");
            }
            if (expectedVersion != null && cur.version() != expectedVersion) {
                throw new ConflictException("session '" + cur.name() + "' changed since you opened it (now version "
                        + cur.version() + ", yours " + expectedVersion + "); nothing was written: reload and edit again");
            }
            ObjectNode meta = (ObjectNode) Json.parse(replaced != null ? replaced : cur.metadata());
            set.forEach(meta::set);
            u.removeMetadata().forEach(meta::remove);
            Session.Builder b = cur.toBuilder().metadata(Validation.metadata(meta)).lastActivityAt(now());
            if (name != null) {
                b.name(name);
            }
            if (waiting != null) {
                b.waitingTimeoutSeconds(waiting);
            }
            if (ttl != null) {
                b.ttlSeconds(ttl);
            }
            if (res != null) {
                b.resources(SessionResources.apply(cur.resources(), res));
            }
            return b;
        };
        if (u.changesAgents()) {
            return new AgentSetChange(this, locks, lifecycle).apply(s, u, edit);
        }
        // an update that changes nothing writes nothing: a new version would fail others' If-Match for no reason
        Function<Session, Session.Builder> unlessSame = cur -> {
            Session.Builder b = edit.apply(cur);
            Session next = b.build();
            return next.equals(cur.toBuilder().lastActivityAt(next.lastActivityAt()).build()) ? null : b;
        };
        return locks.with(s.id(), "being updated by " + actor(), () -> {
            if (expectedVersion == null) {
                return change(s.id(), actor(), "updated by " + actor(), unlessSame);
            }
            Session cur = latest(s.id());
            Session.Builder b = unlessSame.apply(cur);
            return b == null ? cur : save(cur, b, actor(), "updated by " + actor());
        });
    }

    /**
     * Soft delete: stops the runtime, keeps the row, history, audit trail and volume. A reply still
     * pending is cancelled first (recorded as cancelled by this operator), and a resume still
     * starting is cancelled; a session still being created (INIT) is refused.
     */
    @Override
    public Session delete(String ref) {
        return delete(ref, null);
    }

    /** As {@link #delete(String)}; with {@code expectedVersion}, only if the session is still at that version. */
    public Session delete(String ref, Long expectedVersion) {
        Session s = session(ref);
        if (s.deleted()) {
            throw new WrongStateException("session '" + s.name() + "' is already deleted");
        }
        return locks.with(s.id(), "being deleted by " + actor(), () -> {
            Session cur = latest(s.id());
            if (cur.deleted()) {
                throw new WrongStateException("session '" + cur.name() + "' is already deleted");
            }
            if (expectedVersion != null && cur.version() != expectedVersion) {
                throw new ConflictException("session '" + cur.name() + "' changed since version " + expectedVersion
                        + " (now version " + cur.version() + "); it was not deleted");
            }
            if (cur.pendingStart()) {
                return scheduledStarts.cancel(cur, actor()); // not started yet: its start is cancelled
            }
            cur = cur.owner() != null ? lifecycle.releaseOrphaned(cur, false) : lifecycle.settle(cur, null);
            refuseIfOwnedElsewhere(cur, "delete");
            if (cur.state() == SessionState.INIT) {
                throw new WrongStateException("session '" + cur.name() + "' is INIT (starting); delete it when that is done");
            }
            cur = lifecycle.cancelWork(cur, actor(), "delete", false).session();
            Session deleted = change(cur.id(), actor(), "deleted by " + actor(), c -> {
                if (c.deleted()) {
                    throw new WrongStateException("session '" + c.name() + "' is already deleted");
                }
                if (c.state() == SessionState.INIT || c.state() == SessionState.BUSY) {
                    throw new WrongStateException("session '" + c.name() + "' is " + c.state() + " ("
                            + (c.state() == SessionState.INIT ? "starting" : "processing a message")
                            + "); delete it when that is done");
                }
                Session.Builder b = c.toBuilder().deletedAt(now()).owner(null);
                if (c.state() == SessionState.READY) {
                    b.state(SessionState.IDLE).terminationReason("deleted by " + actor());
                }
                if (!c.completed() && c.phase() != Phase.FAILED) {
                    b.phase(Phase.PAUSED);
                }
                return b;
            });
            lifecycle.release(deleted);
            guards.forget(deleted.id());
            return deleted;
        });
    }

    /** Removes a deleted session's volume for good. The row and its history stay. */
    @Override
    public Session purge(String ref) {
        Session s = session(ref);
        if (!s.deleted()) {
            throw new WrongStateException("session '" + s.name() + "' is not deleted; only a deleted session's volume "
                    + "can be purged (delete it first)");
        }
        if (s.purged()) {
            throw new WrongStateException("session '" + s.name() + "' was already purged at " + s.purgedAt());
        }
        return locks.with(s.id(), "being purged by " + actor(), () -> {
            Session cur = latest(s.id());
            if (cur.purged()) {
                throw new WrongStateException("session '" + cur.name() + "' was already purged at " + cur.purgedAt());
            }
            runtime(cur).purgeVolume(cur.id());
            guards.forget(cur.id());
            sampler.forget(cur.id());
            store.write(tx -> tx.metrics().delete(cur.id()));
            return change(cur.id(), actor(), "volume purged by " + actor(), c -> {
                if (c.purged()) {
                    throw new WrongStateException("session '" + c.name() + "' was already purged");
                }
                return c.toBuilder().purgedAt(now());
            });
        });
    }

    /**
     * A new session branched from a parent: the parent's configuration with the request's
     * overrides, its workspace (and conversation) copied, then started like a new session.
     */
    public Started remix(String parentRef, RemixRequest r, Consumer<AgentEvent> onReply) {
        return remix(parentRef, r, null, onReply);
    }

    /** As {@link #remix(String, RemixRequest, Consumer)}; {@code onCreated} hears of the child as soon as it is stored. */
    @Override
    public Started remix(String parentRef, RemixRequest r, Consumer<Session> onCreated, Consumer<AgentEvent> onReply) {
        Session found = session(parentRef);
        List<Runnable> later = new ArrayList<>();
        locks.run(found.id(), "being remixed", () -> lifecycle.settle(latest(found.id()), later));
        later.forEach(Runnable::run);
        Session parent = latest(found.id());
        if (parent.purged()) {
            throw new WrongStateException("session '" + parent.name() + "' was purged: its volume is gone, so it cannot "
                    + "be remixed");
        }
        if (parent.state() == SessionState.INIT || parent.state() == SessionState.BUSY) {
            throw new WrongStateException("session '" + parent.name() + "' is " + parent.state()
                    + "; remix it when it has finished " + (parent.state() == SessionState.INIT ? "starting" : "its reply"));
        }
        List<AgentDefinition> defs = remixAgents(parent, r);
        String name = r.name() != null ? Validation.name("session", r.name())
                : Names.remixName(parent.name(), n -> store.read(tx -> tx.findLiveSession(parent.context(), n)).isPresent());
        Instant now = now();
        Session unchecked = new Session(Validation.newId(), name, parent.context(), parent.namespace(),
                // with the conversation copied, the parent's prompt and its reply are already there: not run again
                r.startingPrompt() == null ? (r.copyConversation() ? "" : parent.startingPrompt())
                        : Validation.prompt("starting prompt", r.startingPrompt(), false, "starting_prompt"),
                SessionState.INIT, Phase.PENDING,
                r.waitingTimeoutSeconds() == null ? parent.waitingTimeoutSeconds() : Validation.waitingTimeout(r.waitingTimeoutSeconds()),
                r.ttlSeconds() == null ? parent.ttlSeconds() : Validation.ttl(r.ttlSeconds()),
                r.metadata() == null ? parent.metadata() : Validation.metadata(r.metadata()),
                sessionAgents(defs), resources(r.resources(), parent.resources()),
                r.guardrails() == null ? parent.guardrails() : SessionGuardrails.canonical(r.guardrails()), parent.id(),
                actor(), now, now, now, null, null, null, owner, 0);
        // the child has its parent's guardrails (or those given): its starting prompt passes them as a new session's does
        CheckedPrompt prompt = checkStartingPrompt(unchecked);
        Session draft = prompt.session();
        ObjectNode detail = Json.object().put("parent_session_id", parent.id()).put("parent_name", parent.name())
                .put("copy_workspace", r.copyWorkspace()).put("copy_conversation", r.copyConversation());
        InFlight.Start[] op = new InFlight.Start[1];
        Session child = locks.with(draft.id(), "being created by remix", () -> {
            Session c = store.write(tx -> {
                Session inserted = tx.insertSession(draft, defs, actor(), "remixed from '" + parent.name() + "' by " + actor(), detail);
                SessionGuardrails.audit(tx, inserted.id(), now, actor(), prompt.verdict(), "starting prompt");
                tx.audit(parent.id(), now, actor(), AuditEvent.REMIXED, null, null, "remixed into '" + name + "'",
                        Json.object().put("child_session_id", inserted.id()).put("child_name", name));
                return inserted;
            });
            op[0] = lifecycle.beginStart(c.id());
            return c;
        });
        publish(new EngineEvent.SessionChanged(child));
        if (onCreated != null) {
            onCreated.accept(child);
        }
        Session copied = lifecycle.copyVolume(parent, child, new VolumeCopy(r.copyWorkspace(), r.copyConversation()), op[0]);
        if (copied.state() == SessionState.ERROR) {
            return new Started(copied, null);
        }
        Session started = lifecycle.start(copied, defs, runtime(copied), "remixed", op[0]);
        return deliverStartingPrompt(started, onReply, SessionGuardrails.mark(prompt.verdict()));
    }

    private List<AgentDefinition> remixAgents(Session parent, RemixRequest r) {
        List<AgentDefinition> defs = new ArrayList<>(r.agents() != null ? resolveAgents(r.agents(), "agents")
                : store.read(tx -> tx.agentSnapshots(parent.id())));
        for (String remove : r.removeAgents()) {
            if (!defs.removeIf(d -> d.name().equals(remove))) {
                throw new InvalidInputException("cannot remove agent '" + remove + "': session '" + parent.name()
                        + "' has agents " + defs.stream().map(AgentDefinition::name).toList(), "remove_agents");
            }
        }
        for (AgentDefinition add : resolveAgents(r.addAgents(), "additional_agents")) {
            if (defs.stream().anyMatch(d -> d.name().equals(add.name()))) {
                throw new InvalidInputException("agent '" + add.name() + "' is already in the remix; each agent once", "additional_agents");
            }
            defs.add(add);
        }
        if (defs.isEmpty()) {
            throw new InvalidInputException("a session needs at least one agent; the remix would have none", "agents");
        }
        return defs;
    }

    // ---- timers and reconciliation ---------------------------------------------------------

    /**
     * Applies the waiting timeout (READY to IDLE) and the TTL (completed, runtime cleaned up) to
     * every session due at the clock's current time, through the work queue, and returns when they
     * are done. Runs when the engine opens (and whenever a caller wants a look now); afterwards, in
     * background mode, each session's next deadline is a delayed re-queue of its key.
     */
    public void sweep() {
        Instant now = now();
        List<CompletableFuture<Object>> runs = new ArrayList<>();
        for (Session s : store.read(tx -> tx.dueSessions(now))) {
            runs.add(queue.request(new WorkKey.OfSession(s.id())));
        }
        for (CompletableFuture<Object> run : runs) {
            try {
                run.join();
            } catch (CompletionException | CancellationException e) {
                log.debug("a due session could not be looked at now ({}); it is retried", e.getMessage());
            }
        }
    }

    /**
     * Compares the store with what the current context's runtime really has: adopts live agents,
     * reconciles dead ones, finishes work whose engine died, reports orphans. Never loses a session.
     * Reconciles of one context never overlap: one requested while another runs is done once more
     * after it (however many were requested meanwhile), and this call returns that run's report.
     */
    public ReconcileReport reconcile() {
        reconciled.add(context);
        return reconcile(context);
    }

    ReconcileReport reconcile(String ctx) {
        try {
            return (ReconcileReport) queue.request(new WorkKey.OfContext(ctx)).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new OperationFailedException("reconciling context '" + ctx + "' failed: " + e.getCause(), e.getCause());
        } catch (CancellationException e) {
            throw new OperationFailedException("the engine is closing; context '" + ctx + "' was not reconciled", e);
        }
    }

    /** What a reconciliation found. */
    public record ReconcileReport(List<String> adopted, List<String> changed, Set<String> orphans) {
    }

    /** The work queue's handler: one session, or one context. */
    private WorkQueue.Result handle(WorkKey key) {
        if (key instanceof WorkKey.OfContext c) {
            ReconcileReport report = lifecycle.reconcile(c.context());
            Set<String> early = appearedEarly.settle(c.context());
            if (!early.isEmpty()) {
                // what the reconcile did not adopt (made after its look) is adopted as any appearance
                store.read(tx -> early.stream().filter(id -> tx.sessionVersion(id).isEmpty()).toList())
                        .forEach(id -> queue.add(new WorkKey.OfAppeared(c.context(), id)));
            }
            return WorkQueue.Result.done(report);
        }
        if (key instanceof WorkKey.OfAppeared a) {
            if (lifecycle.adoptAppeared(a.context(), a.id()) != null) {
                queue.add(new WorkKey.OfSession(a.id()));
            }
            return WorkQueue.Result.done();
        }
        if (key instanceof WorkKey.OfSchedule sc) {
            Duration until = schedules.run(sc.id());
            return until == null ? WorkQueue.Result.done() : WorkQueue.Result.done().andAfter(until);
        }
        String id = ((WorkKey.OfSession) key).id();
        Session s = lifecycle.reconcileSession(id);
        if (s != null && s.pendingStart()) {
            s = scheduledStarts.fireIfDue(s);
        }
        Duration next = s == null ? null : untilNextTimer(s);
        return next == null ? WorkQueue.Result.done() : WorkQueue.Result.done().andAfter(next);
    }

    /** Runtime events name a session (or a context): its key goes in the queue; a burst of them is one look. */
    private void onRuntimeEvent(RuntimeEvent e) {
        if (e instanceof RuntimeEvent.ConnectionChanged c) {
            deliver(new EngineEvent.ConnectionChanged(c.context(), c.status()));
            if (c.status().connected() && c.context().equals(context)) {
                // back (or newly allowed): level-triggered, look at everything again
                queue.add(new WorkKey.OfContext(c.context()));
            }
            return;
        }
        if (e instanceof RuntimeEvent.Appeared a) {
            // maybe created on another workstation: adopted now (the store is asked on the queue's thread), or
            // by the context's first reconcile if it is not done yet
            if (!appearedEarly.hold(a.context(), a.sessionId())) {
                queue.add(new WorkKey.OfAppeared(a.context(), a.sessionId()));
            }
            return;
        }
        if (e instanceof RuntimeEvent.Observed o) {
            // a fact for the audit trail (a container restarted, a Kubernetes Event), not a change to settle
            timers.execute(() -> record(o));
            return;
        }
        if (e.sessionId() != null) {
            queue.add(new WorkKey.OfSession(e.sessionId()));
        }
    }

    /**
     * How long until the session's next timer (waiting timeout of a READY session, TTL of a live
     * one) falls due, in background mode; null when it has none or timers do not run here.
     */
    private Duration untilNextTimer(Session s) {
        if (!config.background() || s.deleted()) {
            return null;
        }
        Instant next = s.pendingStart() ? s.scheduledAt() : null;
        if (s.state() == SessionState.READY && s.idleDeadline() != null) {
            next = s.idleDeadline();
        }
        if (!s.completed() && s.ttlDeadline() != null && (next == null || s.ttlDeadline().isBefore(next))) {
            next = s.ttlDeadline();
        }
        if (next == null) {
            return null;
        }
        Duration d = Duration.between(now(), next);
        return d.isNegative() ? Duration.ZERO : d;
    }

    private void scheduleTimers(Session s) {
        Duration d = untilNextTimer(s);
        if (d != null) {
            queue.addAfter(new WorkKey.OfSession(s.id()), d);
        }
    }

    private void scheduleAllTimersQuietly() {
        try {
            for (Session s : store.read(tx -> tx.dueSessions(now().plus(Duration.ofDays(36_500))))) {
                scheduleTimers(s);
            }
        } catch (RuntimeException e) {
            if (!closed.get()) {
                log.warn("setting the timers of every session failed: {}", e.toString());
            }
        }
    }

    /**
     * Has the session's handler look at it shortly: after work on it ended without its record being
     * written (a full disk), the handler settles it, retrying with backoff until the store writes.
     */
    void settleSoon(String sessionId) {
        queue.addAfter(new WorkKey.OfSession(sessionId), Duration.ofSeconds(1));
    }

    /**
     * The deadline of a start: if the start's thread is gone by then (the session still owned here
     * with nothing in flight), the session's handler settles it as interrupted work.
     */
    void startDeadline(String sessionId) {
        queue.addAfter(new WorkKey.OfSession(sessionId), config.startTimeout().plusSeconds(10));
    }

    /**
     * Writes what the runtime observed into the session's audit trail; the session is published
     * again (unchanged) so that views of its history load the new row.
     */
    private void record(RuntimeEvent.Observed o) {
        try {
            Optional<Session> s = store.read(tx -> tx.findSession(o.sessionId()));
            if (s.isEmpty()) {
                return;
            }
            ObjectNode detail = Json.object();
            o.detail().forEach(detail::put);
            if (o.once() != null) {
                detail.put("observed", o.once());
            }
            String once = o.once() == null ? null : Json.compact(Json.object().put("observed", o.once()));
            boolean recorded = store.write(tx -> {
                if (once != null && tx.auditEvents(o.sessionId(), 0, MAX_PAGE).stream().anyMatch(a ->
                        AuditEvent.RUNTIME.equals(a.kind()) && a.detail() != null
                                && a.detail().contains(once.substring(1, once.length() - 1)))) {
                    // an engine before this one (or this one, before a restart) recorded it
                    return false;
                }
                tx.audit(o.sessionId(), o.at() != null ? o.at() : now(), ENGINE_ACTOR, AuditEvent.RUNTIME, null, null,
                        o.what(), detail.isEmpty() ? null : detail);
                return true;
            });
            if (!recorded) {
                return;
            }
            // delivered as is: the feed would drop a version already published, and views must reload the history
            deliver(new EngineEvent.SessionChanged(store.read(tx -> tx.findSession(o.sessionId())).orElse(s.get())));
        } catch (RuntimeException ex) {
            log.warn("could not record what the runtime saw of session {} ({}): {}", o.sessionId(), o.what(), ex.toString());
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    /**
     * Reads the latest version, applies {@code edit}, and writes it; when another writer got there
     * first, reads again and re-applies the edit, whose checks then see the other write.
     */
    Session change(String id, String actor, String reason, Function<Session, Session.Builder> edit) {
        return change(id, actor, reason, edit, null);
    }

    Session change(String id, String actor, String reason, Function<Session, Session.Builder> edit,
                   BiConsumer<StoreTx, Session> alsoInTx) {
        ConflictException last = null;
        for (int attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
            Session cur = store.read(tx -> tx.findSession(id))
                    .orElseThrow(() -> new NotFoundException("session " + id + " does not exist"));
            Session.Builder b = edit.apply(cur);
            if (b == null) {
                return cur;
            }
            Session next = b.updatedAt(now()).build();
            try {
                Session saved = store.write(tx -> {
                    Session written = tx.saveSession(cur, next, actor, reason);
                    if (alsoInTx != null) {
                        alsoInTx.accept(tx, written);
                    }
                    return written;
                });
                publish(new EngineEvent.SessionChanged(saved));
                return saved;
            } catch (ConflictException e) {
                last = e;
            }
        }
        throw last;
    }

    /**
     * Applies {@code edit} to a version this engine has just read or written, saving a re-read;
     * if another writer got there first (or the edit declines on that version), falls back to
     * {@link #change} on the latest.
     */
    Session changeFrom(Session known, String actor, String reason, Function<Session, Session.Builder> edit) {
        Session.Builder b = edit.apply(known);
        if (b != null) {
            try {
                return save(known, b, actor, reason);
            } catch (ConflictException e) {
                // someone else wrote meanwhile: decide again on the latest version
            }
        }
        return change(known.id(), actor, reason, edit);
    }

    private Session save(Session before, Session.Builder edit, String actor, String reason) {
        Session saved = store.write(tx -> tx.saveSession(before, edit.updatedAt(now()).build(), actor, reason));
        publish(new EngineEvent.SessionChanged(saved));
        return saved;
    }

    /** @param field the input field the names came from, named by an error */
    private List<AgentDefinition> resolveAgents(List<String> names, String field) {
        List<AgentDefinition> out = new ArrayList<>();
        for (String n : names) {
            AgentDefinition a = agent(n);
            if (out.stream().anyMatch(d -> d.name().equals(n))) {
                throw new InvalidInputException("agent '" + n + "' is given twice; each agent once per session", field);
            }
            out.add(a);
        }
        return out;
    }

    private static List<SessionAgent> sessionAgents(List<AgentDefinition> defs) {
        return defs.stream().map(d -> new SessionAgent(d.id(), d.name(), d.model(), d.image())).toList();
    }

    private static Resources resources(Resources given, Resources defaults) {
        return given == null ? defaults : Validation.resources(given).withDefaults(defaults);
    }

    static SessionAgent requireAgent(Session s, String agent) {
        return s.agents().stream().filter(a -> a.name().equals(agent)).findFirst()
                .orElseThrow(() -> new InvalidInputException("session '" + s.name() + "' has no agent '" + agent
                        + "'; its agents: " + s.agents().stream().map(SessionAgent::name).toList(), "agent"));
    }

    /** Refuses work on a deleted or completed session, saying what can be done instead. */
    static void requireUsable(Session s, String what) {
        if (s.deleted()) {
            throw new WrongStateException("cannot " + what + " session '" + s.name() + "': it is deleted");
        }
        if (s.completed()) {
            throw new WrongStateException("cannot " + what + " session '" + s.name() + "': it is completed ("
                    + s.terminationReason() + "); remix it to continue its work");
        }
    }

    static WrongStateException notReady(Session s, String what) {
        String why = switch (s.state()) {
            case INIT -> "it is still starting (INIT)";
            case BUSY -> "it is BUSY processing a message; wait for the reply";
            case ERROR -> "it is in ERROR (" + s.terminationReason() + "); `pilothouse sessions retry " + s.name()
                    + "` starts it again";
            case IDLE -> "it is IDLE; resume it first";
            case READY -> "it is READY";
        };
        return new WrongStateException("cannot " + what + " session '" + s.name() + "': " + why);
    }

    @Override
    public void close() {
        if (lock == null || !closed.compareAndSet(false, true)) {
            return; // a view (the engine it looks through stays open), or closed already
        }
        // each step runs even if one before it throws (a full disk): a half-closed engine must not stay
        // registered for the next command in this process
        try {
            batches.close();
            queue.shutDown(Duration.ofSeconds(10));
            timers.shutdownNow();
            sampling.shutdownNow();
            flushMetrics();
            Owner.close(owner);
            runtimes.close();
        } finally {
            try {
                store.close(); // throws when the last write failed
            } finally {
                OPEN_HERE.remove(lock.dataDir(), this);
                lock.close();
            }
        }
    }

    /** The engine open in this process on {@code dataDir}, if any. */
    public static Optional<Engine> openInThisProcess(Path dataDir) {
        return Optional.ofNullable(OPEN_HERE.get(dataDir.toAbsolutePath().normalize()));
    }

    /** Whether the data dir this engine locked is still there (not deleted or replaced under it). */
    public boolean dataDirIntact() {
        return lock == null || lock.intact();
    }
}
