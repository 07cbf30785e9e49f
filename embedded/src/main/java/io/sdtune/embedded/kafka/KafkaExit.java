package io.sdtune.embedded.kafka;

import org.apache.kafka.common.utils.Exit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops Kafka from ending the JVM that embeds it. A Kafka server exits or halts its process on a
 * fatal fault, through {@link Exit}; here that process also runs the launcher, the services or
 * the tests. Kafka logs the fault just before; the request itself is logged as an error and
 * becomes an exception on the thread that made it, which ends the faulting operation. The
 * setting is process-wide and stays: Kafka has no other hook, and no way to read the procedure
 * it replaces.
 */
final class KafkaExit {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaExit.class);
    /** Inside {@link #duringStartup}: the exit request made on this thread, empty while none. */
    private static final ThreadLocal<StringBuilder> STARTUP_REQUEST = new ThreadLocal<>();
    private static boolean installed;

    private KafkaExit() {
    }

    static synchronized void keepJvmRunning() {
        if (installed) {
            return;
        }
        Exit.setExitProcedure((status, message) -> refuse("exit", status, message));
        Exit.setHaltProcedure((status, message) -> refuse("halt", status, message));
        installed = true;
    }

    /**
     * Runs a server's startup. An exit request made on this thread meanwhile is remembered
     * instead of thrown, so that Kafka's own error path goes on: a controller that fails to start
     * reports a fatal fault, then shuts itself down and rethrows the cause, which is the reason
     * the caller wants. A request not followed by such an exception fails the startup here.
     */
    static void duringStartup(Runnable startup) {
        StringBuilder request = new StringBuilder();
        STARTUP_REQUEST.set(request);
        try {
            startup.run();
        } finally {
            STARTUP_REQUEST.remove();
        }
        if (request.length() > 0) {
            throw new IllegalStateException(request.toString());
        }
    }

    private static void refuse(String what, int status, String message) {
        String reason = "Kafka asked to " + what + " the JVM with status " + status
                + (message == null ? "" : " (" + message + ")")
                + " after a fatal fault, logged before; the JVM keeps running";
        LOG.error(reason);
        StringBuilder startupRequest = STARTUP_REQUEST.get();
        if (startupRequest == null) {
            throw new IllegalStateException(reason);
        }
        if (startupRequest.length() == 0) {
            startupRequest.append(reason);
        }
    }
}
