package dev.pilothouse.runtime;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentEndpoint;
import dev.pilothouse.errors.OperationFailedException;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Session;
import dev.pilothouse.workspace.WorkspaceFiles;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Where a session's agents run and its volume lives: local processes and directories, or a pod
 * and a PVC. The engine owns the state machine; a runtime only does what it is told and reports
 * what it sees. Every method is safe to call from several threads and several engine processes.
 */
public interface SessionRuntime extends AutoCloseable {

    /** The context this runtime serves ({@code local}, or a kubeconfig context). */
    String context();

    /** Creates the volume if needed and starts every agent on it; returns once they are launched. */
    void start(Session session, List<AgentDefinition> agents);

    /**
     * Makes the session's empty volume if it has none, starting nothing: a session whose start was
     * cut short (its engine killed between storing it and starting it) gets the volume its start
     * would have made, so no session is left without one. A runtime that makes volumes only with
     * the session's first run (a cluster's PVC, with the pod's spec on it) leaves it to the retry.
     */
    default void prepareVolume(Session session) {
    }

    /**
     * Stops every agent of the session, keeping the volume. Does nothing when none runs. A shared
     * runtime leaves {@code stop} (why, and whether the session failed) where another workstation reads it.
     */
    void stop(String sessionId, Stop stop);

    /** {@link #stop(String, Stop)} with nothing to say. */
    default void stop(String sessionId) {
        stop(sessionId, Stop.PLAIN);
    }

    /** What each of the session's agents is doing now, in the session's agent order. */
    List<AgentStatus> status(Session session);

    /** Where to reach a running agent. */
    AgentEndpoint endpoint(String sessionId, String agent);

    /** Fills a new session's volume from another's, reporting progress; all or nothing. */
    void copyVolume(String fromSessionId, String toSessionId, VolumeCopy what, CopyProgress progress);

    /** Removes the session's volume, logs and runtime records for good. */
    void purgeVolume(String sessionId);

    boolean volumeExists(String sessionId);

    /** For people: agents this runtime keeps started ahead of the sessions that will claim them, if any. */
    default Optional<String> standby() {
        return Optional.empty();
    }

    /** Where the session's volume is, for people: a directory, or a PVC's namespace/name. Computed, never I/O. */
    default String volumeLocation(String sessionId) {
        return sessionId;
    }

    /** Ids of the sessions that have a volume here, for finding orphans. */
    Set<String> volumes();

    /** Starts reporting exits of the session's running agents to subscribers; idempotent. */
    void watch(String sessionId);

    void subscribe(Consumer<RuntimeEvent> listener);

    /** The last {@code n} lines an agent logged, for error reasons. */
    List<String> lastLogLines(String sessionId, String agent, int n);

    /** Reads an agent's log: the tail, then (when following) every new line until closed. */
    LogSubscription logs(String sessionId, String agent, LogOptions options, Consumer<List<LogLine>> sink);

    /**
     * The last {@code max} lines the agent logged that the runtime still keeps, oldest first, each
     * with the time it was written as closely as the runtime knows it (null when it cannot tell),
     * for the session's timeline. Never follows. This default reads the current log's tail; a
     * runtime that keeps its agents' earlier runs reads back through them too.
     */
    default List<LogLine> logHistory(String sessionId, String agent, int max) {
        List<LogLine> out = new java.util.ArrayList<>();
        logs(sessionId, agent, new LogOptions(max, false, false), out::addAll).close();
        return out.size() > max ? List.copyOf(out.subList(out.size() - max, out.size())) : out;
    }

    // ---- what only some runtimes have: the local runtime keeps these defaults ----------------

    /** Whether the runtime can be used now; a local runtime always can. */
    default ConnectionStatus connection() {
        return ConnectionStatus.connected(Instant.now());
    }

    /** The namespace new sessions go to when none is asked for. */
    default String defaultNamespace() {
        return "default";
    }

    /** Also look after sessions in this namespace (reconcile, adoption); the operator chose it. */
    default void useNamespace(String namespace) {
    }

    /** How to learn more about a session given only its id. */
    default void useLookup(SessionLookup lookup) {
    }

    /**
     * The phase the runtime sees while a session starts (a pod waiting to be scheduled is PENDING,
     * containers being created INITIALIZING, all running RUNNING), or empty when it has no view.
     */
    default Optional<Phase> observedPhase(String sessionId) {
        return Optional.empty();
    }

    /**
     * How long each step of a start may take, for a runtime whose agents may wait long before
     * they run (a pod being scheduled, its images pulled); empty: the engine's start timeout,
     * counted from the start.
     */
    default Optional<StartLimits> startLimits() {
        return Optional.empty();
    }

    /**
     * What a start waits for before its agents run, for people, with how long it has waited
     * ({@code pulling image "x" (45 s)}); empty when the agents run or the runtime cannot tell.
     */
    default Optional<String> startProgress(String sessionId) {
        return Optional.empty();
    }

    /**
     * Why a connection to an agent that the runtime still counts as running just failed, when it
     * can tell: its container was restarted, the stream carrying the connection was closed.
     * Asked right after the failure; may wait a moment (up to about two seconds) for the runtime
     * to learn it, and whether the agent itself lived on through it. Empty when it knows nothing
     * more than the failed connection itself.
     *
     * @param since when the failed exchange began
     */
    default Optional<ConnectionLoss> connectionLost(String sessionId, String agent, Instant since) {
        return Optional.empty();
    }

    /**
     * Why an agent the runtime still counts as running does not take connections now because the
     * platform is restarting it (a container the kubelet restarts after it exited): a message then
     * waits for it. Empty when it is not being restarted (it runs, or it stopped or failed for good).
     */
    default Optional<String> restarting(String sessionId, String agent) {
        return Optional.empty();
    }

    /**
     * Sessions the runtime holds that it can describe from its own records (cluster annotations),
     * of those whose id {@code wanted} accepts: describing one costs more than asking.
     */
    default List<DiscoveredSession> discovered(java.util.function.Predicate<String> wanted) {
        return List.of();
    }

    /** One session as {@link #discovered} describes it, found directly: a runtime that can should not look through all. */
    default Optional<DiscoveredSession> discoveredSession(String sessionId) {
        return discovered(sessionId::equals).stream().findFirst();
    }

    /**
     * Whether other workstations drive the same runtime objects (a cluster): reconciliation then
     * adopts what runs there and never stops it; only an operator's command does.
     */
    default boolean shared() {
        return false;
    }

    /**
     * The session's workspace as files, for the workspace browser, in whatever state it is. Close
     * it when done: a runtime may hold something for it (an inspector pod).
     */
    default WorkspaceFiles files(Session session) {
        throw new OperationFailedException("the runtime of context '" + context() + "' cannot show a workspace's files yet");
    }

    /**
     * What the session's agents use now (CPU, memory) for the metrics sampler; called every few
     * seconds while the session runs, so it must be cheap. Never throws for a runtime that cannot
     * tell: the figures are then "not available" with the reason.
     */
    default SessionUsage usage(Session session) {
        return SessionUsage.unavailable("not available: the runtime of context '" + context() + "' does not report usage");
    }

    /** The session's volume size as {bytes, files}, walked; empty when the runtime cannot tell cheaply. */
    default Optional<long[]> volumeSize(Session session) {
        return Optional.empty();
    }

    /** Why a session's volume is gone when it vanished without being purged; empty when it is there or unknown. */
    default Optional<String> lostVolume(String sessionId) {
        return Optional.empty();
    }

    @Override
    void close();
}
