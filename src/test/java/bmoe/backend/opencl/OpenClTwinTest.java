package bmoe.backend.opencl;

import static org.jocl.CL.CL_MEM_COPY_HOST_PTR;
import static org.jocl.CL.CL_MEM_READ_ONLY;
import static org.jocl.CL.CL_MEM_WRITE_ONLY;
import static org.jocl.CL.CL_TRUE;

import bmoe.backend.Backend;
import bmoe.backend.DeviceTwinTest;
import java.util.List;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;

/** {@link DeviceTwinTest} on the OpenCL backend (PoCL in CI), the probes through JOCL. */
class OpenClTwinTest extends DeviceTwinTest {
    @Override
    protected String name() {
        return "OpenCL";
    }

    @Override
    protected Backend device(int blockSize) {
        return OpenClTesting.backend(blockSize);
    }

    /** Test-only kernels over the shared headers: one Philox block, one PG draw, one erfcx per work-item. */
    static String probes() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("src/test/kernels/probes.cl"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    protected int[] philoxProbe(int n, int k0, int k1, int sweep, int step) {
        int[] device = new int[4 * n];
        try (Probe probe = new Probe()) {
            cl_mem out = probe.output(4L * n * Sizeof.cl_uint);
            probe.run("philoxProbe", n, List.of(k0, k1, sweep, step), List.of(out));
            probe.read(out, Pointer.to(device), 4L * n * Sizeof.cl_uint);
        }
        return device;
    }

    @Override
    protected double[] pgProbe(double[] c, int k0, int k1, int sweep, int step) {
        int n = c.length;
        double[] device = new double[n];
        try (Probe probe = new Probe()) {
            cl_mem in = probe.input(c);
            cl_mem out = probe.output((long) n * Sizeof.cl_double);
            probe.run("pgProbe", n, List.of(in, k0, k1, sweep, step), List.of(out));
            probe.read(out, Pointer.to(device), (long) n * Sizeof.cl_double);
        }
        return device;
    }

    @Override
    protected double[] erfcxProbe(double[] x) {
        int n = x.length;
        double[] device = new double[n];
        try (Probe probe = new Probe()) {
            cl_mem in = probe.input(x);
            cl_mem out = probe.output((long) n * Sizeof.cl_double);
            probe.run("erfcxProbe", n, List.of(in), List.of(out));
            probe.read(out, Pointer.to(device), (long) n * Sizeof.cl_double);
        }
        return device;
    }

    /** A context, queue and program with the probe kernels on the test device. */
    private static final class Probe implements AutoCloseable {
        private final cl_context context;
        private final cl_command_queue queue;
        private final cl_program program;
        private final List<cl_mem> buffers = new java.util.ArrayList<>();

        Probe() {
            OpenClDevices.Device device = OpenClDevices.list().get(OpenClTesting.deviceIndex());
            cl_device_id id = device.deviceId();
            context = CL.clCreateContext(null, 1, new cl_device_id[] {id}, null, null, null);
            queue = CL.clCreateCommandQueue(context, id, 0, null);
            cl_program p = CL.clCreateProgramWithSource(context, 1,
                    new String[] {OpenClProgram.source() + probes()}, null, null);
            CL.clBuildProgram(p, 0, null, OpenClProgram.options(2, 2, 64, 1), null, null);
            program = p;
        }

        cl_mem input(double[] values) {
            cl_mem m = CL.clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                    (long) values.length * Sizeof.cl_double, Pointer.to(values), null);
            buffers.add(m);
            return m;
        }

        cl_mem output(long bytes) {
            cl_mem m = CL.clCreateBuffer(context, CL_MEM_WRITE_ONLY, bytes, null, null);
            buffers.add(m);
            return m;
        }

        /** Runs kernel over n work-items with arguments: the leading ones, then the outputs. */
        void run(String name, int n, List<Object> leading, List<cl_mem> outputs) {
            cl_kernel kernel = CL.clCreateKernel(program, name, null);
            int a = 0;
            for (Object v : leading) {
                if (v instanceof cl_mem m) {
                    CL.clSetKernelArg(kernel, a++, Sizeof.cl_mem, Pointer.to(m));
                } else {
                    CL.clSetKernelArg(kernel, a++, Sizeof.cl_uint, Pointer.to(new int[] {(Integer) v}));
                }
            }
            for (cl_mem m : outputs) {
                CL.clSetKernelArg(kernel, a++, Sizeof.cl_mem, Pointer.to(m));
            }
            CL.clEnqueueNDRangeKernel(queue, kernel, 1, null, new long[] {n}, null, 0, null, null);
            CL.clFinish(queue);
            CL.clReleaseKernel(kernel);
        }

        void read(cl_mem buffer, Pointer target, long bytes) {
            CL.clEnqueueReadBuffer(queue, buffer, CL_TRUE, 0, bytes, target, 0, null, null);
        }

        @Override
        public void close() {
            buffers.forEach(CL::clReleaseMemObject);
            CL.clReleaseProgram(program);
            CL.clReleaseCommandQueue(queue);
            CL.clReleaseContext(context);
        }
    }
}
