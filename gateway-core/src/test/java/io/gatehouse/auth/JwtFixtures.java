package io.gatehouse.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.gatehouse.GatewayRequest;
import io.gatehouse.TestExchange;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.function.UnaryOperator;

/** Keys and token helpers shared by the JWT tests. */
final class JwtFixtures {

    static final RSAKey RSA = generateRsa("rsa-1");
    static final RSAKey RSA_OTHER = generateRsa("rsa-2");
    static final ECKey EC256 = generateEc(Curve.P_256, "ec-256");
    static final ECKey EC384 = generateEc(Curve.P_384, "ec-384");
    static final ECKey EC521 = generateEc(Curve.P_521, "ec-521");
    static final OctetSequenceKey HMAC = new OctetSequenceKey.Builder(
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                    .getBytes(StandardCharsets.US_ASCII)).keyID("hmac-1").build();
    static final Ed25519 ED = Ed25519.generate("ed-1");

    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private JwtFixtures() {
    }

    /** An Ed25519 key pair as a public JWK plus the JDK private key to sign with. */
    record Ed25519(OctetKeyPair jwk, PrivateKey privateKey) {
        static Ed25519 generate(String keyId) {
            try {
                KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                byte[] spki = pair.getPublic().getEncoded();
                byte[] raw = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
                return new Ed25519(new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(raw))
                        .keyID(keyId).build(), pair.getPrivate());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static RSAKey generateRsa(String keyId) {
        try {
            return new RSAKeyGenerator(2048).keyID(keyId).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static ECKey generateEc(Curve curve, String keyId) {
        try {
            return new ECKeyGenerator(curve).keyID(keyId).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Claims that pass every check of the default test issuer. */
    static JWTClaimsSet.Builder validClaims() {
        return new JWTClaimsSet.Builder()
                .issuer("https://issuer.example")
                .audience("gatehouse")
                .subject("alice")
                .jwtID("jti-1")
                .issueTime(Date.from(NOW.minusSeconds(10)))
                .expirationTime(Date.from(NOW.plusSeconds(300)));
    }

    static String sign(JWSAlgorithm algorithm, JWK key, JWTClaimsSet claims) {
        return sign(algorithm, key, claims, header -> header);
    }

    static String sign(JWSAlgorithm algorithm, JWK key, JWTClaimsSet claims,
            UnaryOperator<JWSHeader.Builder> headerChanges) {
        JWSHeader header = headerChanges.apply(new JWSHeader.Builder(algorithm)
                .keyID(key.getKeyID())).build();
        try {
            SignedJWT jwt = new SignedJWT(header, claims);
            jwt.sign(signer(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Signs an Ed25519 token by hand (the JOSE library needs an extra dependency for it). */
    static String signEd25519(Ed25519 key, JWTClaimsSet claims) {
        String header = Base64URL.encode("{\"alg\":\"EdDSA\",\"kid\":\"" + key.jwk().getKeyID()
                + "\"}").toString();
        String payload = Base64URL.encode(claims.toString()).toString();
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(key.privateKey());
            signer.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
            return header + "." + payload + "." + Base64URL.encode(signer.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A token whose header is exactly {@code headerJson}, with a signature made by {@code mac}. */
    static String rawToken(String headerJson, JWTClaimsSet claims, byte[] hmacSecret) {
        String header = Base64URL.encode(headerJson).toString();
        String payload = Base64URL.encode(claims.toString()).toString();
        String input = header + "." + payload;
        if (hmacSecret == null) {
            return input + ".";
        }
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(hmacSecret, "HmacSHA256"));
            return input + "." + Base64URL.encode(
                    mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static JWSSigner signer(JWK key) throws JOSEException {
        if (key instanceof RSAKey rsa) {
            return new RSASSASigner(rsa);
        }
        if (key instanceof ECKey ec) {
            return new ECDSASigner(ec);
        }
        return new MACSigner((OctetSequenceKey) key);
    }

    static GatewayRequest bearer(String token) {
        return new GatewayRequest(TestExchange.request("GET", "/x")
                .header("Authorization", "Bearer " + token), "req-1", "/x", "127.0.0.1");
    }
}
