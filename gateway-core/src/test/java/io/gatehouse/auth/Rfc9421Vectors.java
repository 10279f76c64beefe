package io.gatehouse.auth;

/** RFC 9421 Appendix B test inputs, verbatim (header values unwrapped as on the wire). */
final class Rfc9421Vectors {

    /** B.1.5 test-shared-secret, base64. */
    static final String SHARED_SECRET =
            "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtb"
            + "mHhIDi6pcl8jsasjlTMtDQ==";
    /** B.1.2 test-key-rsa-pss public key, SPKI base64. */
    static final String RSA_PSS_PUBLIC =
            "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2"
            + "+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+"
            + "oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq"
            + "gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W"
            + "Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4"
            + "aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI"
            + "2wIDAQAB";
    /** B.1.3 test-key-ecc-p256 public key, SPKI base64. */
    static final String ECC_P256_PUBLIC =
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lf"
            + "w0EkjqF7xB4FivAxzic30tMM4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==";
    /** B.1.4 test-key-ed25519 public key, SPKI base64. */
    static final String ED25519_PUBLIC =
            "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=";
    /** B.1.4 test-key-ed25519 private key, PKCS#8 base64. */
    static final String ED25519_PRIVATE =
            "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF";

    /** The created time of every vector. */
    static final long CREATED = 1618884473L;

    static final String INPUT_SIG_B21 =
            "sig-b21=();created=1618884473;keyid=\"test-key-rsa-pss\";nonce="
            + "\"b3k2pp5k7z-50gnwp.yemd\"";
    static final String SIGNATURE_SIG_B21 =
            "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/l"
            + "kbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFx"
            + "ykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJ"
            + "zsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8"
            + "jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EP"
            + "YTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:";
    static final String INPUT_SIG_B22 =
            "sig-b22=(\"@authority\" \"content-digest\" \"@query-param\";name"
            + "=\"Pet\");created=1618884473;keyid=\"test-key-rsa-pss\";tag=\"he"
            + "ader-example\"";
    static final String SIGNATURE_SIG_B22 =
            "sig-b22=:LjbtqUbfmvjj5C5kr1Ugj4PmLYvx9wVjZvD9GsTT4F7GrcQEdJzgI9q"
            + "HxICagShLRiLMlAJjtq6N4CDfKtjvuJyE5qH7KT8UCMkSowOB4+ECxCmT8rtAmj/"
            + "0PIXxi0A0nxKyB09RNrCQibbUjsLS/2YyFYXEu4TRJQzRw1rLEuEfY17SARYhpTl"
            + "aqwZVtR8NV7+4UKkjqpcAoFqWFQh62s7Cl+H2fjBSpqfZUJcsIk4N6wiKYd4je2U"
            + "/lankenQ99PZfB4jY3I5rSV2DSBVkSFsURIjYErOs0tFTQosMTAoxk//0RoKUqiY"
            + "Y8Bh0aaUEb0rQl3/XaVe4bXTugEjHSw==:";
    static final String INPUT_SIG_B23 =
            "sig-b23=(\"date\" \"@method\" \"@path\" \"@query\" \"@authority"
            + "\" \"content-type\" \"content-digest\" \"content-length\");creat"
            + "ed=1618884473;keyid=\"test-key-rsa-pss\"";
    static final String SIGNATURE_SIG_B23 =
            "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnM"
            + "YwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC"
            + "59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/a"
            + "YA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A"
            + "9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSR"
            + "xpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:";
    static final String INPUT_SIG_B24 =
            "sig-b24=(\"@status\" \"content-type\" \"content-digest\" \"conte"
            + "nt-length\");created=1618884473;keyid=\"test-key-ecc-p256\"";
    static final String SIGNATURE_SIG_B24 =
            "sig-b24=:wNmSUAhwb5LxtOtOpNa6W5xj067m5hFrj0XQ4fvpaCLx0NKocgPquLg"
            + "yahnzDnDAUy5eCdlYUEkLIj+32oiasw==:";
    static final String INPUT_SIG_B25 =
            "sig-b25=(\"date\" \"@authority\" \"content-type\");created=16188"
            + "84473;keyid=\"test-shared-secret\"";
    static final String SIGNATURE_SIG_B25 =
            "sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:";
    static final String INPUT_SIG_B26 =
            "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \"content"
            + "-type\" \"content-length\");created=1618884473;keyid=\"test-key-"
            + "ed25519\"";
    static final String SIGNATURE_SIG_B26 =
            "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v"
            + "9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:";
    static final String INPUT_SIG1 =
            "sig1=(\"@method\" \"@authority\" \"@path\" \"content-digest\" \""
            + "content-length\" \"content-type\");created=1618884473;keyid=\"te"
            + "st-key-rsa-pss\"";
    static final String SIGNATURE_SIG1 =
            "sig1=:HIbjHC5rS0BYaa9v4QfD4193TORw7u9edguPh0AW3dMq9WImrlFrCGUDih"
            + "47vAxi4L2YRZ3XMJc1uOKk/J0ZmZ+wcta4nKIgBkKq0rM9hs3CQyxXGxHLMCy8uq"
            + "K488o+9jrptQ+xFPHK7a9sRL1IXNaagCNN3ZxJsYapFj+JXbmaI5rtAdSfSvzPuB"
            + "Ch+ARHBmWuNo1UzVVdHXrl8ePL4cccqlazIJdC4QEjrF+Sn4IxBQzTZsL9y9TP5F"
            + "sZYzHvDqbInkTNigBcE9cKOYNFCn4D/WM7F6TNuZO9EgtzepLWcjTymlHzK7aXq6"
            + "Am6sfOrpIC49yXjj3ae6HRalVc/g==:";
    static final String INPUT_TRANSFORM =
            "transform=(\"@method\" \"@path\" \"@authority\" \"accept\");crea"
            + "ted=1618884473;keyid=\"test-key-ed25519\"";
    static final String SIGNATURE_TRANSFORM =
            "transform=:ZT1kooQsEHpZ0I1IjCqtQppOmIqlJPeo7DHR3SoMn0s5JZ1eRGS0A"
            + "+vyYP9t/LXlh5QMFFQ6cpLt2m0pmj3NDA==:";

    private Rfc9421Vectors() {
    }
}
