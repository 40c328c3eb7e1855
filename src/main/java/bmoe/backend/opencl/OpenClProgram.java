package bmoe.backend.opencl;

import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;

import bmoe.rng.PolyaGamma;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_program;

/**
 * The sweep's kernels as one OpenCL program, built for one shape (d, K) on one device. The sources are read
 * from the classpath (packaged from kernels/), headers first; the shape, the work-group size and the
 * Polya-Gamma constants arrive as -D options, so private arrays have fixed sizes and the constants the
 * same bits as on the host.
 */
final class OpenClProgram {
    /** Headers, then one file per kernel; the order matters (each may use what comes before it). */
    static final List<String> SOURCES = List.of("common.clh", "philox.clh", "draws.clh", "polya_gamma.clh",
            "allocate.cl", "gate_gradient.cl", "gate_stats.cl", "reduce_partials.cl");

    private OpenClProgram() {}

    /** The concatenated source, as the device compiler sees it. */
    static String source() {
        StringBuilder all = new StringBuilder();
        for (String name : SOURCES) {
            String path = "kernels/" + name;
            try (InputStream in = OpenClProgram.class.getClassLoader().getResourceAsStream(path)) {
                if (in == null) {
                    throw new IllegalStateException("kernel source " + path + " is missing from the classpath");
                }
                all.append("// ---- ").append(name).append('\n');
                all.append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return all.toString();
    }

    /** -D options for dimension d, K experts, work-group size local and batch components per reduction pass. */
    static String options(int dim, int experts, int local, int batch) {
        StringBuilder o = new StringBuilder();
        o.append("-D DIM=").append(dim).append(" -D EXPERTS=").append(experts)
                .append(" -D LOCAL=").append(local).append(" -D BATCH=").append(batch);
        for (Map.Entry<String, Double> c : PolyaGamma.deviceConstants().entrySet()) {
            o.append(" -D ").append(c.getKey()).append('=').append(Double.toHexString(c.getValue()));
        }
        return o.toString();
    }

    /** Compiles; a failed build's log becomes the exception's message. */
    static cl_program build(cl_context context, cl_device_id device, String options) {
        cl_program program = CL.clCreateProgramWithSource(context, 1, new String[] {source()}, null, null);
        try {
            CL.clBuildProgram(program, 1, new cl_device_id[] {device}, options, null, null);
        } catch (CLException e) {
            String log = buildLog(program, device);
            CL.clReleaseProgram(program);
            throw new IllegalStateException("OpenCL kernels failed to build (" + e.getMessage() + "): " + log, e);
        }
        return program;
    }

    private static String buildLog(cl_program program, cl_device_id device) {
        long[] size = new long[1];
        CL.clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
        byte[] log = new byte[(int) size[0]];
        CL.clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
        return new String(log, StandardCharsets.UTF_8).strip();
    }
}
