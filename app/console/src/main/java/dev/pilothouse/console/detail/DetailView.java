package dev.pilothouse.console.detail;

import dev.pilothouse.session.Session;

/** A tab of the detail pane: shown a session, and shown it again whenever a newer version arrives. */
interface DetailView {
    /**
     * @param session  the session to show (a newer version of the same one, or another one)
     * @param previous the version shown before when it is the same session, else null
     */
    void show(Session session, Session previous);
}
