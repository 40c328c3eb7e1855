package bmoe.cli;

import bmoe.backend.BackendUnavailableException;
import bmoe.backend.Backends;
import bmoe.backend.cuda.CudaBackend;
import bmoe.backend.cuda.CudaDevices;
import bmoe.backend.cuda.CudaDriver;
import bmoe.backend.opencl.OpenClDevices;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "devices", mixinStandardHelpOptions = true,
        description = {"List the CUDA devices and the OpenCL platforms and devices, numbered as --device takes them, "
            + "and say which one --backend auto would use."})
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
        listCuda(out);
        listOpenCl(out);
        Backends.AutoChoice auto = Backends.chooseAuto(Backends.MACHINE);
        out.println("--backend auto uses: " + switch (auto.backend()) {
            case CPU -> "cpu (" + auto.whyNotOthers() + ")";
            default -> auto.backend().option() + ", device " + auto.device() + " (" + auto.deviceName() + ")"
                    + (auto.whyNotOthers().isEmpty() ? "" : "; " + auto.whyNotOthers());
        });
        out.flush();
        return Main.EXIT_OK;
    }

    /** The CUDA devices, or one line saying why there are none (no driver, no kernels in this build). */
    private static void listCuda(PrintWriter out) {
        String missing = CudaBackend.kernelsMissing();
        if (missing != null) {
            out.println("no CUDA: " + missing);
            return;
        }
        List<CudaDevices.Device> devices;
        String version;
        try {
            devices = CudaDevices.list();
            version = CudaDriver.load().version();
        } catch (BackendUnavailableException e) {
            out.println("no CUDA: " + e.getMessage());
            return;
        }
        out.println("cuda: driver " + version + (devices.isEmpty() ? ", no device" : ""));
        for (CudaDevices.Device d : devices) {
            out.printf(Locale.ROOT, "  cuda device %d: %s%n", d.index(), d.describe());
        }
    }

    private static void listOpenCl(PrintWriter out) {
        List<OpenClDevices.Device> devices;
        try {
            devices = OpenClDevices.list();
        } catch (BackendUnavailableException e) {
            out.println("no OpenCL: " + e.getMessage());
            return;
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
    }
}
