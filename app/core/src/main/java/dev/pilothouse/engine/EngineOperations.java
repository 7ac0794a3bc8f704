package dev.pilothouse.engine;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.batch.BatchRow;
import dev.pilothouse.batch.BatchSummary;
import dev.pilothouse.runtime.ConnectionStatus;
import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.LogOptions;
import dev.pilothouse.runtime.LogSubscription;
import dev.pilothouse.metrics.SessionMetrics;
import dev.pilothouse.metrics.TopRow;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.TimelineEntry;
import dev.pilothouse.session.TraceEvent;
import dev.pilothouse.template.StoredTemplate;

import java.util.List;
import java.util.function.Consumer;

/**
 * What an operator does with a data dir's engine, whether it runs in this process ({@link Engine})
 * or in {@code pilothouse serve} beside it, reached over the REST API. The console works through
 * this alone, so it runs the same against either. Methods behave as {@link Engine}'s of the same name.
 */
public interface EngineOperations extends AutoCloseable {

    /** The context sessions are listed in and created in. */
    String context();

    /** Lists and creates in {@code context} from now on; an unknown context is refused. */
    void useContext(String context);

    List<String> contexts();

    /** The namespace new sessions go to in the context in use when none is given (kubernetes.yaml's, else the kubeconfig's). */
    String namespace();

    ConnectionStatus connection(String context);

    /** Delivers session changes (and, where known, streamed replies and notices); returns the way to stop. */
    Runnable subscribe(Consumer<EngineEvent> listener);

    List<Session> sessions(boolean includeDeleted);

    Session session(String ref);

    List<Message> messages(String ref, long afterId, Long beforeId, int limit);

    List<AuditEvent> events(String ref, long afterId, int limit);

    /** The events a reply's agent streamed, with their times; empty for a reply stored before traces were kept. */
    List<TraceEvent> trace(String ref, long replyId);

    /** The session's history as one timeline, oldest first: audit trail, conversation, streamed events, metrics, log lines. */
    List<TimelineEntry> timeline(String ref);

    /** The latest reading of each session of the context, with its activity: {@code sessions top}. */
    List<TopRow> top();

    /**
     * The latest reading of every running session sampled lately, by session id, without activity:
     * cheap enough to poll every few seconds (the console's CPU and memory columns).
     */
    java.util.Map<String, dev.pilothouse.metrics.Current> readings();

    /** A session's latest reading, its history over the last {@code span}, and its activity. */
    SessionMetrics metrics(String ref, java.time.Duration span);

    LogSubscription logs(String ref, String agent, LogOptions options, Consumer<List<LogLine>> sink);

    /** Where a session's volume is, for people (a directory, or a PVC). */
    String volumeLocation(Session s);

    /**
     * What a starting session waits for before its agents run, for people ({@code pulling image
     * "x" (45 s)}); null when it is not starting or its runtime cannot tell.
     */
    String startProgress(Session s);

    List<AgentDefinition> agents(boolean includeDeleted);

    AgentDefinition createAgent(AgentDefinition draft);

    AgentDefinition updateAgent(String name, AgentDefinition edited);

    AgentDefinition deleteAgent(String name);

    Engine.Started create(CreateRequest r, Consumer<Session> onCreated, Consumer<AgentEvent> onReply);

    Engine.Started remix(String parentRef, RemixRequest r, Consumer<Session> onCreated, Consumer<AgentEvent> onReply);

    SendResult send(String ref, String agent, String text, Consumer<AgentEvent> onReply);

    Session pause(String ref);

    Session resume(String ref);

    Session retry(String ref);

    Session update(String ref, UpdateRequest u, Long expectedVersion);

    Session delete(String ref);

    Session purge(String ref);

    /** A session's workspace as files: the workspace browser (docs/workspace.md). */
    WorkspaceOperations workspaces();

    /**
     * Writes session {@code ref} to {@code out} as one bundle file: its spec, conversation, traces,
     * timeline and, with {@code withWorkspace}, its workspace (docs/traces.md).
     */
    void exportBundle(String ref, boolean withWorkspace, java.io.OutputStream out);

    /**
     * A new session from a bundle, named {@code name} (null: as the exported one). A bad bundle (not
     * one, cut short, from a newer version) is refused with why, and nothing is made.
     */
    Session importBundle(java.io.InputStream in, String name);

    /** Every batch, newest first, with its rows counted by status (docs/batches.md). */
    List<BatchSummary> batches();

    BatchSummary batch(String id);

    /** A batch's rows in input order. */
    List<BatchRow> batchRows(String id);

    BatchSummary cancelBatch(String id);

    BatchSummary resumeBatch(String id);

    /** The latest version of every template. */
    List<StoredTemplate> templates();

    /** A template's latest version, or {@code version}. */
    StoredTemplate template(String name, Integer version);

    /** Checks a SessionTemplate document and stores it as the next version of its name. */
    Engine.AppliedTemplate applyTemplate(String yaml);

    /** A session from a template, {@code given}'s non-null fields over the template's (docs/templates.md). */
    Engine.Started createFromTemplate(TemplateUse use, CreateRequest given, Consumer<Session> onCreated,
                                      Consumer<AgentEvent> onReply);

    /** Session {@code ref} as a SessionTemplate document named {@code name}, to show and then apply; nothing is stored. */
    String templateOf(String ref, String name);

    /** How the engine is reached, for people ("through pilothouse serve at ..."); null for one in this process. */
    default String via() {
        return null;
    }

    @Override
    void close();
}
