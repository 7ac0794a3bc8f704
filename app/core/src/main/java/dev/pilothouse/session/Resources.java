package dev.pilothouse.session;

/**
 * Requested resources, as Kubernetes quantities (cpu "500m" or "2", memory "1Gi", storage
 * "10Gi"). The Kubernetes runtime enforces them; the local runtime records them.
 */
public record Resources(String cpu, String memory, String storage) {
    public static final Resources DEFAULT = new Resources("1", "1Gi", "10Gi");

    public Resources withDefaults(Resources defaults) {
        return new Resources(cpu != null ? cpu : defaults.cpu, memory != null ? memory : defaults.memory,
                storage != null ? storage : defaults.storage);
    }
}
