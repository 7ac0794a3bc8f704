package dev.pilothouse.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.errors.WrongStateException;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.store.StoreTx;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Adds agents to and removes agents from a live session (seed 001's {@code session.add_agent}).
 * The new set is stored with the session's change and audited ({@code agents_changed}); when it
 * takes effect depends on the state:
 * <ul>
 * <li>READY: at once. The seed's table has no READY to INIT, so the session goes READY to IDLE
 * (not taking messages) while its agents restart with the new set on the same volume, as a
 * resume does, and then IDLE to READY; a start that fails leaves ERROR with the reason.</li>
 * <li>IDLE (paused): stored; the next resume starts the new set.</li>
 * <li>ERROR: stored; {@code retry} starts the new set.</li>
 * <li>INIT, BUSY, or an IDLE session being resumed: refused, saying to wait; a change never cuts a
 * start or a reply short.</li>
 * </ul>
 * A session keeps at least one agent; the first is the lead, so removing the lead makes the next
 * one lead.
 */
final class AgentSetChange {
    private final Engine engine;
    private final SessionLocks locks;
    private final Lifecycle lifecycle;

    AgentSetChange(Engine engine, SessionLocks locks, Lifecycle lifecycle) {
        this.engine = engine;
        this.locks = locks;
        this.lifecycle = lifecycle;
    }

    /**
     * Applies {@code fields} (the update's other fields, with their checks) and the agent change in
     * one write; on a READY session then restarts its agents and returns once READY (or ERROR).
     */
    Session apply(Session s, UpdateRequest u, Function<Session, Session.Builder> fields) {
        Map<String, AgentDefinition> added = resolve(u.addAgents());
        Set<String> removed = distinct(u.removeAgents(), false);
        for (String r : removed) {
            if (added.containsKey(r)) {
                throw new InvalidInputException("agent '" + r + "' is both added and removed; give it once", "additional_agents");
            }
        }
        String actor = engine.actor();
        InFlight.Start[] op = new InFlight.Start[1];
        Session changed = locks.with(s.id(), "having its agents changed by " + actor, () -> {
            Session cur = lifecycle.releaseOrphaned(latest(s.id()), false);
            SessionState was = cur.state();
            requireChangeable(cur);
            Function<Session, Session.Builder> edit = c -> {
                if (c.state() != was) {
                    throw new WrongStateException("session '" + c.name() + "' went from " + was + " to " + c.state()
                            + " meanwhile; nothing was changed: try again");
                }
                Session.Builder b = fields.apply(c).agents(newSet(c, added, removed));
                return was == SessionState.READY
                        ? b.state(SessionState.IDLE).phase(Phase.INITIALIZING).owner(engine.owner()) : b;
            };
            String reason = "agents changed by " + actor + describe(added.keySet(), removed)
                    + (was == SessionState.READY ? ": restarting its agents on the same volume" : "");
            Session w = engine.change(cur.id(), actor, reason, edit, (tx, written) -> {
                tx.replaceSessionAgents(written.id(), definitions(tx, written, added));
                tx.audit(written.id(), written.updatedAt(), actor, AuditEvent.AGENTS_CHANGED, null, null, reason,
                        detail(added.keySet(), removed, written, was));
            });
            if (was == SessionState.READY) {
                op[0] = lifecycle.beginStart(w.id());
            }
            return w;
        });
        if (op[0] == null) {
            return changed;
        }
        Session after = lifecycle.start(changed, null, engine.runtime(changed), "agents changed", op[0]);
        InFlight.Cancel cancelled = op[0].cancelled();
        if (cancelled != null) {
            throw new WrongStateException("restarting the agents of session '" + after.name() + "' was cancelled by "
                    + cancelled.actor() + " (" + cancelled.why() + "); the new agents are stored and start at the next "
                    + "resume; it is " + after.state() + (after.deleted() ? " and deleted" : ""));
        }
        return after;
    }

    private Session latest(String id) {
        return engine.store().read(tx -> tx.findSession(id)).orElseThrow(() -> new NotFoundException(
                "session " + id + " does not exist"));
    }

    /** Refuses states in which a change would cut work short, saying what to wait for. */
    private void requireChangeable(Session cur) {
        Engine.requireUsable(cur, "change the agents of");
        String wait = switch (cur.state()) {
            case INIT -> "it is still starting (INIT); try again when it is READY";
            case BUSY -> "it is BUSY: wait for the reply, then try again";
            case IDLE -> cur.owner() != null ? "it is being resumed; try again when it is READY" : null;
            case READY, ERROR -> lifecycle.ownedElsewhere(cur) ? "another Pilothouse process (pid "
                    + cur.owner().split(":")[0] + ") is working on it; try again when that is done" : null;
        };
        if (wait != null) {
            throw new WrongStateException("cannot change the agents of session '" + cur.name() + "' now: " + wait);
        }
    }

    /** The registered agents to add, by name, in the order given; an unknown one names those registered. */
    private Map<String, AgentDefinition> resolve(List<String> names) {
        Map<String, AgentDefinition> out = new LinkedHashMap<>();
        for (String n : distinct(names, true)) {
            out.put(n, engine.agent(n));
        }
        return out;
    }

    private static Set<String> distinct(List<String> names, boolean adding) {
        String field = adding ? "additional_agents" : "remove_agents";
        String which = adding ? "the agents to add" : "the agents to remove";
        Set<String> out = new LinkedHashSet<>();
        for (String n : names) {
            if (n == null || n.isBlank()) {
                throw new InvalidInputException("an empty name is among " + which + "; give agents' names", field);
            }
            if (!out.add(n)) {
                throw new InvalidInputException("agent '" + n + "' is given twice among " + which + "; give each agent once",
                        field);
            }
        }
        return out;
    }

    /** The session's agents without the removed ones, then the added ones; refuses what cannot be. */
    private static List<SessionAgent> newSet(Session c, Map<String, AgentDefinition> added, Set<String> removed) {
        List<String> names = c.agents().stream().map(SessionAgent::name).toList();
        for (String r : removed) {
            if (!names.contains(r)) {
                throw new InvalidInputException("cannot remove agent '" + r + "': session '" + c.name()
                        + "' has no such agent; its agents: " + names, "remove_agents");
            }
        }
        for (String a : added.keySet()) {
            if (names.contains(a)) {
                throw new InvalidInputException("agent '" + a + "' is already in session '" + c.name()
                        + "'; its agents: " + names, "additional_agents");
            }
        }
        List<SessionAgent> out = new ArrayList<>();
        c.agents().stream().filter(a -> !removed.contains(a.name())).forEach(out::add);
        added.values().forEach(d -> out.add(new SessionAgent(d.id(), d.name(), d.model(), d.image())));
        if (out.isEmpty()) {
            throw new InvalidInputException("cannot remove " + (removed.size() == 1 ? "the last agent" : "every agent")
                    + " of session '" + c.name() + "': a session needs at least one agent; add another in the same "
                    + "update, or delete the session", "remove_agents");
        }
        return out;
    }

    /** The kept agents' definitions as assigned (snapshots), then the added ones' as registered now. */
    private static List<AgentDefinition> definitions(StoreTx tx, Session written, Map<String, AgentDefinition> added) {
        Map<String, AgentDefinition> byName = new LinkedHashMap<>();
        tx.agentSnapshots(written.id()).forEach(d -> byName.put(d.name(), d));
        byName.putAll(added);
        return written.agents().stream().map(a -> byName.get(a.name())).toList();
    }

    private static ObjectNode detail(Set<String> added, Set<String> removed, Session written, SessionState was) {
        ObjectNode d = Json.object();
        ArrayNode a = d.putArray("added");
        added.forEach(a::add);
        ArrayNode r = d.putArray("removed");
        removed.forEach(r::add);
        ArrayNode now = d.putArray("agents");
        written.agents().forEach(x -> now.add(x.name()));
        d.put("applied", switch (was) {
            case READY -> "now";
            case IDLE -> "at resume";
            default -> "at retry";
        });
        return d;
    }

    private static String describe(Set<String> added, Set<String> removed) {
        List<String> parts = new ArrayList<>();
        if (!added.isEmpty()) {
            parts.add("added " + String.join(", ", added));
        }
        if (!removed.isEmpty()) {
            parts.add("removed " + String.join(", ", removed));
        }
        return " (" + String.join("; ", parts) + ")";
    }
}
