package io.gatehouse.auth;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.Key;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECKey;
import java.security.interfaces.EdECKey;
import java.security.interfaces.RSAKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.SecretKey;

/**
 * The RFC 9421 signature algorithms this gateway signs and verifies. Each algorithm fixes the
 * key type it takes, so a key registered for one can never be used with another.
 *
 * <p>Immutable; thread-safe.
 */
public enum SignatureAlgorithm {

    /** HMAC using SHA-256 (RFC 9421 section 3.3.3), with a secret of at least 32 bytes. */
    HMAC_SHA256("hmac-sha256"),
    /** EdDSA using curve edwards25519 (section 3.3.6). */
    ED25519("ed25519"),
    /** ECDSA using curve P-256 and SHA-256, signature as 64 bytes r||s (section 3.3.4). */
    ECDSA_P256_SHA256("ecdsa-p256-sha256"),
    /** RSASSA-PSS using SHA-512, MGF1 with SHA-512, 64-byte salt (section 3.3.1). */
    RSA_PSS_SHA512("rsa-pss-sha512");

    private final String id;

    SignatureAlgorithm(String id) {
        this.id = id;
    }

    /** The name used in the {@code alg} parameter, e.g. {@code ed25519}. */
    public String id() {
        return id;
    }

    /** The algorithm named {@code id} in the {@code alg} parameter. */
    public static Optional<SignatureAlgorithm> byId(String id) {
        for (SignatureAlgorithm algorithm : values()) {
            if (algorithm.id.equals(id)) {
                return Optional.of(algorithm);
            }
        }
        return Optional.empty();
    }

    /**
     * Checks that {@code key} is of this algorithm's kind: a secret key for HMAC, a public or
     * private key of the right family otherwise.
     *
     * @throws IllegalArgumentException naming the mismatch
     */
    public void checkKey(Key key) {
        boolean fits = switch (this) {
            case HMAC_SHA256 -> key instanceof SecretKey secret && secret.getEncoded() != null
                    && secret.getEncoded().length >= 32;
            case ED25519 -> key instanceof EdECKey edec
                    && "Ed25519".equalsIgnoreCase(edec.getParams().getName());
            case ECDSA_P256_SHA256 -> key instanceof ECKey ec
                    && ec.getParams().getCurve().getField().getFieldSize() == 256;
            case RSA_PSS_SHA512 -> key instanceof RSAKey rsa
                    && rsa.getModulus().bitLength() >= 2048;
        };
        if (!fits) {
            throw new IllegalArgumentException("a " + key.getAlgorithm() + " key cannot be used "
                    + "with " + id + (this == HMAC_SHA256 ? " (needs a secret of 32+ bytes)" : ""));
        }
    }

    /** Signs {@code base} with {@code key} (the secret, or a private key). */
    public byte[] sign(Key key, byte[] base) throws GeneralSecurityException {
        checkKey(key);
        if (this == HMAC_SHA256) {
            return hmac((SecretKey) key, base);
        }
        Signature signature = signature();
        signature.initSign((PrivateKey) key);
        signature.update(base);
        return signature.sign();
    }

    /**
     * Whether {@code signature} over {@code base} verifies with {@code key} (the secret, or a
     * public key). A signature of the wrong shape does not verify; HMACs are compared in
     * constant time.
     */
    public boolean verify(Key key, byte[] base, byte[] signature) {
        try {
            if (this == HMAC_SHA256) {
                return MessageDigest.isEqual(hmac((SecretKey) key, base), signature);
            }
            if (this == ECDSA_P256_SHA256 && signature.length != 64
                    || this == ED25519 && signature.length != 64) {
                return false;
            }
            Signature verifier = signature();
            verifier.initVerify((PublicKey) key);
            verifier.update(base);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | ClassCastException e) {
            return false;
        }
    }

    private Signature signature() throws GeneralSecurityException {
        return switch (this) {
            case ED25519 -> Signature.getInstance("Ed25519");
            // P1363 is the raw r||s form RFC 9421 uses; it also refuses DER and odd lengths.
            case ECDSA_P256_SHA256 -> Signature.getInstance("SHA256withECDSAinP1363Format");
            case RSA_PSS_SHA512 -> {
                Signature pss = Signature.getInstance("RSASSA-PSS");
                try {
                    pss.setParameter(new PSSParameterSpec("SHA-512", "MGF1",
                            MGF1ParameterSpec.SHA512, 64, 1));
                } catch (InvalidAlgorithmParameterException e) {
                    throw new IllegalStateException("RSASSA-PSS parameters refused", e);
                }
                yield pss;
            }
            case HMAC_SHA256 -> throw new IllegalStateException("HMAC is not a signature");
        };
    }

    private static byte[] hmac(SecretKey key, byte[] base) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(key);
        return mac.doFinal(base);
    }
}
