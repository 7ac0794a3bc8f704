package dev.pilothouse.agent.reference;

import java.nio.file.Path;

/** The answer to a chat message when no model is configured: what the agent is and how to use it. */
final class OfflineReply {
    private OfflineReply() {
    }

    static String text(AgentConfig config, long historyEntries, Path historyFile) {
        StringBuilder s = new StringBuilder();
        s.append("This is the Pilothouse reference agent '").append(config.name()).append('\'');
        if (config.sessionName() != null) {
            s.append(" of session '").append(config.sessionName()).append('\'');
        }
        s.append(", working in ").append(config.workspace()).append(".\n");
        s.append("No language model is configured, so I can only run shell commands.\n\n");
        s.append("To run a command, start the message with \"$ \", for example:\n");
        s.append("  $ ls -la\n");
        s.append("Everything after \"$ \" runs with sh -c in the workspace, further lines included, "
                + "so a multi-line script works.\n\n");
        s.append("To talk to a model, set these in the agent definition's env (or in my environment):\n");
        s.append("  OPENAI_BASE_URL   an OpenAI-compatible endpoint, for example https://api.openai.com/v1\n");
        s.append("  OPENAI_API_KEY    its API key, if it needs one\n");
        s.append("  PILOTHOUSE_MODEL  the model (the agent definition's model; OPENAI_MODEL also works)\n\n");
        s.append("My history (").append(historyFile).append(") holds ").append(historyEntries)
                .append(historyEntries == 1 ? " earlier entry" : " earlier entries")
                .append(" (messages and replies).");
        return s.toString();
    }
}
