package io.gatehouse;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * An IPv4 or IPv6 address block such as {@code 10.0.0.0/8} or {@code ::1}, matched against IP
 * literals. Never resolves host names.
 *
 * <p>Immutable.
 */
public final class Cidr {

    private final byte[] network;
    private final int prefixLength;
    private final String text;

    private Cidr(byte[] network, int prefixLength, String text) {
        this.network = network;
        this.prefixLength = prefixLength;
        this.text = text;
    }

    /**
     * Parses {@code address/prefix} or a single address.
     *
     * @throws IllegalArgumentException naming the text when it is not an IP block
     */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        byte[] bytes = parseLiteral(address);
        if (bytes == null) {
            throw new IllegalArgumentException("not an IP address or CIDR block: '" + text + "'");
        }
        int prefix = bytes.length * 8;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bytes.length * 8) {
                throw new IllegalArgumentException(
                        "bad prefix length in CIDR block: '" + text + "'");
            }
        }
        return new Cidr(mask(bytes, prefix), prefix, text);
    }

    /** Whether {@code address} (an IP literal) lies in this block; false for anything else. */
    public boolean contains(String address) {
        byte[] bytes = parseLiteral(address);
        return bytes != null && bytes.length == network.length
                && Arrays.equals(mask(bytes, prefixLength), network);
    }

    /**
     * Parses every block of {@code texts}.
     *
     * @throws IllegalArgumentException naming the first text that is not an IP block
     */
    public static List<Cidr> parseAll(Collection<String> texts) {
        List<Cidr> blocks = new ArrayList<>(texts.size());
        for (String text : texts) {
            blocks.add(parse(text));
        }
        return List.copyOf(blocks);
    }

    /** Whether {@code address} lies in any of {@code blocks}. */
    public static boolean anyContains(List<Cidr> blocks, String address) {
        for (Cidr block : blocks) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code address} passes an allow list and a deny list: it must not lie in any
     * denied block, and, when the allow list is not empty, must lie in an allowed block. An
     * address that is not an IP literal passes only when both lists are empty.
     */
    public static boolean permits(List<Cidr> allow, List<Cidr> deny, String address) {
        if (allow.isEmpty() && deny.isEmpty()) {
            return true;
        }
        if (parseLiteral(address) == null || anyContains(deny, address)) {
            return false;
        }
        return allow.isEmpty() || anyContains(allow, address);
    }

    /**
     * The block of {@code ipv6PrefixLength} bits that an IPv6 {@code address} lies in, as text
     * (e.g. {@code 2001:db8:1:2:0:0:0:0/64}); an IPv4 address (also IPv4-mapped) is returned
     * as its own dotted form, anything else unchanged. Lets per-address counters treat one
     * IPv6 subnet, which a single client usually controls whole, as one client.
     */
    public static String aggregate(String address, int ipv6PrefixLength) {
        if (ipv6PrefixLength < 0 || ipv6PrefixLength > 128) {
            throw new IllegalArgumentException("IPv6 prefix length must be 0..128, was "
                    + ipv6PrefixLength);
        }
        byte[] bytes = parseLiteral(address);
        if (bytes == null) {
            return address;
        }
        try {
            if (bytes.length == 4) {
                return InetAddress.getByAddress(bytes).getHostAddress();
            }
            return InetAddress.getByAddress(mask(bytes, ipv6PrefixLength)).getHostAddress()
                    + "/" + ipv6PrefixLength;
        } catch (UnknownHostException e) {
            return address;
        }
    }

    /**
     * Parses an IPv4 or IPv6 literal (IPv6 optionally in brackets) without any name lookup.
     *
     * @return the address bytes, or {@code null} when {@code text} is not an IP literal
     */
    static byte[] parseLiteral(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        String literal = text;
        if (literal.startsWith("[") && literal.endsWith("]")) {
            literal = literal.substring(1, literal.length() - 1);
        }
        boolean ipv6 = literal.indexOf(':') >= 0;
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            boolean ok = c >= '0' && c <= '9' || c == '.'
                    || ipv6 && (c == ':' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F');
            if (!ok) {
                return null;
            }
        }
        if (!ipv6 && literal.chars().filter(c -> c == '.').count() != 3) {
            return null;
        }
        try {
            // A literal of only digits, dots, colons and hex never triggers a DNS lookup.
            byte[] bytes = InetAddress.getByName(literal).getAddress();
            if (bytes.length == 16 && isMappedIpv4(bytes)) {
                return Arrays.copyOfRange(bytes, 12, 16);
            }
            return bytes;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static boolean isMappedIpv4(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    }

    private static byte[] mask(byte[] address, int prefixLength) {
        byte[] masked = address.clone();
        for (int i = 0; i < masked.length; i++) {
            int bits = Math.max(0, Math.min(8, prefixLength - i * 8));
            masked[i] &= (byte) (0xff << (8 - bits));
        }
        return masked;
    }

    @Override
    public String toString() {
        return text;
    }
}
