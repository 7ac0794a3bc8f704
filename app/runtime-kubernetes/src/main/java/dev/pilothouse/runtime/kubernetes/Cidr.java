package dev.pilothouse.runtime.kubernetes;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** An IP block in CIDR notation, enough to tell whether one block lies inside another. */
record Cidr(byte[] address, int prefix) {
    /** IPv4 dotted quads, or IPv6 (with a colon): literals only, so parsing never looks up a name. */
    private static final Pattern SHAPE = Pattern.compile("(\\d{1,3}(\\.\\d{1,3}){3}|[0-9a-fA-F.]*:[0-9a-fA-F.:]*)/\\d{1,3}");

    /** The block, or null when {@code text} is not an IPv4 or IPv6 CIDR. */
    static Cidr parse(String text) {
        if (text == null || !SHAPE.matcher(text).matches()) {
            return null;
        }
        int slash = text.indexOf('/');
        try {
            byte[] a = InetAddress.getByName(text.substring(0, slash)).getAddress();
            int p = Integer.parseInt(text.substring(slash + 1));
            return p <= a.length * 8 ? new Cidr(a, p) : null;
        } catch (UnknownHostException | NumberFormatException e) {
            return null;
        }
    }

    /** Whether {@code inner} is the same family and entirely inside this block (a NetworkPolicy's except rule). */
    boolean contains(Cidr inner) {
        if (inner.address.length != address.length || inner.prefix < prefix) {
            return false;
        }
        int bits = address.length * 8;
        BigInteger mask = prefix == 0 ? BigInteger.ZERO
                : BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE).shiftRight(bits - prefix).shiftLeft(bits - prefix);
        return new BigInteger(1, address).and(mask).equals(new BigInteger(1, inner.address).and(mask));
    }

    /** A strictly smaller block: NetworkPolicy refuses an except equal to its cidr. */
    boolean strictlyContains(Cidr inner) {
        return contains(inner) && inner.prefix > prefix;
    }
}
