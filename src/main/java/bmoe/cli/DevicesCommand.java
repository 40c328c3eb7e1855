package bmoe.cli;

import bmoe.backend.BackendUnavailableException;
import bmoe.backend.opencl.OpenClBackend;
import bmoe.backend.opencl.OpenClDevices;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "devices", mixinStandardHelpOptions = true,
        description = {"List the OpenCL platforms and devices, numbered as --device takes them, and say which one "
            + "--backend auto would use."})
final class DevicesCommand implements Callable<Integer>, Main.LoadsOpenCl {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public boolean mayLoadOpenCl() {
        return true;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<OpenClDevices.Device> devices;
        try {
            devices = OpenClDevices.list();
        } catch (BackendUnavailableException e) {
            out.println("no OpenCL: " + e.getMessage());
            out.println("--backend auto uses: cpu");
            out.flush();
            return Main.EXIT_OK;
        }
        if (devices.isEmpty()) {
            out.println("OpenCL loads but lists no platform (install a vendor driver, or pocl-opencl-icd for a CPU device)");
        }
        String platform = null;
        for (OpenClDevices.Device d : devices) {
            if (!d.platform().equals(platform)) {
                platform = d.platform();
                out.println("platform: " + platform);
            }
            out.printf(Locale.ROOT, "  device %d: %s%n", d.index(), d.describe());
            out.printf(Locale.ROOT, "            %s, driver %s%n", d.version(), d.driver());
        }
        Optional<OpenClDevices.Device> gpu = OpenClBackend.firstGpu();
        out.println("--backend auto uses: " + gpu.map(d -> "opencl, device " + d.index() + " (" + d.name() + ")")
                .orElse("cpu (no OpenCL GPU with fp64)"));
        out.flush();
        return Main.EXIT_OK;
    }
}
