package org.persite.server;

import java.io.IOException;
import java.io.InputStream;
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
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * TLS for the gRPC port, from PEM files ({@code persite.server.tls}).
 *
 * @param certificate the certificate chain, PEM
 * @param privateKey its private key, PEM PKCS#8 ("BEGIN PRIVATE KEY"), RSA or EC
 */
public record TlsSettings(boolean enabled, String certificate, String privateKey) {

    /** An SSL context serving the certificate chain with its key. */
    public SSLContext sslContext() throws IOException, GeneralSecurityException {
        if (certificate.isEmpty() || privateKey.isEmpty()) {
            throw new IOException("persite.server.tls.enabled needs tls.certificate and tls.private-key (PEM files)");
        }
        Certificate[] chain;
        try (InputStream in = Files.newInputStream(Path.of(certificate))) {
            chain = CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(Certificate[]::new);
        }
        if (chain.length == 0) {
            throw new IOException(certificate + " holds no certificate");
        }
        String pem = Files.readString(Path.of(privateKey), StandardCharsets.US_ASCII);
        if (!pem.contains("BEGIN PRIVATE KEY")) {
            throw new IOException(privateKey + " is not a PKCS#8 PEM key (BEGIN PRIVATE KEY); convert it with "
                    + "'openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8'");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", "").trim());
        PrivateKey key = null;
        for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                key = KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
                break;
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        if (key == null) {
            throw new IOException(privateKey + ": unsupported key (RSA, EC or Ed25519 expected)");
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] pass = new char[0];
        ks.setKeyEntry("persite", key, pass, chain);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pass);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }
}
