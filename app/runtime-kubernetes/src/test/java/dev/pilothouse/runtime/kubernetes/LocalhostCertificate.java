package dev.pilothouse.runtime.kubernetes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A self-signed certificate for {@code localhost} and {@code 127.0.0.1}, its own CA, made with the
 * JDK's keytool. The names are subject alternative names: the only ones OkHttp (fabric8's client)
 * checks a host against, so a certificate naming its host only in the CN would be refused.
 */
final class LocalhostCertificate {
    static final String PASSWORD = "fake-cluster";

    private final Path dir;

    private LocalhostCertificate(Path dir) {
        this.dir = dir;
    }

    static LocalhostCertificate create() {
        try {
            Path dir = Files.createTempDirectory("fake-cluster-tls");
            LocalhostCertificate c = new LocalhostCertificate(dir);
            c.keytool("-genkeypair", "-alias", "api", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                    "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-ext", "BC:c=ca:true",
                    "-storetype", "PKCS12", "-keystore", c.keystore().toString(), "-storepass", PASSWORD);
            c.keytool("-exportcert", "-rfc", "-alias", "api", "-keystore", c.keystore().toString(),
                    "-storepass", PASSWORD, "-file", c.pem().toString());
            return c;
        } catch (IOException e) {
            throw new IllegalStateException("cannot make a certificate for the fake cluster", e);
        }
    }

    /** The key and certificate, PKCS#12, with {@link #PASSWORD}. */
    Path keystore() {
        return dir.resolve("api.p12");
    }

    /** The certificate, PEM: what a client trusts (a pod's ca.crt). */
    Path pem() {
        return dir.resolve("ca.crt");
    }

    void delete() {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temp dir
        }
    }

    private void keytool(String... args) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool " + args[0] + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
