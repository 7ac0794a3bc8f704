package dev.pilothouse.runtime;

/**
 * Why a connection to an agent its runtime still counts as running failed, as the runtime tells it.
 *
 * @param why         for people: "its container was restarted by the kubelet …", "the API server
 *                    ended the port-forward stream …", "context 'lab' is unreachable: …"
 * @param agentWentOn whether the agent's process lived on through it (only the way to it broke): it
 *                    may then still be working on the message whose connection was lost
 */
public record ConnectionLoss(String why, boolean agentWentOn) {
    /** The agent itself went down (exited, restarted). */
    public static ConnectionLoss agentDown(String why) {
        return new ConnectionLoss(why, false);
    }

    /** Only the connection broke; the agent lives on. */
    public static ConnectionLoss wayBroke(String why) {
        return new ConnectionLoss(why, true);
    }
}
