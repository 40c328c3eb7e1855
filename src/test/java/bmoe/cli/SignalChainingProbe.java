package bmoe.cli;

import bmoe.backend.opencl.OpenClDevices;
import java.util.OptionalInt;

/**
 * A child process for {@link SignalChainingTest}: starts the way {@link Main#main} does, lists the OpenCL
 * devices (PoCL's LLVM then installs its crash handlers), and brings one thread per core to the same safepoint
 * at once. Each such thread takes the JVM's polling-page SIGSEGV; when LLVM's one-shot handler is installed
 * instead of the JVM's, the second one kills the process (on 2 cores, 7 of 10 runs without signal chaining).
 */
public final class SignalChainingProbe {
    private static volatile boolean stop;

    private SignalChainingProbe() {}

    public static void main(String[] args) throws Exception {
        if (SignalChaining.wanted()) {
            OptionalInt code = SignalChaining.relaunch();
            if (code.isPresent()) {
                System.exit(code.getAsInt());
            }
        }
        int devices = OpenClDevices.list().size();
        Thread[] spinners = new Thread[Math.max(2, Runtime.getRuntime().availableProcessors())];
        double[] sums = new double[spinners.length];
        for (int t = 0; t < spinners.length; t++) {
            int id = t;
            spinners[t] = new Thread(() -> {
                double s = 0;
                for (long i = 0; !stop; i++) {
                    s += Math.sqrt(i);
                }
                sums[id] = s;
            });
            spinners[t].start();
        }
        Thread.sleep(300); // long enough for the loops to be compiled with their safepoint polls
        System.gc();
        stop = true;
        for (Thread t : spinners) {
            t.join();
        }
        System.out.println("devices: " + devices + ", libjsig: " + SignalChaining.active() + ", survived");
        System.exit(Integer.parseInt(args[0]));
    }
}
