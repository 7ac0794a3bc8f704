package dev.pilothouse;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The boundaries of the design. The modules make most of them compile errors (app/core has neither
 * JavaFX nor fabric8 to import, nor the runtimes; the CLI has no JavaFX); these rules hold the rest,
 * and hold the modules' classes together, as this module's class path has them all: the engine
 * never imports JavaFX, fabric8 or a runtime implementation; the console only talks to the engine.
 */
class ArchitectureTest {
    static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar")) // other modules' test fixtures
                .importPackages("dev.pilothouse");
    }

    @Test
    void everyModuleIsImported() {
        org.assertj.core.api.Assertions.assertThat(java.util.List.of("dev.pilothouse.engine.Engine",
                        "dev.pilothouse.runtime.local.LocalRuntime", "dev.pilothouse.runtime.kubernetes.KubernetesRuntime",
                        "dev.pilothouse.cli.Cli", "dev.pilothouse.console.ConsoleApp", "dev.pilothouse.Main"))
                .allMatch(classes::contain);
    }

    @Test
    void theEngineCoreKnowsNoRuntimeImplementationNoClusterClientAndNoUi() {
        noClasses().that().resideInAnyPackage("dev.pilothouse.engine..", "dev.pilothouse.store..",
                        "dev.pilothouse.session..", "dev.pilothouse.agent..", "dev.pilothouse.json..", "dev.pilothouse.errors..",
                        "dev.pilothouse.guardrails..", "dev.pilothouse.template..")
                .or().resideInAPackage("dev.pilothouse.runtime")
                .should().dependOnClassesThat().resideInAnyPackage("dev.pilothouse.runtime.local..",
                        "dev.pilothouse.runtime.kubernetes..", "io.fabric8..", "javafx..", "org.controlsfx..", "picocli..")
                .check(classes);
    }

    /** The guardrails are a library the engine calls: they know nothing of it but its errors. */
    @Test
    void theGuardrailsStandAlone() {
        noClasses().that().resideInAPackage("dev.pilothouse.guardrails..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.pilothouse.engine..", "dev.pilothouse.store..",
                        "dev.pilothouse.session..", "dev.pilothouse.agent..", "dev.pilothouse.runtime..",
                        "dev.pilothouse.server..", "dev.pilothouse.cli..", "dev.pilothouse.host..", "dev.pilothouse.console..")
                .check(classes);
    }

    @Test
    void eachRuntimeStandsAlone() {
        noClasses().that().resideInAPackage("dev.pilothouse.runtime.local..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.pilothouse.runtime.kubernetes..", "io.fabric8..")
                .check(classes);
        noClasses().that().resideInAPackage("dev.pilothouse.runtime.kubernetes..")
                .should().dependOnClassesThat().resideInAPackage("dev.pilothouse.runtime.local..")
                .check(classes);
    }

    @Test
    void theFrontEndsNameNoRuntimeImplementation() {
        noClasses().that().resideInAnyPackage("dev.pilothouse.cli..", "dev.pilothouse.host..", "dev.pilothouse.console..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.pilothouse.runtime.local..",
                        "dev.pilothouse.runtime.kubernetes..", "io.fabric8..")
                .check(classes);
    }

    @Test
    void onlyTheConsoleUsesJavaFx() {
        noClasses().that().resideOutsideOfPackage("dev.pilothouse.console..")
                .and().doNotHaveFullyQualifiedName("dev.pilothouse.Main")
                .should().dependOnClassesThat().resideInAnyPackage("javafx..", "org.controlsfx..", "atlantafx..",
                        "org.kordamp.ikonli..")
                .check(classes);
    }

    @Test
    void theConsoleReachesStoreRuntimesAndProcessesOnlyThroughTheEngine() {
        noClasses().that().resideInAPackage("dev.pilothouse.console..")
                .should().dependOnClassesThat().resideInAnyPackage("io.fabric8..", "org.h2..", "org.jdbi..",
                        "org.flywaydb..", "okhttp3..", "dev.pilothouse.store..", "dev.pilothouse.runtime.local..",
                        "dev.pilothouse.runtime.kubernetes..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName(ProcessBuilder.class.getName())
                .check(classes);
    }

    /**
     * javac inlines compile-time constants (LocalRuntime.CONTEXT becomes "local" in the class
     * file), so the bytecode rule above cannot see them: the console's sources are read as well.
     */
    @Test
    void theConsoleSourcesNameNoStoreRuntimeOrProcessClass() throws java.io.IOException {
        java.util.List<String> forbidden = java.util.List.of("dev.pilothouse.store", "dev.pilothouse.runtime.local",
                "dev.pilothouse.runtime.kubernetes", "io.fabric8", "org.h2", "org.jdbi", "org.flywaydb", "okhttp3",
                "LocalRuntime", "KubernetesRuntime", "ProcessBuilder");
        // tests run in the module's directory, app/console
        java.nio.file.Path console = java.nio.file.Path.of("src/main/java/dev/pilothouse/console");
        org.assertj.core.api.Assertions.assertThat(console).isDirectory();
        java.util.List<String> found = new java.util.ArrayList<>();
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(console)) {
            for (java.nio.file.Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                java.util.List<String> lines = java.nio.file.Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    for (String name : forbidden) {
                        if (lines.get(i).contains(name)) {
                            found.add(console.relativize(f) + ":" + (i + 1) + " names " + name);
                        }
                    }
                }
            }
        }
        org.assertj.core.api.Assertions.assertThat(found).isEmpty();
    }

    @Test
    void theEngineDoesNotDependOnItsFrontEnds() {
        noClasses().that().resideInAnyPackage("dev.pilothouse.engine..", "dev.pilothouse.store..",
                        "dev.pilothouse.runtime..", "dev.pilothouse.session..", "dev.pilothouse.agent..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.pilothouse.cli..", "dev.pilothouse.console..",
                        "dev.pilothouse.host..")
                .check(classes);
    }
}
