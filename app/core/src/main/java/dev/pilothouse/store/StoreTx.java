package dev.pilothouse.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.agent.AgentJson;
import dev.pilothouse.errors.ConflictException;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.session.StateMachine;
import dev.pilothouse.session.TraceEvent;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The store's operations on one connection, inside the transaction {@link Store#write} or
 * {@link Store#read} opened. Every change to a session writes its audit rows here, in the same
 * transaction, so a change and its record commit together or not at all.
 */
public final class StoreTx {
    private static final String SESSION_COLUMNS = "id, name, context, namespace, starting_prompt, state, phase, "
            + "waiting_timeout_seconds, ttl_seconds, metadata, cpu, memory, storage, parent_session_id, created_by, "
            + "created_at, updated_at, last_activity_at, deleted_at, purged_at, termination_reason, owner, version, seq, guardrails, scheduled_at";
    private static final int H2_DUPLICATE_KEY = 23505;

    private final Handle h;

    StoreTx(Handle h) {
        this.h = h;
    }

    /** The batch tables, in this transaction. */
    public BatchTx batches() {
        return new BatchTx(h);
    }

    // ---- sessions -------------------------------------------------------------------------

    /** Inserts a new session (version 1) with its agents' definitions and a "created" audit row. */
    public Session insertSession(Session s, List<AgentDefinition> agents, String actor, String reason, ObjectNode detail) {
        if (agents.size() != s.agents().size()) {
            throw new IllegalArgumentException("agents and their definitions differ");
        }
        Session stored = s.toBuilder().version(1).build();
        try (PreparedStatement ps = h.getConnection().prepareStatement(INSERT_SESSION)) {
            int i = setSpec(ps, stored);
            ps.setString(++i, s.context());
            ps.setString(++i, s.namespace());
            ps.setString(++i, s.parentSessionId());
            ps.setString(++i, s.createdBy());
            ps.setObject(++i, odt(s.createdAt()));
            ps.setString(++i, Json.compact(Json.MAPPER.valueToTree(s.guardrails())));
            ps.setObject(++i, odt(s.scheduledAt()));
            ps.setString(++i, s.id());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw duplicateName(new UnableToExecuteStatementException(e, null), s);
        }
        try (PreparedStatement ps = h.getConnection().prepareStatement(INSERT_STATE)) {
            int i = setState(ps, stored);
            ps.setString(++i, s.id());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new UnableToExecuteStatementException(e, null);
        }
        insertSessionAgents(s.id(), agents);
        audit(s.id(), s.createdAt(), actor, AuditEvent.CREATED, null, s.state(), reason, detail);
        return stored;
    }

    private void insertSessionAgents(String sessionId, List<AgentDefinition> agents) {
        for (int i = 0; i < agents.size(); i++) {
            AgentDefinition a = agents.get(i);
            h.createUpdate("INSERT INTO session_agents (session_id, position, agent_id, name, model, image, definition) "
                            + "VALUES (:s, :p, :a, :n, :m, :i, :d)")
                    .bind("s", sessionId).bind("p", i).bind("a", a.id()).bind("n", a.name()).bind("m", a.model())
                    .bind("i", a.image()).bind("d", Json.compact(AgentJson.toJson(a)))
                    .execute();
        }
    }

    /**
     * Gives a session a new set of agents, in order (the first is the lead), each with the
     * definition snapshot given. Write it with the session's own change, in the same transaction.
     */
    public void replaceSessionAgents(String sessionId, List<AgentDefinition> agents) {
        if (agents.isEmpty()) {
            throw new IllegalArgumentException("a session needs at least one agent");
        }
        h.createUpdate("DELETE FROM session_agents WHERE session_id = :s").bind("s", sessionId).execute();
        insertSessionAgents(sessionId, agents);
    }

    /**
     * Writes {@code after} over {@code before} if nobody else wrote since {@code before} was read;
     * otherwise nothing is written and a {@link ConflictException} says so. A state change must be
     * one the state machine allows. Audit rows for every change are written in the same transaction.
     */
    public Session saveSession(Session before, Session after, String actor, String reason) {
        if (!before.id().equals(after.id())) {
            throw new IllegalArgumentException("cannot save one session over another");
        }
        if (before.state() != after.state()) {
            StateMachine.check(before.state(), after.state());
        }
        int rows;
        try {
            rows = updateState(after, before.version());
            if (rows > 0 && specChanged(before, after)) {
                updateSpec(after);
            }
        } catch (SQLException e) {
            throw duplicateName(new UnableToExecuteStatementException(e, null), after);
        }
        if (rows == 0) {
            Session current = findSession(before.id())
                    .orElseThrow(() -> new NotFoundException("session " + before.id() + " does not exist"));
            throw new ConflictException("session '" + current.name() + "' was changed by another writer (now version "
                    + current.version() + ", state " + current.state() + "; this change was based on version "
                    + before.version() + "); nothing was written: reload and try again");
        }
        auditChanges(before, after, actor, reason);
        return after.toBuilder().version(before.version() + 1).build();
    }

    /*
     * A session is two rows: what an operator sets in sessions (written only when one of those
     * fields changes), and what every transition writes in the narrow session_state, keyed by the
     * session's number and indexed by the change number alone. H2 rewrites every index of a row it
     * updates, so a transition now touches two maps of session_state instead of eight of the wide
     * row (V17__session_state.sql, docs/performance.md).
     */

    /** The columns of sessions a write may change, in the order {@link #setSpec} binds them. */
    private static final String SPEC = "name, starting_prompt, waiting_timeout_seconds, ttl_seconds, metadata, cpu, "
            + "memory, storage, deleted_at, purged_at";
    /** The columns of session_state, in the order {@link #setState} binds them. */
    private static final String STATE = "state, phase, updated_at, last_activity_at, termination_reason, owner, "
            + "idle_deadline, ttl_deadline";
    /** A session's number, from its id bound to the parameter: the key of its state and its audit trail. */
    private static final String NUM_OF_ID = "(SELECT num FROM sessions WHERE id = ?)";
    private static final String UPDATE_STATE = "UPDATE session_state SET (" + STATE + ", version, seq) = ("
            + "?, ?, ?, ?, ?, ?, ?, ?, version + 1, NEXT VALUE FOR change_seq) "
            + "WHERE num = " + NUM_OF_ID + " AND version = ?";
    private static final String UPDATE_SPEC = "UPDATE sessions SET (" + SPEC + ") = (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            + "WHERE id = ?";
    private static final String INSERT_SESSION = "INSERT INTO sessions (" + SPEC + ", context, namespace, "
            + "parent_session_id, created_by, created_at, guardrails, scheduled_at, id, num) VALUES (?, ?, ?, ?, ?, "
            + "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NEXT VALUE FOR session_num)";
    private static final String INSERT_STATE = "INSERT INTO session_state (" + STATE + ", num, version, seq) VALUES "
            + "(?, ?, ?, ?, ?, ?, ?, ?, " + NUM_OF_ID + ", 1, NEXT VALUE FOR change_seq)";
    /** Where every read of whole sessions comes from; column names are unique across the two tables. */
    private static final String SESSION_TABLES = "sessions JOIN session_state ON session_state.num = sessions.num";
    /**
     * The same for reading many: sessions scanned in its own order, its state found by key. Through
     * an index, H2 would fetch every row by a random lookup.
     */
    private static final String SCANNED_SESSION_TABLES =
            "sessions USE INDEX () JOIN session_state ON session_state.num = sessions.num";

    /**
     * Session writes run on every transition, so they bind by position in plain JDBC: Jdbi's
     * named-argument binding cost more than H2's own work here (see docs/performance.md).
     */
    private int updateState(Session s, long expectedVersion) throws SQLException {
        try (PreparedStatement ps = h.getConnection().prepareStatement(UPDATE_STATE)) {
            int i = setState(ps, s);
            ps.setString(++i, s.id());
            ps.setLong(++i, expectedVersion);
            return ps.executeUpdate();
        }
    }

    private void updateSpec(Session s) throws SQLException {
        try (PreparedStatement ps = h.getConnection().prepareStatement(UPDATE_SPEC)) {
            int i = setSpec(ps, s);
            ps.setString(++i, s.id());
            ps.executeUpdate();
        }
    }

    /** Whether a write changes any column of sessions (as {@link #setSpec} binds them). */
    private static boolean specChanged(Session before, Session after) {
        return !before.name().equals(after.name())
                || !before.startingPrompt().equals(after.startingPrompt())
                || before.waitingTimeoutSeconds() != after.waitingTimeoutSeconds()
                || before.ttlSeconds() != after.ttlSeconds()
                || !before.metadata().equals(after.metadata())
                || !Objects.equals(before.resources(), after.resources())
                || !Objects.equals(before.deletedAt(), after.deletedAt())
                || !Objects.equals(before.purgedAt(), after.purgedAt());
    }

    /** Binds the {@link #SPEC} columns from the first parameter on; returns the last index used. */
    private static int setSpec(PreparedStatement ps, Session s) throws SQLException {
        int i = 0;
        ps.setString(++i, s.name());
        ps.setString(++i, s.startingPrompt());
        ps.setInt(++i, s.waitingTimeoutSeconds());
        ps.setLong(++i, s.ttlSeconds());
        ps.setString(++i, s.metadata());
        ps.setString(++i, s.resources().cpu());
        ps.setString(++i, s.resources().memory());
        ps.setString(++i, s.resources().storage());
        ps.setObject(++i, odt(s.deletedAt()));
        ps.setObject(++i, odt(s.purgedAt()));
        return i;
    }

    /** Binds the {@link #STATE} columns from the first parameter on; returns the last index used. */
    private static int setState(PreparedStatement ps, Session s) throws SQLException {
        int i = 0;
        ps.setString(++i, s.state().name());
        ps.setString(++i, s.phase().name());
        ps.setObject(++i, odt(s.updatedAt()));
        ps.setObject(++i, odt(s.lastActivityAt()));
        ps.setString(++i, s.terminationReason());
        ps.setString(++i, s.owner());
        ps.setObject(++i, odt(s.idleDeadline()));
        ps.setObject(++i, odt(s.ttlDeadline()));
        return i;
    }

    private void auditChanges(Session before, Session after, String actor, String reason) {
        Instant at = after.updatedAt();
        String id = after.id();
        if (before.state() != after.state()) {
            audit(id, at, actor, AuditEvent.TRANSITION, before.state(), after.state(), reason, null);
        }
        if (before.phase() != after.phase()) {
            ObjectNode d = Json.object().put("from", before.phase().name()).put("to", after.phase().name());
            audit(id, at, actor, AuditEvent.PHASE, null, null, reason, d);
        }
        if (before.deletedAt() == null && after.deletedAt() != null) {
            audit(id, at, actor, AuditEvent.DELETED, null, null, reason, null);
        }
        if (before.purgedAt() == null && after.purgedAt() != null) {
            audit(id, at, actor, AuditEvent.PURGED, null, null, reason, null);
        }
        ObjectNode fields = Json.object();
        diff(fields, "name", before.name(), after.name());
        diff(fields, "starting_prompt", before.startingPrompt(), after.startingPrompt());
        diff(fields, "waiting_timeout_seconds", before.waitingTimeoutSeconds(), after.waitingTimeoutSeconds());
        diff(fields, "ttl_seconds", before.ttlSeconds(), after.ttlSeconds());
        diff(fields, "resources", before.resources(), after.resources());
        if (!before.metadata().equals(after.metadata())) {
            ObjectNode change = Json.object();
            change.set("from", Json.parse(before.metadata()));
            change.set("to", Json.parse(after.metadata()));
            fields.set("metadata", change);
        }
        if (before.deletedAt() != null && after.deletedAt() == null) {
            fields.set("deleted_at", Json.object().put("from", Json.time(before.deletedAt())).putNull("to"));
        }
        if (!fields.isEmpty()) {
            audit(id, at, actor, AuditEvent.UPDATED, null, null, reason, fields);
        }
    }

    private static void diff(ObjectNode fields, String name, Object from, Object to) {
        if (!Objects.equals(from, to)) {
            fields.set(name, Json.object().put("from", String.valueOf(from)).put("to", String.valueOf(to)));
        }
    }

    private static RuntimeException duplicateName(UnableToExecuteStatementException e, Session s) {
        if (e.getCause() instanceof SQLException sql && sql.getErrorCode() == H2_DUPLICATE_KEY
                && String.valueOf(sql.getMessage()).toUpperCase().contains("LIVE_NAME")) {
            return new dev.pilothouse.errors.DuplicateException("a live session named '" + s.name() + "' already exists in context '"
                    + s.context() + "'; names are unique among live sessions: choose another name or delete that session");
        }
        return e;
    }

    /**
     * A session by id. Every change reads its session first, so this binds by position in plain
     * JDBC, as the writes do: through Jdbi, its agents' list query was rendered anew for each.
     */
    public Optional<Session> findSession(String id) {
        try (PreparedStatement session = h.getConnection().prepareStatement(FIND_SESSION);
             PreparedStatement agents = h.getConnection().prepareStatement(SESSION_AGENTS)) {
            session.setString(1, id);
            Session s;
            try (ResultSet rs = session.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                s = sessionRow(rs);
            }
            agents.setString(1, id);
            List<SessionAgent> found = new ArrayList<>(2);
            try (ResultSet rs = agents.executeQuery()) {
                while (rs.next()) {
                    found.add(agentRow(rs, 1));
                }
            }
            return Optional.of(s.toBuilder().agents(List.copyOf(found)).build());
        } catch (SQLException e) {
            throw new UnableToExecuteStatementException(e, null);
        }
    }

    private static final String FIND_SESSION = "SELECT " + SESSION_COLUMNS + " FROM " + SESSION_TABLES + " WHERE id = ?";
    /** A session's agents in order: the primary key (session_id, position) is their order. */
    private static final String SESSION_AGENTS =
            "SELECT agent_id, name, model, image FROM session_agents WHERE session_id = ? ORDER BY position";

    /** The live (not deleted) session with this name in the context. */
    public Optional<Session> findLiveSession(String context, String name) {
        List<Session> found = sessions("WHERE context = :c AND live_name = :n", q -> q.bind("c", context).bind("n", name));
        return found.stream().findFirst();
    }

    /** Whether a live session of the context has this name: an index lookup, no row read. */
    public boolean liveNameTaken(String context, String name) {
        return h.createQuery("SELECT 1 FROM sessions WHERE context = :c AND live_name = :n").bind("c", context)
                .bind("n", name).mapTo(Integer.class).findFirst().isPresent();
    }

    /** The newest session, live or deleted, with this name in the context. */
    public Optional<Session> findLatestByName(String context, String name) {
        List<Session> found = sessions("WHERE context = :c AND name = :n ORDER BY created_at DESC LIMIT 1",
                q -> q.bind("c", context).bind("n", name));
        return found.stream().findFirst();
    }

    /**
     * Sessions of a context (or of all contexts when null), oldest first. A plain table scan
     * sorted here: through an index, H2 would fetch every row by a random lookup.
     */
    public List<Session> listSessions(String context, boolean includeDeleted) {
        StringBuilder where = new StringBuilder("WHERE 1 = 1");
        if (context != null) {
            where.append(" AND context = :c");
        }
        if (!includeDeleted) {
            where.append(" AND deleted_at IS NULL");
        }
        List<Session> found = new ArrayList<>(sessions(SCANNED_SESSION_TABLES, where.toString(), q -> {
            if (context != null) {
                q.bind("c", context);
            }
        }, (rs, s) -> {
        }));
        found.sort(java.util.Comparator.comparing(Session::createdAt).thenComparing(Session::id));
        return found;
    }

    /** The namespaces a context has sessions in (deleted ones included: their volumes may remain). */
    public java.util.Set<String> namespaces(String context) {
        return new java.util.TreeSet<>(h.createQuery("SELECT DISTINCT namespace FROM sessions WHERE context = :c")
                .bind("c", context).mapTo(String.class).list());
    }

    /** H2's own figures of the store file ({@code info.*} of its settings: chunks, fill rate, pages, cache). */
    public Map<String, String> fileInfo() {
        Map<String, String> info = new java.util.TreeMap<>();
        h.createQuery("SELECT SETTING_NAME, SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME LIKE 'info.%'")
                .map((rs, ctx) -> info.put(rs.getString(1), rs.getString(2))).list();
        return info;
    }

    /**
     * How many times H2 has written to the database file since it opened (its {@code info.FILE_WRITE}):
     * what a test reads to see how often a write reaches the file.
     */
    public long fileWrites() {
        return Long.parseLong(fileInfo().getOrDefault("info.FILE_WRITE", "0"));
    }

    /** A session's version as stored: an index lookup, its row and agents not read. */
    public Optional<Long> sessionVersion(String id) {
        return h.createQuery("SELECT version FROM " + SESSION_TABLES + " WHERE id = :id").bind("id", id).mapTo(Long.class).findFirst();
    }

    /** Ids of every session of a context, deleted ones included. */
    public java.util.Set<String> sessionIds(String context) {
        return new java.util.HashSet<>(h.createQuery("SELECT id FROM sessions WHERE context = :c")
                .bind("c", context).mapTo(String.class).list());
    }

    public List<Session> children(String parentId) {
        return sessions("WHERE parent_session_id = :v ORDER BY created_at", q -> q.bind("v", parentId));
    }

    /** Live sessions whose waiting timeout, TTL or scheduled start is due at {@code now}. */
    public List<Session> dueSessions(Instant now) {
        return sessions("WHERE deleted_at IS NULL AND (idle_deadline <= :t OR ttl_deadline <= :t "
                        + "OR scheduled_at <= :t AND state = 'INIT' AND owner IS NULL)",
                q -> q.bind("t", odt(now)));
    }

    /** Live sessions whose runtime may be up or starting, for reconciliation. */
    public List<Session> sessionsWithRuntime(String context) {
        return sessions("WHERE context = :c AND (phase IN ('PENDING', 'INITIALIZING', 'RUNNING') "
                + "OR state IN ('INIT', 'READY', 'BUSY'))", q -> q.bind("c", context));
    }

    /** A session as it was written with change number {@code seq}. */
    public record Change(long seq, Session session) {
    }

    /** Which sessions changed after {@code seq}, and to which version: cheap to poll often. */
    public List<ChangeHead> changeHeadsSince(long seq) {
        return h.createQuery("SELECT seq, id, version, name, context, state, phase, deleted_at IS NOT NULL FROM " + SESSION_TABLES + " "
                        + "WHERE seq > :s ORDER BY seq").bind("s", seq)
                .map((rs, ctx) -> new ChangeHead(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4),
                        rs.getString(5), SessionState.valueOf(rs.getString(6)), Phase.valueOf(rs.getString(7)), rs.getBoolean(8)))
                .list();
    }

    /** A session's change number with what a watcher is told of the change (no second read of the session). */
    public record ChangeHead(long seq, String id, long version, String name, String context, SessionState state,
                             Phase phase, boolean deleted) {
    }

    /** The current version of the given sessions, with their change numbers. */
    public List<Change> changesOf(java.util.Collection<String> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        Map<String, Long> seqs = new HashMap<>();
        List<Session> found = sessions("WHERE id IN (<ids>) ORDER BY seq", q -> q.bindList("ids", List.copyOf(ids)),
                (rs, s) -> seqs.put(s.id(), rs.getLong(24)));
        List<Change> changes = new ArrayList<>();
        for (Session s : found) {
            changes.add(new Change(seqs.get(s.id()), s));
        }
        return changes;
    }

    /** The number of the newest write transaction committed ({@link Store#commitSeq()}), as this read sees it. */
    public long commitNumber() {
        return h.createQuery("SELECT seq FROM store_commit WHERE id = 0").mapTo(Long.class).findOne().orElse(0L);
    }

    public long lastChange() {
        return h.createQuery("SELECT COALESCE(MAX(seq), 0) FROM session_state").mapTo(Long.class).one();
    }

    private List<Session> sessions(String where, java.util.function.Consumer<Query> binder) {
        return sessions(where, binder, (rs, s) -> {
        });
    }

    private interface RowHook {
        void accept(ResultSet rs, Session s) throws SQLException;
    }

    private List<Session> sessions(String where, java.util.function.Consumer<Query> binder, RowHook hook) {
        return sessions(SESSION_TABLES, where, binder, hook);
    }

    private List<Session> sessions(String from, String where, java.util.function.Consumer<Query> binder, RowHook hook) {
        Query q = h.createQuery("SELECT " + SESSION_COLUMNS + " FROM " + from + " " + where);
        binder.accept(q);
        List<Session> rows = q.map((rs, ctx) -> {
            Session s = sessionRow(rs);
            hook.accept(rs, s);
            return s;
        }).list();
        if (rows.isEmpty()) {
            return rows;
        }
        Map<String, List<SessionAgent>> agents = sessionAgents(rows);
        List<Session> out = new ArrayList<>(rows.size());
        for (Session s : rows) {
            out.add(s.toBuilder().agents(agents.getOrDefault(s.id(), List.of())).build());
        }
        return out;
    }

    /** Agents of the given sessions: one query by id for a few, the whole table for many. */
    private Map<String, List<SessionAgent>> sessionAgents(Collection<Session> sessions) {
        Query q;
        if (sessions.size() <= 500) {
            q = h.createQuery("SELECT session_id, position, agent_id, name, model, image FROM session_agents "
                    + "WHERE session_id IN (<ids>)")
                    .bindList("ids", sessions.stream().map(Session::id).toList());
        } else {
            q = h.createQuery("SELECT session_id, position, agent_id, name, model, image FROM session_agents USE INDEX ()");
        }
        Map<String, List<Positioned>> bySession = new HashMap<>();
        q.map((rs, ctx) -> {
            bySession.computeIfAbsent(rs.getString(1), k -> new ArrayList<>(2)).add(new Positioned(rs.getInt(2),
                    agentRow(rs, 3)));
            return null;
        }).forEach(x -> {
        });
        Map<String, List<SessionAgent>> out = new HashMap<>(bySession.size() * 2);
        bySession.forEach((id, list) -> {
            list.sort(java.util.Comparator.comparingInt(Positioned::position));
            out.put(id, list.stream().map(Positioned::agent).toList());
        });
        return out;
    }

    private record Positioned(int position, SessionAgent agent) {
    }

    /** A session agent from its columns agent_id, name, model, image, the first at {@code from}. */
    private static SessionAgent agentRow(ResultSet rs, int from) throws SQLException {
        return new SessionAgent(rs.getString(from), rs.getString(from + 1), rs.getString(from + 2), rs.getString(from + 3));
    }

    /** Reads a row of {@link #SESSION_COLUMNS} by position: looking columns up by name costs more than the rest. */
    private static Session sessionRow(ResultSet rs) throws SQLException {
        return new Session(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                SessionState.valueOf(rs.getString(6)),
                Phase.valueOf(rs.getString(7)),
                rs.getInt(8),
                rs.getLong(9),
                rs.getString(10),
                List.of(),
                new Resources(rs.getString(11), rs.getString(12), rs.getString(13)),
                guardrails(rs.getString(25)),
                rs.getString(14),
                rs.getString(15),
                instant(rs, 16),
                instant(rs, 17),
                instant(rs, 18),
                instant(rs, 19),
                rs.getString(21),
                instant(rs, 20),
                rs.getString(22),
                rs.getLong(23),
                instant(rs, 26));
    }

    private static List<String> guardrails(String json) {
        return json == null || json.equals("[]") ? List.of() : read(json, STRINGS);
    }

    /** The full definitions of a session's agents, as they were when assigned. */
    public List<AgentDefinition> agentSnapshots(String sessionId) {
        return h.createQuery("SELECT definition FROM session_agents WHERE session_id = :s ORDER BY position")
                .bind("s", sessionId)
                .map((rs, ctx) -> AgentJson.fromJson(Json.parse(rs.getString(1))))
                .list();
    }

    /** The rows of recurring schedules, in this transaction. */
    public MetricRows metrics() {
        return new MetricRows(h);
    }

    public ScheduleRows schedules() {
        return new ScheduleRows(h);
    }

    // ---- agent definitions ----------------------------------------------------------------

    public AgentDefinition insertAgent(AgentDefinition a) {
        try {
            insertAgentRow(a, a.createdAt(), a.updatedAt(), null);
        } catch (UnableToExecuteStatementException e) {
            if (e.getCause() instanceof SQLException sql && sql.getErrorCode() == H2_DUPLICATE_KEY) {
                throw new dev.pilothouse.errors.DuplicateException("an agent named '" + a.name() + "' already exists; choose another name "
                        + "or delete that agent first");
            }
            throw e;
        }
        return a;
    }

    /**
     * Keeps a copy of an agent definition another workstation registered, so a session adopted
     * from a cluster can refer to it; stored as deleted, so it never joins this registry.
     */
    public void insertAgentCopy(AgentDefinition a, Instant at) {
        if (h.createQuery("SELECT 1 FROM agents WHERE id = :id").bind("id", a.id()).mapTo(Integer.class).findFirst()
                .isPresent()) {
            return;
        }
        insertAgentRow(a, a.createdAt() == null ? at : a.createdAt(), a.updatedAt() == null ? at : a.updatedAt(), at);
    }

    private void insertAgentRow(AgentDefinition a, Instant created, Instant updated, Instant deleted) {
        h.createUpdate("INSERT INTO agents (id, name, image, command, model, instructions, env, port, cpu, memory, "
                        + "storage, created_at, updated_at, deleted_at, reply_timeout_seconds) VALUES (:id, :name, :image, "
                        + ":command, :model, :instructions, :env, :port, :cpu, :memory, :storage, :created, :updated, "
                        + ":deleted, :replyTimeout)")
                .bindMap(agentFields(a)).bind("name", a.name())
                .bind("created", odt(created)).bind("updated", odt(updated)).bind("deleted", odt(deleted))
                .execute();
    }

    /** A definition's columns as bound by an insert and an update (id, definition fields; not name or times). */
    private static Map<String, Object> agentFields(AgentDefinition a) {
        Map<String, Object> m = new HashMap<>();
        m.put("id", a.id());
        m.put("image", a.image());
        m.put("command", Json.compact(Json.MAPPER.valueToTree(a.command())));
        m.put("model", a.model());
        m.put("instructions", a.instructions());
        m.put("env", Json.compact(Json.MAPPER.valueToTree(a.env())));
        m.put("port", a.port());
        m.put("cpu", a.resources().cpu());
        m.put("memory", a.resources().memory());
        m.put("storage", a.resources().storage());
        m.put("replyTimeout", a.replyTimeoutSeconds());
        return m;
    }

    /** Replaces a registered definition's fields, keeping its id and creation time. */
    public AgentDefinition updateAgent(AgentDefinition a) {
        int n = h.createUpdate("UPDATE agents SET image = :image, command = :command, model = :model, "
                        + "instructions = :instructions, env = :env, port = :port, cpu = :cpu, memory = :memory, "
                        + "storage = :storage, updated_at = :updated, reply_timeout_seconds = :replyTimeout "
                        + "WHERE id = :id AND deleted_at IS NULL")
                .bindMap(agentFields(a)).bind("updated", odt(a.updatedAt())).execute();
        if (n == 0) {
            throw new dev.pilothouse.errors.NotFoundException("agent '" + a.name() + "' was deleted meanwhile; nothing was "
                    + "changed");
        }
        return a;
    }

    public Optional<AgentDefinition> findLiveAgent(String name) {
        return agents("WHERE live_name = :n", q -> q.bind("n", name)).stream().findFirst();
    }

    public Optional<AgentDefinition> findAgentById(String id) {
        return agents("WHERE id = :n", q -> q.bind("n", id)).stream().findFirst();
    }

    public List<AgentDefinition> listAgents(boolean includeDeleted) {
        return agents(includeDeleted ? "ORDER BY name, created_at" : "WHERE deleted_at IS NULL ORDER BY name",
                q -> {
                });
    }

    public void deleteAgent(String id, Instant at) {
        h.createUpdate("UPDATE agents SET deleted_at = :t, updated_at = :t WHERE id = :id AND deleted_at IS NULL")
                .bind("t", odt(at)).bind("id", id).execute();
    }

    private List<AgentDefinition> agents(String where, java.util.function.Consumer<Query> binder) {
        Query q = h.createQuery("SELECT * FROM agents " + where);
        binder.accept(q);
        return q.map((rs, ctx) -> new AgentDefinition(rs.getString("id"), rs.getString("name"), rs.getString("image"),
                read(rs.getString("command"), STRINGS), rs.getString("model"), rs.getString("instructions"),
                read(rs.getString("env"), STRING_MAP), rs.getInt("port"),
                new Resources(rs.getString("cpu"), rs.getString("memory"), rs.getString("storage")),
                instant(rs, "created_at"), instant(rs, "updated_at"), instant(rs, "deleted_at"),
                (Integer) rs.getObject("reply_timeout_seconds", Integer.class))).list();
    }

    private static <T> T read(String json, com.fasterxml.jackson.core.type.TypeReference<T> type) {
        try {
            return Json.MAPPER.readValue(json, type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static final com.fasterxml.jackson.core.type.TypeReference<List<String>> STRINGS = new com.fasterxml.jackson.core.type.TypeReference<>() {
    };
    private static final com.fasterxml.jackson.core.type.TypeReference<Map<String, String>> STRING_MAP =
            new com.fasterxml.jackson.core.type.TypeReference<>() {
            };

    // ---- API tokens ---------------------------------------------------------------------

    /** An API token as stored: its secret only as a salted hash. */
    public record Token(String id, String name, byte[] salt, byte[] hash, boolean readOnly, String createdBy,
                        Instant createdAt, Instant expiresAt, Instant revokedAt, Instant lastUsedAt) {
    }

    public void insertToken(Token t) {
        try {
            h.createUpdate("INSERT INTO api_tokens (id, name, salt, hash, read_only, created_by, created_at, expires_at) "
                            + "VALUES (:id, :name, :salt, :hash, :ro, :by, :at, :exp)")
                    .bind("id", t.id()).bind("name", t.name()).bind("salt", t.salt()).bind("hash", t.hash())
                    .bind("ro", t.readOnly()).bind("by", t.createdBy()).bind("at", odt(t.createdAt()))
                    .bind("exp", odt(t.expiresAt())).execute();
        } catch (UnableToExecuteStatementException e) {
            if (e.getCause() instanceof SQLException sql && sql.getErrorCode() == H2_DUPLICATE_KEY) {
                throw new dev.pilothouse.errors.DuplicateException("a token named '" + t.name() + "' already exists; "
                        + "choose another name or revoke that token first");
            }
            throw e;
        }
    }

    public Optional<Token> findToken(String id) {
        return tokens("WHERE id = :v", q -> q.bind("v", id)).stream().findFirst();
    }

    public Optional<Token> findLiveToken(String name) {
        return tokens("WHERE live_name = :v", q -> q.bind("v", name)).stream().findFirst();
    }

    public List<Token> listTokens(boolean includeRevoked) {
        return tokens(includeRevoked ? "ORDER BY name, created_at" : "WHERE revoked_at IS NULL ORDER BY name", q -> {
        });
    }

    public void revokeToken(String id, Instant at) {
        h.createUpdate("UPDATE api_tokens SET revoked_at = :t WHERE id = :id AND revoked_at IS NULL")
                .bind("t", odt(at)).bind("id", id).execute();
    }

    public void tokenUsed(String id, Instant at) {
        h.createUpdate("UPDATE api_tokens SET last_used_at = :t WHERE id = :id").bind("t", odt(at)).bind("id", id).execute();
    }

    private List<Token> tokens(String where, java.util.function.Consumer<Query> binder) {
        Query q = h.createQuery("SELECT * FROM api_tokens " + where);
        binder.accept(q);
        return q.map((rs, ctx) -> new Token(rs.getString("id"), rs.getString("name"), rs.getBytes("salt"),
                rs.getBytes("hash"), rs.getBoolean("read_only"), rs.getString("created_by"), instant(rs, "created_at"),
                instant(rs, "expires_at"), instant(rs, "revoked_at"), instant(rs, "last_used_at"))).list();
    }

    // ---- templates ------------------------------------------------------------------------

    /**
     * Stores a new version of template {@code name}: one more than the highest it ever had (a
     * deleted name starts over at the next number, its old versions staying deleted).
     */
    public dev.pilothouse.template.StoredTemplate insertTemplate(String name, String yaml, String by, Instant at) {
        Integer highest = h.createQuery("SELECT MAX(version) FROM templates WHERE name = :n").bind("n", name)
                .mapTo(Integer.class).findOne().orElse(null);
        int version = highest == null ? 1 : highest + 1;
        Instant created = h.createQuery("SELECT MIN(created_at) FROM templates WHERE name = :n AND deleted_at IS NULL")
                .bind("n", name).map((rs, ctx) -> instant(rs, 1)).findOne().orElse(null);
        Instant createdAt = created == null ? at : created;
        h.createUpdate("INSERT INTO templates (name, version, yaml, created_by, created_at, updated_at) "
                        + "VALUES (:n, :v, :y, :by, :c, :u)")
                .bind("n", name).bind("v", version).bind("y", yaml).bind("by", by).bind("c", odt(createdAt))
                .bind("u", odt(at)).execute();
        return new dev.pilothouse.template.StoredTemplate(name, version, yaml, by, createdAt, at, null);
    }

    /** A live template: its latest version, or {@code version} when given. */
    public Optional<dev.pilothouse.template.StoredTemplate> findTemplate(String name, Integer version) {
        return templates("WHERE name = :n AND deleted_at IS NULL" + (version == null ? "" : " AND version = :v")
                + " ORDER BY version DESC LIMIT 1", q -> {
            q.bind("n", name);
            if (version != null) {
                q.bind("v", version);
            }
        }).stream().findFirst();
    }

    /** The live versions of a template, oldest first. */
    public List<Integer> templateVersions(String name) {
        return h.createQuery("SELECT version FROM templates WHERE name = :n AND deleted_at IS NULL ORDER BY version")
                .bind("n", name).mapTo(Integer.class).list();
    }

    /** The latest version of every live template, by name. */
    public List<dev.pilothouse.template.StoredTemplate> listTemplates() {
        return templates("t WHERE deleted_at IS NULL AND version = (SELECT MAX(version) FROM templates x "
                + "WHERE x.name = t.name AND x.deleted_at IS NULL) ORDER BY name", q -> {
        });
    }

    /** Soft-deletes every version of a template; returns how many. */
    public int deleteTemplate(String name, Instant at) {
        return h.createUpdate("UPDATE templates SET deleted_at = :t WHERE name = :n AND deleted_at IS NULL")
                .bind("t", odt(at)).bind("n", name).execute();
    }

    private List<dev.pilothouse.template.StoredTemplate> templates(String where, java.util.function.Consumer<Query> binder) {
        Query q = h.createQuery("SELECT * FROM templates " + where);
        binder.accept(q);
        return q.map((rs, ctx) -> new dev.pilothouse.template.StoredTemplate(rs.getString("name"), rs.getInt("version"),
                rs.getString("yaml"), rs.getString("created_by"), instant(rs, "created_at"), instant(rs, "updated_at"),
                instant(rs, "deleted_at"))).list();
    }

    // ---- messages -------------------------------------------------------------------------

    public Message insertMessage(Message m) {
        long id = h.createUpdate("INSERT INTO messages (session_id, role, agent, content, status, error, created_at, "
                        + "guardrail) VALUES (:s, :role, :agent, :content, :status, :error, :at, :guard)")
                .bind("s", m.sessionId()).bind("role", m.role().name()).bind("agent", m.agent())
                .bind("content", m.content()).bind("status", m.status().name()).bind("error", clip(m.error(), 8192))
                .bind("at", odt(m.createdAt())).bind("guard", guard(m.guard()))
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
        return new Message(id, m.sessionId(), m.role(), m.agent(), m.content(), m.status(), clip(m.error(), 8192),
                m.createdAt(), null, m.guard());
    }

    /**
     * A page of a session's messages in conversation order: those after {@code afterId} (oldest
     * first), or when {@code beforeId} is given the {@code limit} just before it.
     */
    public List<Message> messages(String sessionId, long afterId, Long beforeId, int limit) {
        if (beforeId != null) {
            List<Message> page = new ArrayList<>(h.createQuery("SELECT * FROM messages WHERE session_id = :s AND id < :b "
                            + "ORDER BY id DESC LIMIT :l")
                    .bind("s", sessionId).bind("b", beforeId).bind("l", limit)
                    .map((rs, ctx) -> messageRow(rs)).list());
            java.util.Collections.reverse(page);
            return page;
        }
        return h.createQuery("SELECT * FROM messages WHERE session_id = :s AND id > :a ORDER BY id LIMIT :l")
                .bind("s", sessionId).bind("a", afterId).bind("l", limit)
                .map((rs, ctx) -> messageRow(rs)).list();
    }

    public int countMessages(String sessionId) {
        return h.createQuery("SELECT COUNT(*) FROM messages WHERE session_id = :s").bind("s", sessionId)
                .mapTo(Integer.class).one();
    }

    /** Keeps a reply's trace: the events its agent streamed, with their times. */
    public void insertTrace(List<TraceEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        PreparedBatch b = h.prepareBatch("INSERT INTO reply_events (message_id, seq, at_ms, "
                + "type, stream, chars, text, exit_code, input_tokens, output_tokens) VALUES (:m, :seq, :at, :type, :stream, "
                + ":chars, :text, :exit, :in, :out)");
        for (TraceEvent e : events) {
            b.bind("m", e.messageId()).bind("seq", e.seq()).bind("at", e.atMillis()).bind("type", e.type().name())
                    .bind("stream", e.stream()).bind("chars", e.chars()).bind("text", e.text())
                    .bind("exit", e.exitCode()).bind("in", e.inputTokens()).bind("out", e.outputTokens()).add();
        }
        b.execute();
    }

    /** A reply's trace in arrival order (empty for a reply stored before traces were kept). */
    public List<TraceEvent> trace(long messageId) {
        return h.createQuery("SELECT * FROM reply_events WHERE message_id = :m ORDER BY seq").bind("m", messageId)
                .map((rs, ctx) -> new TraceEvent(rs.getLong("message_id"), rs.getInt("seq"), rs.getLong("at_ms"),
                        AgentEvent.Type.valueOf(rs.getString("type")), rs.getString("stream"), rs.getInt("chars"),
                        rs.getString("text"), (Integer) rs.getObject("exit_code"))).list();
    }

    /** Tokens the session's agents reported in their done events, as {input, output}; null when none did. */
    public long[] tokenTotals(String sessionId) {
        return h.createQuery("SELECT SUM(e.input_tokens), SUM(e.output_tokens), COUNT(e.input_tokens) + COUNT(e.output_tokens) "
                        + "FROM reply_events e JOIN messages m ON m.id = e.message_id WHERE m.session_id = :s "
                        + "AND m.copied_from IS NULL AND e.type = 'DONE'")
                .bind("s", sessionId)
                .map((rs, ctx) -> rs.getLong(3) == 0 ? null : new long[] {rs.getLong(1), rs.getLong(2)}).one();
    }

    /** For each traced reply of a session: its first event's time and its number of events. */
    public Map<Long, long[]> traceSummaries(String sessionId) {
        Map<Long, long[]> out = new HashMap<>();
        h.createQuery("SELECT e.message_id, MIN(e.at_ms) AS first_ms, COUNT(*) AS n FROM reply_events e "
                        + "JOIN messages m ON m.id = e.message_id WHERE m.session_id = :s GROUP BY e.message_id")
                .bind("s", sessionId)
                .map((rs, ctx) -> new long[]{rs.getLong("message_id"), rs.getLong("first_ms"), rs.getLong("n")})
                .forEach(r -> out.put(r[0], new long[]{r[1], r[2]}));
        return out;
    }

    /** Adds a message of another session's conversation (a bundle's), marked as copied from it. */
    public void importMessage(String sessionId, Message m, String copiedFrom) {
        h.createUpdate("INSERT INTO messages (session_id, role, agent, content, status, error, created_at, copied_from, "
                        + "guardrail) VALUES (:s, :role, :agent, :content, :status, :error, :at, :from, :guard)")
                .bind("s", sessionId).bind("role", m.role().name()).bind("agent", m.agent()).bind("content", m.content())
                .bind("status", m.status().name()).bind("error", clip(m.error(), 8192)).bind("at", odt(m.createdAt()))
                .bind("from", copiedFrom).bind("guard", guard(m.guard())).execute();
    }

    /** Copies a conversation into another session, keeping its order and times. */
    public int copyMessages(String fromSession, String toSession) {
        return h.createUpdate("INSERT INTO messages (session_id, role, agent, content, status, error, created_at, "
                        + "copied_from, guardrail) SELECT :to, role, agent, content, status, error, created_at, :from, "
                        + "guardrail FROM messages "
                        + "WHERE session_id = :from ORDER BY id")
                .bind("to", toSession).bind("from", fromSession).execute();
    }

    private static Message messageRow(ResultSet rs) throws SQLException {
        return new Message(rs.getLong("id"), rs.getString("session_id"), Message.Role.valueOf(rs.getString("role")),
                rs.getString("agent"), rs.getString("content"), Message.Status.valueOf(rs.getString("status")),
                rs.getString("error"), instant(rs, "created_at"), rs.getString("copied_from"),
                guard(rs.getString("guardrail")));
    }

    private static String guard(Message.Guard g) {
        if (g == null) {
            return null;
        }
        ObjectNode n = Json.object().put("verdict", g.verdict()).put("guardrail", g.guardrail());
        n.set("kinds", Json.MAPPER.valueToTree(g.kinds()));
        return Json.compact(n);
    }

    private static Message.Guard guard(String json) {
        if (json == null) {
            return null;
        }
        com.fasterxml.jackson.databind.JsonNode n = Json.parse(json);
        List<String> kinds = new ArrayList<>();
        n.path("kinds").forEach(k -> kinds.add(k.asText()));
        return new Message.Guard(n.path("verdict").asText(), n.path("guardrail").asText(), kinds);
    }

    // ---- audit ----------------------------------------------------------------------------

    public void audit(String sessionId, Instant at, String actor, String kind, SessionState from, SessionState to,
                      String reason, ObjectNode detail) {
        try (PreparedStatement ps = h.getConnection().prepareStatement("INSERT INTO audit_events "
                + "(session_num, at, actor, kind, from_state, to_state, reason, detail) VALUES "
                + "(" + NUM_OF_ID + ", ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, sessionId);
            ps.setObject(2, odt(at));
            ps.setString(3, actor);
            ps.setString(4, kind);
            ps.setString(5, from == null ? null : from.name());
            ps.setString(6, to == null ? null : to.name());
            ps.setString(7, clip(reason, 8192));
            ps.setString(8, detail == null ? null : Json.compact(detail));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new UnableToExecuteStatementException(e, null);
        }
    }

    /** A session's audit trail, oldest first, from after {@code afterId}. */
    public List<AuditEvent> auditEvents(String sessionId, long afterId, int limit) {
        return h.createQuery("SELECT * FROM audit_events WHERE session_num = " + NUM_OF_ID + " AND id > ? ORDER BY id LIMIT ?")
                .bind(0, sessionId).bind(1, afterId).bind(2, limit)
                .map((rs, ctx) -> new AuditEvent(rs.getLong("id"), sessionId, instant(rs, "at"),
                        rs.getString("actor"), rs.getString("kind"), state(rs.getString("from_state")),
                        state(rs.getString("to_state")), rs.getString("reason"), rs.getString("detail")))
                .list();
    }

    // ---- helpers --------------------------------------------------------------------------

    private static SessionState state(String s) {
        return s == null ? null : SessionState.valueOf(s);
    }

    static String clip(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    static OffsetDateTime odt(Instant t) {
        return t == null ? null : t.atOffset(ZoneOffset.UTC);
    }

    static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }
}
