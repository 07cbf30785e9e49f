package io.sdtune.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sdtune.deploy.demo.GatewayClient;
import io.sdtune.deploy.demo.SampleImages;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/sdtune} itself, as a user runs it - the script, the launcher JVM, its child services: it prints the key
 * it made for the tenant local beside the web UI's address, keeps it in an owner-only file, listens on the loopback
 * interface only and puts no setting on its services' command lines; with its trainer's process killed by SIGKILL
 * mid-job: the launcher restarts it, says so on its console, and the job
 * still succeeds; SIGTERM to the launcher then stops everything it started.
 */
class LauncherIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    @Test
    void aTrainerKilledUnderBinSdtuneIsRestartedAndItsJobSucceeds() throws Exception {
        Path home = Path.of(System.getProperty("sdtune.home", "..")).toAbsolutePath();
        Path dataDir = TestDirectories.create("launcher-");
        Path console = dataDir.resolve("console.log");
        int port = Platform.freePort();
        Process launcher = new ProcessBuilder(home.resolve("bin/sdtune").toString(), "--port", Integer.toString(port),
                "--data_dir", dataDir.toString())
                .redirectErrorStream(true).redirectOutput(console.toFile()).start();
        try {
            // The key's line follows "sdtune is up": waiting for the first alone read the console between the two.
            awaitConsole(console, "API key (tenant", launcher);
            String key = LocalApiKeys.keyOf(dataDir.resolve("api-keys"), LocalApiKeys.TENANT).orElseThrow();
            assertThat(Files.readString(console)).as("the key printed beside the web UI's address")
                    .contains("API key (tenant local): " + key);
            assertThat(Files.getPosixFilePermissions(dataDir.resolve("api-keys")))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
            assertThat(launcher.descendants().map(p -> p.info().commandLine().orElse("")).toList())
                    .as("no setting, the store's secret key least of all, on a command line every user can read")
                    .isNotEmpty().allSatisfy(line -> assertThat(line).doesNotContain("-Dsdtune").doesNotContain("secret"));
            assertThat(otherAddresses()).as("the gateway answers on the loopback interface only")
                    .allSatisfy(address -> assertThat(connects(address, port)).as(address.toString()).isFalse());
            GatewayClient gateway = new GatewayClient(URI.create("http://127.0.0.1:" + port), key);
            String jobId = gateway.startTraining(RunningPlatform.lora(gateway,
                    gateway.createDataset(SampleImages.catToy(3, 7)), 200, 10));
            awaitStepPast(gateway, jobId, 10); // so its checkpoint of step 10 is stored

            ProcessHandle trainer = trainerOf(launcher);
            assertThat(trainer.destroyForcibly()).isTrue();
            JsonNode status = gateway.awaitTraining(jobId, TIMEOUT, progress -> { });

            assertThat(status.get("state").asText()).isEqualTo("succeeded");
            assertThat(status.get("resumed_from_step").asInt()).isGreaterThanOrEqualTo(10);
            assertThat(Files.readString(console)).contains("sdtune: the trainer-service service exited with status 137;"
                    + " restarting it");
            assertThat(trainerOf(launcher).pid()).isNotEqualTo(trainer.pid());
        } finally {
            List<ProcessHandle> started = launcher.descendants().toList();
            launcher.destroy(); // SIGTERM: the launcher's shutdown hook stops its services
            assertThat(launcher.waitFor(2, TimeUnit.MINUTES)).as("the launcher stopped").isTrue();
            assertThat(started).noneMatch(ProcessHandle::isAlive);
        }
    }

    /** This machine's addresses other than the loopback ones. */
    private static List<InetAddress> otherAddresses() throws SocketException {
        return NetworkInterface.networkInterfaces().flatMap(NetworkInterface::inetAddresses)
                .filter(address -> !address.isLoopbackAddress()).toList();
    }

    private static boolean connects(InetAddress address, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 2000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    /** The launcher's child JVM running the trainer's packaged app. */
    private static ProcessHandle trainerOf(Process launcher) {
        return launcher.descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("trainer-service"))
                .findFirst().orElseThrow(() -> new AssertionError("no trainer-service process under the launcher"));
    }

    private static void awaitStepPast(GatewayClient gateway, String jobId, int step) throws InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (gateway.training(jobId).path("step").asInt() <= step) {
            assertThat(Instant.now()).as("job " + jobId + " past step " + step + " in time").isBefore(deadline);
            Thread.sleep(200);
        }
    }

    private static void awaitConsole(Path console, String line, Process launcher) throws IOException,
            InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (!Files.readString(console).contains(line)) {
            assertThat(launcher.isAlive()).as("bin/sdtune is running; its console:\n" + Files.readString(console))
                    .isTrue();
            assertThat(Instant.now()).as("'" + line + "' on bin/sdtune's console in time").isBefore(deadline);
            Thread.sleep(500);
        }
    }
}
