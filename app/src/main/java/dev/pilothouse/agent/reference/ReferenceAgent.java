package dev.pilothouse.agent.reference;

/** Placeholder until the reference agent lands (see docs/agent-contract.md). */
public final class ReferenceAgent {
    private ReferenceAgent() {
    }

    public static void main(String[] args) {
        throw new UnsupportedOperationException("reference agent not implemented yet");
    }
}
