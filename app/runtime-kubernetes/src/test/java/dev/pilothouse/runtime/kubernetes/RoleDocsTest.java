package dev.pilothouse.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Role the README, docs/kubernetes.md and packaging/kubernetes/role.yaml give grants exactly
 * what the code checks ({@link AccessCheck#NEEDED}) and what it grants besides
 * ({@link AccessCheck#ALSO_GRANTED}): nothing missing, nothing more.
 */
class RoleDocsTest {
    private static final Path ROOT = Path.of(System.getProperty("pilothouse.root", "../.."));
    private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL);

    @Test
    void theReadmeTheDocsAndThePackagedRoleGrantWhatTheCodeChecks() throws IOException {
        Set<String> code = new TreeSet<>();
        AccessCheck.ROLE.forEach(p -> code.add(p.describe()));
        assertThat(grants(roleIn(Files.readString(ROOT.resolve("README.md"))))).as("README").isEqualTo(code);
        assertThat(grants(roleIn(Files.readString(ROOT.resolve("docs/kubernetes.md"))))).as("docs/kubernetes.md").isEqualTo(code);
        assertThat(grants(Serialization.unmarshal(Files.readString(ROOT.resolve("packaging/kubernetes/role.yaml")), Role.class)))
                .as("packaging/kubernetes/role.yaml").isEqualTo(code);
    }

    @Test
    void aRefusalNamesTheRoleLineThatGrantsWhatIsMissing() {
        assertThat(AccessCheck.roleLine("create secrets")).isEqualTo("{apiGroups: [\"\"], resources: [secrets], verbs: [get, create, delete]}");
        assertThat(AccessCheck.roleLine("create pods/portforward"))
                .isEqualTo("{apiGroups: [\"\"], resources: [pods/portforward], verbs: [create, get]}");
        assertThat(AccessCheck.refusal("start session 's'", "lab", "team-a", java.util.List.of("create secrets"), "create pods"))
                .as("nothing it uses is missing").isNull();
        assertThat(AccessCheck.blind(java.util.List.of("create secrets", "delete secrets"))).isFalse();
        assertThat(AccessCheck.blind(java.util.List.of("watch persistentvolumeclaims"))).isTrue();
    }

    /** The first YAML block of a Markdown file with a Role in it: that Role. */
    private static Role roleIn(String markdown) {
        Matcher m = YAML_BLOCK.matcher(markdown);
        while (m.find()) {
            for (String doc : m.group(1).split("\n---\n")) {
                if (doc.contains("kind: Role\n")) {
                    return Serialization.unmarshal(doc, Role.class);
                }
            }
        }
        throw new AssertionError("no YAML block with a Role");
    }

    /** Every (verb, resource, group) the Role grants, as AccessCheck describes a permission. */
    private static Set<String> grants(Role role) {
        Set<String> out = new TreeSet<>();
        for (PolicyRule r : role.getRules()) {
            for (String group : r.getApiGroups()) {
                for (String resource : r.getResources()) {
                    for (String verb : r.getVerbs()) {
                        String[] rs = resource.split("/", 2);
                        out.add(new AccessCheck.Permission(verb, group, rs[0], rs.length > 1 ? rs[1] : null).describe());
                    }
                }
            }
        }
        return out;
    }
}
