package dev.pilothouse;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The boundaries of the design: the engine never imports JavaFX; the console only talks to the engine. */
class ArchitectureTest {
    static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.pilothouse");
    }

    @Test
    void onlyTheConsoleUsesJavaFx() {
        noClasses().that().resideOutsideOfPackage("dev.pilothouse.console..")
                .and().doNotHaveFullyQualifiedName("dev.pilothouse.Main")
                .should().dependOnClassesThat().resideInAPackage("javafx..")
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

    @Test
    void theEngineDoesNotDependOnItsFrontEnds() {
        noClasses().that().resideInAnyPackage("dev.pilothouse.engine..", "dev.pilothouse.store..",
                        "dev.pilothouse.runtime..", "dev.pilothouse.session..", "dev.pilothouse.agent..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.pilothouse.cli..", "dev.pilothouse.console..")
                .check(classes);
    }
}
