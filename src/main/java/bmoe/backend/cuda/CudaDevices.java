package bmoe.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The CUDA devices in the driver's order: the numbers {@code --backend cuda --device N} and {@code bmoe devices} use. */
public final class CudaDevices {
    private CudaDevices() {}

    /** One device as listed, with what the backend checks before choosing a module. */
    public record Device(int index, int handle, String name, int major, int minor, int multiprocessors,
                         long globalMemory, int clockKhz, int pciBus) {

        /** One line for listings and the fit's backend description. */
        public String describe() {
            return String.format(Locale.ROOT, "%s (compute capability %d.%d; %d multiprocessors, %.1f GiB, PCI bus %d)",
                    name, major, minor, multiprocessors, globalMemory / (1024.0 * 1024.0 * 1024.0), pciBus);
        }
    }

    /**
     * Every CUDA device.
     *
     * @throws bmoe.backend.BackendUnavailableException without a CUDA driver or when it finds no device
     */
    public static List<Device> list() {
        CudaDriver driver = CudaDriver.load();
        List<Device> devices = new ArrayList<>();
        int count = driver.deviceCount();
        for (int i = 0; i < count; i++) {
            int h = driver.device(i);
            devices.add(new Device(i, h, driver.deviceName(h),
                    driver.attribute(h, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                    driver.attribute(h, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
                    driver.attribute(h, CudaDriver.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
                    driver.totalMemory(h),
                    driver.attribute(h, CudaDriver.CU_DEVICE_ATTRIBUTE_CLOCK_RATE),
                    driver.attribute(h, CudaDriver.CU_DEVICE_ATTRIBUTE_PCI_BUS_ID)));
        }
        return devices;
    }
}
