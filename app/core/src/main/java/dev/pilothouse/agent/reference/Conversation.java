package dev.pilothouse.agent.reference;

import java.util.ArrayList;
import java.util.List;

/**
 * Answers one message: a {@code $ } command, a model call when one is configured, or the offline
 * help. Both the message and the reply go to the history, so a restarted agent remembers them.
 */
final class Conversation {
    static final String COMMAND_PREFIX = "$ ";

    private final AgentConfig config;
    private final HistoryFile history;
    private final CommandRunner commands;
    private ChatClient chat;

    Conversation(AgentConfig config) {
        this.config = config;
        this.history = new HistoryFile(config.historyDir());
        this.commands = new CommandRunner(config.workspace(), config.commandTimeoutSeconds(), config.commandEnv());
    }

    static boolean isCommand(String content) {
        return content.startsWith(COMMAND_PREFIX);
    }

    /** Streams the reply into {@code events}; it always ends with done or error. */
    void reply(String content, EventStream events) throws InterruptedException {
        List<HistoryFile.Entry> earlier = history.recent();
        long earlierCount = history.size();
        history.append("user", ClippedText.of(content));
        try {
            if (isCommand(content)) {
                commands.run(content.substring(COMMAND_PREFIX.length()), events);
            } else if (config.llmConfigured()) {
                askModel(earlier, content, events);
            } else {
                events.delta(OfflineReply.text(config, earlierCount, history.path()));
                events.done(null);
            }
        } finally {
            // a failed reply keeps what it said; one that said nothing leaves no empty entry
            if (events.hasText()) {
                history.append("assistant", events.text());
            }
        }
    }

    /** Kills a running command: the agent is stopping. */
    void stop() {
        commands.killRunning();
    }

    private void askModel(List<HistoryFile.Entry> earlier, String content, EventStream events) {
        if (config.model() == null) {
            events.error("no model configured: set PILOTHOUSE_MODEL (the agent definition's model) or OPENAI_MODEL");
            return;
        }
        List<ChatClient.ChatMessage> messages = new ArrayList<>();
        messages.add(new ChatClient.ChatMessage("system", systemMessage()));
        earlier.forEach(e -> messages.add(new ChatClient.ChatMessage(e.role(), e.content())));
        messages.add(new ChatClient.ChatMessage("user", content));
        if (chat == null) {
            chat = new ChatClient(config.openAiBaseUrl(), config.openAiApiKey());
        }
        chat.stream(config.model(), messages, events);
    }

    private String systemMessage() {
        if (config.instructions() != null) {
            return config.instructions();
        }
        return "You are the Pilothouse reference agent '" + config.name() + "', working in " + config.workspace()
                + ". The operator runs shell commands there by starting a message with \"$ \"; "
                + "their output is part of this conversation.";
    }
}
