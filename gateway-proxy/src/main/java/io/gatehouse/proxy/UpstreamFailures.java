package io.gatehouse.proxy;

import io.gatehouse.ErrorCode;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeoutException;

/**
 * What an upstream call's failure means, for synchronous forwarding and background tasks
 * alike: whether the request never reached the upstream (safe to send elsewhere), and which
 * problem code it answers.
 */
final class UpstreamFailures {

    private UpstreamFailures() {
    }

    /** Why the gateway aborted a call itself; never thrown, so without stack trace. */
    static final class Abort extends Exception {
        private static final long serialVersionUID = 1L;
        final ErrorCode code;

        Abort(String message, ErrorCode code) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    /** A refused, unresolvable or timed-out connection: nothing reached the upstream. */
    static boolean isConnectFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException || cause instanceof UnknownHostException
                    || cause instanceof UnresolvedAddressException) {
                return true;
            }
            if (cause instanceof SocketTimeoutException
                    && String.valueOf(cause.getMessage()).contains("onnect")) {
                return true;
            }
        }
        return false;
    }

    /** The code of the problem a failed call answers: an abort's own, a timeout, or 502. */
    static ErrorCode classify(Throwable failure) {
        if (failure instanceof Abort abort) {
            return abort.code;
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof TimeoutException || cause instanceof SocketTimeoutException) {
                return ErrorCode.UPSTREAM_TIMEOUT;
            }
        }
        return ErrorCode.UPSTREAM_UNAVAILABLE;
    }
}
