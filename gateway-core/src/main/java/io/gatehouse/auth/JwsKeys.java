package io.gatehouse.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import java.util.Set;

/**
 * Which JWKs may verify which JWS algorithms, and the verification itself. The key type decides
 * the algorithm family, so an RSA public key can never be used as an HMAC secret (the classic
 * algorithm confusion) and an HMAC key never verifies an RSA signature.
 *
 * <p>Stateless; thread-safe.
 */
final class JwsKeys {

    /** DER of an Ed25519 SubjectPublicKeyInfo up to the 32 key bytes (RFC 8410). */
    private static final byte[] ED25519_SPKI_PREFIX =
            HexFormat.of().parseHex("302a300506032b6570032100");
    private static final Set<Curve> EC_CURVES = Set.of(Curve.P_256, Curve.P_384, Curve.P_521);

    private JwsKeys() {
    }

    /** Why {@code key} cannot be used for verification, or {@code null} when it can. */
    static String unacceptable(JWK key) {
        if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
            return "key " + key.getKeyID() + " is not a signature key (use="
                    + key.getKeyUse() + ")";
        }
        if (key instanceof RSAKey rsa) {
            return rsa.size() < 2048 ? "RSA keys need at least 2048 bits, key " + key.getKeyID()
                    + " has " + rsa.size() : null;
        }
        if (key instanceof OctetSequenceKey oct) {
            return oct.size() < 256 ? "HMAC secrets need at least 256 bits, key "
                    + key.getKeyID() + " has " + oct.size() : null;
        }
        if (key instanceof ECKey ec) {
            return EC_CURVES.contains(ec.getCurve()) ? null
                    : "EC curve " + ec.getCurve() + " is not supported";
        }
        if (key instanceof OctetKeyPair okp) {
            return Curve.Ed25519.equals(okp.getCurve()) ? null
                    : "OKP curve " + okp.getCurve() + " is not supported";
        }
        return "key type " + key.getKeyType() + " is not supported";
    }

    /** The public part of an asymmetric key; a secret key unchanged. */
    static JWK publicPart(JWK key) {
        return key instanceof OctetSequenceKey ? key : key.toPublicJWK();
    }

    /** Whether {@code key} may verify a signature made with {@code algorithm}. */
    static boolean fits(JWK key, JWSAlgorithm algorithm) {
        if (key.getAlgorithm() != null && !key.getAlgorithm().getName()
                .equals(algorithm.getName())) {
            return false;
        }
        if (JWSAlgorithm.Family.HMAC_SHA.contains(algorithm)) {
            return key instanceof OctetSequenceKey;
        }
        if (JWSAlgorithm.Family.RSA.contains(algorithm)) {
            return key instanceof RSAKey;
        }
        if (JWSAlgorithm.Family.EC.contains(algorithm)) {
            if (!(key instanceof ECKey ec)) {
                return false;
            }
            return algorithm.equals(JWSAlgorithm.ES256) && Curve.P_256.equals(ec.getCurve())
                    || algorithm.equals(JWSAlgorithm.ES384) && Curve.P_384.equals(ec.getCurve())
                    || algorithm.equals(JWSAlgorithm.ES512) && Curve.P_521.equals(ec.getCurve());
        }
        if (JWSAlgorithm.EdDSA.equals(algorithm)) {
            return key instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve());
        }
        return false;
    }

    /** Whether {@code jws}'s signature verifies with {@code key} (which {@link #fits} it). */
    static boolean verify(JWK key, JWSObject jws) {
        try {
            if (key instanceof OctetSequenceKey oct) {
                return jws.verify(new MACVerifier(oct.toByteArray()));
            }
            if (key instanceof RSAKey rsa) {
                return jws.verify(new RSASSAVerifier(rsa.toRSAPublicKey()));
            }
            if (key instanceof ECKey ec) {
                return jws.verify(new ECDSAVerifier(ec.toECPublicKey()));
            }
            if (key instanceof OctetKeyPair okp) {
                Signature verifier = Signature.getInstance("Ed25519");
                verifier.initVerify(ed25519PublicKey(okp.getX().decode()));
                verifier.update(jws.getSigningInput());
                return verifier.verify(jws.getSignature().decode());
            }
            return false;
        } catch (JOSEException | GeneralSecurityException | IllegalStateException e) {
            // A key that cannot be used or a signature of the wrong shape does not verify.
            return false;
        }
    }

    /** An Ed25519 public key from its 32 raw bytes (RFC 8032 encoding). */
    static PublicKey ed25519PublicKey(byte[] raw) throws GeneralSecurityException {
        if (raw.length != 32) {
            throw new GeneralSecurityException("an Ed25519 public key has 32 bytes, not "
                    + raw.length);
        }
        byte[] encoded = new byte[ED25519_SPKI_PREFIX.length + 32];
        System.arraycopy(ED25519_SPKI_PREFIX, 0, encoded, 0, ED25519_SPKI_PREFIX.length);
        System.arraycopy(raw, 0, encoded, ED25519_SPKI_PREFIX.length, 32);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded));
    }
}
