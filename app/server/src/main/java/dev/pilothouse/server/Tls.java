package dev.pilothouse.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A key store made from PEM files as operators have them: a certificate chain and a PKCS#8 private key. */
final class Tls {
    private static final Pattern KEY = Pattern.compile("-----BEGIN PRIVATE KEY-----(.*?)-----END PRIVATE KEY-----", Pattern.DOTALL);

    private Tls() {
    }

    static KeyStore keyStore(Path certFile, Path keyFile, char[] password) {
        try {
            var certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(certFile)));
            if (certs.isEmpty()) {
                throw new IllegalArgumentException("--tls-cert " + certFile + " holds no PEM certificate");
            }
            String pem = Files.readString(keyFile, StandardCharsets.US_ASCII);
            Matcher m = KEY.matcher(pem);
            if (!m.find()) {
                throw new IllegalArgumentException("--tls-key " + keyFile + " holds no unencrypted PKCS#8 key ('BEGIN PRIVATE "
                        + "KEY'); convert one with: openssl pkcs8 -topk8 -nocrypt -in KEY -out key.pem");
            }
            byte[] der = Base64.getMimeDecoder().decode(m.group(1));
            PrivateKey key = null;
            for (String alg : new String[]{"RSA", "EC", "Ed25519"}) {
                try {
                    key = KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
                    break;
                } catch (GeneralSecurityException wrongAlgorithm) {
                    // try the next
                }
            }
            if (key == null) {
                throw new IllegalArgumentException("--tls-key " + keyFile + ": not an RSA, EC or Ed25519 key");
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("pilothouse", key, password, certs.toArray(Certificate[]::new));
            return ks;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the TLS files: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the TLS files cannot be used: " + e.getMessage());
        }
    }
}
