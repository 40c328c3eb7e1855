package bmoe.spark;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.SparkConf;
import org.apache.spark.Success$;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * One local SparkContext for every test class of the module (starting one takes seconds, and a JVM may hold only
 * one): {@code local[2,3]}, two worker threads and up to three attempts per task, so an injected task failure is
 * retried. Stopped when the test JVM exits.
 */
final class SparkTesting {
    private SparkTesting() {}

    static final String MASTER = "local[2,3]";

    private static JavaSparkContext context;

    /** Task ends that Spark's listener bus reported: injected failures, and successes of a second attempt. */
    static final AtomicInteger INJECTED_FAILURES = new AtomicInteger();
    static final AtomicInteger RETRIED_SUCCESSES = new AtomicInteger();

    static synchronized JavaSparkContext context() {
        if (context == null) {
            SparkConf conf = new SparkConf().setMaster(MASTER).setAppName("bmoe-spark tests")
                    .set("spark.ui.enabled", "false")
                    .set("spark.driver.host", "127.0.0.1")
                    .set("spark.driver.bindAddress", "127.0.0.1");
            context = new JavaSparkContext(conf);
            context.setLogLevel("WARN");
            context.sc().addSparkListener(new SparkListener() {
                @Override
                public void onTaskEnd(SparkListenerTaskEnd end) {
                    if (end.reason() instanceof ExceptionFailure f
                            && f.className().equals(SparkBackend.InjectedFailure.class.getName())) {
                        INJECTED_FAILURES.incrementAndGet();
                    } else if (end.reason() == Success$.MODULE$ && end.taskInfo().attemptNumber() > 0) {
                        RETRIED_SUCCESSES.incrementAndGet();
                    }
                }
            });
            JavaSparkContext sc = context;
            Runtime.getRuntime().addShutdownHook(new Thread(sc::stop));
        }
        return context;
    }

    /** Waits (at most 30 s) until the listener bus has counted {@code atLeast} in {@code counter}. */
    static int await(AtomicInteger counter, int atLeast) throws InterruptedException {
        long end = System.nanoTime() + 30_000_000_000L;
        while (counter.get() < atLeast && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        return counter.get();
    }
}
