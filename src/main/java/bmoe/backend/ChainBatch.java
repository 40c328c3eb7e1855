package bmoe.backend;

import bmoe.model.Dataset;
import bmoe.rng.RngKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Several chains' kernels in one pass over the resident data. Chains run in their own threads and call this
 * backend as they would call the one it wraps, one call at a time; a call waits until every chain holding a
 * workspace here has made its next call (a round), then the round's calls go to the wrapped backend together:
 * calls of the same kernel on workspaces of the same shape (the resident data, K, and for kernel (b) the metric
 * flag) as one pass ({@link Backend#allocateAll}, {@link Backend#gateGradientAll}, {@link Backend#gateStatsAll}) of
 * at most {@link Backend#chainsPerPass} chains, other calls in passes of their own. Each chain keeps its own
 * parameters, random-number key and workspace, and the batched kernels give each chain the bits of its own call,
 * so the draws are those of the chains run apart.
 *
 * <p>Who is in a round: the thread that opened a workspace here, from then until the workspace is closed
 * ({@code Chain.run} closes it when the chain ends, normally or by an exception), so a chain that finished or failed
 * leaves the batch. A round does not wait for ever for a chain that is busy elsewhere: once a call has waited
 * {@link #STRAGGLER_WAIT_MS} ms, the calls there are go ahead without the chains that are not at work (a listener
 * that waits for something, say), and after {@link #RUNNING_WAIT_MS} ms without any (a chain whose host work is
 * that slow, a checkpoint on a slow disk); a chain that is running host code, waiting for a core on a loaded
 * machine or for a monitor, or just woken after its pass, is waited for up to then, since going without it would
 * put it out of step. A chain interrupted while its call waits throws {@link CancellationException} at once (its
 * call leaves the round); one whose call is already in a pass gets its result and keeps its interrupt, which the
 * chain sees at its next sweep boundary. One of the waiting threads issues the round; the others wait for theirs.
 *
 * <p>Staying in step: the chains of a run make the same sequence of calls, so a round holds one kind of call. A
 * chain can fall out of step (a gate proposal that is not finite skips its kernel (b), a chain resumed at another
 * sweep); then a round's calls are of several kinds, and the round issues the largest group (ties: the group of the
 * chain that joined first) and holds the other calls back for one round, in which the chains that were one call
 * behind catch up into the same group. A call held back once goes in the next round whatever it meets, so no chain
 * waits more than one extra round: chains whose calls never share a pass (of different K, say) run at least every
 * other round.
 *
 * <p>Closing the batch leaves the wrapped backend open.
 */
public final class ChainBatch implements Backend {
    /** How long a round waits for a chain that has not made its call and is not running, in milliseconds. */
    public static final long STRAGGLER_WAIT_MS = 50;
    /** How long a round waits for a chain that has not made its call but is running, in milliseconds. */
    public static final long RUNNING_WAIT_MS = 2000;

    private enum Kind { ALLOCATE, GRADIENT, STATS }

    /** What may share a pass: the kernel, the data, K and (kernel b) whether the metric is summed. */
    private record Shape(Kind kind, Resident data, int experts, boolean metric) {}

    private final Backend backend;
    private final int perPass;
    private final long stragglerNanos;
    private final long runningNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Open workspaces per owning thread, in the order the threads joined: the chains a round waits for. */
    private final Map<Thread, Integer> members = new LinkedHashMap<>();
    /** Calls made and not yet taken into a pass, oldest first. */
    private final List<Call> waiting = new ArrayList<>();
    private boolean issuing;
    private long passes;
    private long passedCalls;

    /** A batch over {@code backend}, with passes of at most {@link Backend#chainsPerPass} of its chains. */
    public ChainBatch(Backend backend) {
        this(backend, backend.chainsPerPass(), STRAGGLER_WAIT_MS);
    }

    /**
     * @param perPass at most this many calls in one pass (>= 1)
     * @param stragglerMillis how long a round waits for a chain that has not made its call and is not running (one that
     *     is running is waited for {@link #RUNNING_WAIT_MS}, or this if longer)
     */
    public ChainBatch(Backend backend, int perPass, long stragglerMillis) {
        if (backend instanceof ChainBatch) {
            throw new IllegalArgumentException("a batch of a batch");
        }
        if (perPass < 1) {
            throw new IllegalArgumentException("chains per pass must be >= 1, got " + perPass);
        }
        this.backend = backend;
        this.perPass = perPass;
        this.stragglerNanos = TimeUnit.MILLISECONDS.toNanos(stragglerMillis);
        this.runningNanos = Math.max(stragglerNanos, TimeUnit.MILLISECONDS.toNanos(RUNNING_WAIT_MS));
    }

    /** The passes issued so far. */
    public long passes() {
        lock.lock();
        try {
            return passes;
        } finally {
            lock.unlock();
        }
    }

    /** The calls those passes advanced: calls / passes is the mean number of chains per pass. */
    public long passedCalls() {
        lock.lock();
        try {
            return passedCalls;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String name() {
        return backend.name();
    }

    @Override
    public String describe() {
        return backend.describe();
    }

    @Override
    public int blockSize() {
        return backend.blockSize();
    }

    @Override
    public int chainsPerPass() {
        return perPass;
    }

    @Override
    public Resident upload(Dataset data) {
        return backend.upload(data);
    }

    @Override
    public Resident upload(Dataset data, int chains) {
        return backend.upload(data, chains);
    }

    /** A workspace of the wrapped backend; the calling thread takes part in the rounds until it is closed. */
    @Override
    public Workspace workspace(Resident data, int experts) {
        Workspace inner = backend.workspace(data, experts);
        Thread owner = Thread.currentThread();
        lock.lock();
        try {
            members.merge(owner, 1, Integer::sum);
        } finally {
            lock.unlock();
        }
        return new Member(inner, owner);
    }

    @Override
    public Allocation allocate(Workspace ws, ParamsBlock params, RngKey key, int sweep) {
        Member m = member(ws);
        return (Allocation) submit(new Call(new Shape(Kind.ALLOCATE, m.data(), m.experts(), false), m.owner,
                new AllocateCall(m.inner, params, key, sweep)));
    }

    @Override
    public GateGradient gateGradient(Workspace ws, ParamsBlock params, double[] referenceGates, boolean metric) {
        Member m = member(ws);
        return (GateGradient) submit(new Call(new Shape(Kind.GRADIENT, m.data(), m.experts(), metric), m.owner,
                new GradientCall(m.inner, params, referenceGates, metric)));
    }

    @Override
    public GateStats gateStats(Workspace ws, ParamsBlock params, int gate, RngKey key, int sweep) {
        Member m = member(ws);
        return (GateStats) submit(new Call(new Shape(Kind.STATS, m.data(), m.experts(), false), m.owner,
                new GateStatsCall(m.inner, params, gate, key, sweep)));
    }

    @Override
    public byte[] allocations(Workspace ws) {
        return backend.allocations(member(ws).inner);
    }

    @Override
    public void close() {
        // the wrapped backend belongs to whoever opened it
    }

    private Member member(Workspace ws) {
        if (ws instanceof Member m && m.batch() == this) {
            if (m.closed) {
                throw new IllegalStateException("the workspace is closed");
            }
            return m;
        }
        throw new IllegalArgumentException("not a workspace of this batch");
    }

    /** Waits for the call's round (issuing it when this thread is the one to) and returns its result. */
    private Object submit(Call call) {
        boolean interrupted = false;
        lock.lock();
        try {
            call.since = System.nanoTime();
            waiting.add(call);
            changed.signalAll();
            while (!call.done) {
                long now = System.nanoTime();
                if (!issuing && ready(now)) {
                    List<Call> round = takeRound(now);
                    issuing = true;
                    lock.unlock();
                    try {
                        issue(round);
                    } finally {
                        lock.lock();
                        issuing = false;
                        changed.signalAll();
                    }
                    continue;
                }
                try {
                    if (!issuing && !waiting.isEmpty()) {
                        // until the straggler wait ends; once it has, look again as often (a chain may stop running)
                        long left = oldestSince() + stragglerNanos - now;
                        changed.awaitNanos(left > 0 ? left : stragglerNanos);
                    } else {
                        changed.await();
                    }
                } catch (InterruptedException e) {
                    if (!call.taken) {
                        waiting.remove(call);
                        changed.signalAll();
                        Thread.currentThread().interrupt();
                        throw new CancellationException("interrupted while waiting for the other chains' kernels");
                    }
                    interrupted = true; // in a pass already: its result comes, the interrupt stays for the chain
                }
            }
        } finally {
            lock.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (call.thrown instanceof Error e) {
            throw e;
        }
        if (call.thrown != null) {
            throw (RuntimeException) call.thrown;
        }
        return call.value;
    }

    /**
     * Whether a round can go: every chain has its call in, or the oldest call has waited the straggler wait and the
     * chains without a call are not running, or it has waited the running wait.
     */
    private boolean ready(long now) {
        if (waiting.isEmpty()) {
            return false;
        }
        Set<Thread> in = new HashSet<>();
        for (Call c : waiting) {
            in.add(c.owner);
        }
        boolean all = true;
        boolean running = false;
        for (Thread t : members.keySet()) {
            if (t.isAlive() && !in.contains(t)) {
                all = false;
                running |= running(t);
            }
        }
        return all || now - oldestSince() >= (running ? runningNanos : stragglerNanos);
    }

    /**
     * Whether a chain without a call is still at work: running (or runnable, waiting for a core), waiting for a
     * monitor, or waiting for this batch's lock (woken after its pass). Not: waiting for anything else (a latch, a
     * sleep, its next task), which may take any time.
     */
    private boolean running(Thread t) {
        Thread.State state = t.getState();
        return state == Thread.State.RUNNABLE || state == Thread.State.BLOCKED || lock.hasQueuedThread(t);
    }

    private long oldestSince() {
        long oldest = Long.MAX_VALUE;
        for (Call c : waiting) {
            oldest = Math.min(oldest, c.since);
        }
        return oldest;
    }

    /**
     * The largest group of one shape (ties: the group of the chain that joined first) and the calls held back last
     * time; holds the rest back. Breaking ties always the same way moves a chain that is out of step by one call
     * nearer to the others each time, so it is back in step after at most one cycle of its calls.
     */
    private List<Call> takeRound(long now) {
        Map<Thread, Integer> rank = new HashMap<>();
        for (Thread t : members.keySet()) {
            rank.put(t, rank.size());
        }
        Map<Shape, List<Call>> groups = new LinkedHashMap<>();
        for (Call c : waiting) {
            groups.computeIfAbsent(c.shape, s -> new ArrayList<>()).add(c);
        }
        Shape largest = null;
        int size = 0;
        int first = Integer.MAX_VALUE;
        for (Map.Entry<Shape, List<Call>> g : groups.entrySet()) {
            int earliest = Integer.MAX_VALUE;
            for (Call c : g.getValue()) {
                earliest = Math.min(earliest, rank.getOrDefault(c.owner, Integer.MAX_VALUE - 1));
            }
            if (g.getValue().size() > size || (g.getValue().size() == size && earliest < first)) {
                largest = g.getKey();
                size = g.getValue().size();
                first = earliest;
            }
        }
        List<Call> round = new ArrayList<>();
        for (Call c : waiting) {
            if (c.shape.equals(largest) || c.heldBack) {
                c.taken = true;
                round.add(c);
            } else {
                c.heldBack = true;
                c.since = now;
            }
        }
        waiting.removeAll(round);
        return round;
    }

    /** The round's passes, one per shape and run of at most perPass calls, in the order the calls came. */
    private void issue(List<Call> round) {
        Map<Shape, List<Call>> groups = new LinkedHashMap<>();
        for (Call c : round) {
            groups.computeIfAbsent(c.shape, s -> new ArrayList<>()).add(c);
        }
        for (List<Call> group : groups.values()) {
            for (int from = 0; from < group.size(); from += perPass) {
                List<Call> pass = group.subList(from, Math.min(group.size(), from + perPass));
                run(pass);
                lock.lock();
                try {
                    passes++;
                    passedCalls += pass.size();
                    for (Call c : pass) {
                        c.done = true;
                    }
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** One pass on the wrapped backend; a failure of the whole pass is every call's. */
    private void run(List<Call> pass) {
        try {
            List<? extends Outcome<?>> outcomes = switch (pass.get(0).shape.kind()) {
                case ALLOCATE -> backend.allocateAll(requests(pass, AllocateCall.class));
                case GRADIENT -> backend.gateGradientAll(requests(pass, GradientCall.class));
                case STATS -> backend.gateStatsAll(requests(pass, GateStatsCall.class));
            };
            if (outcomes.size() != pass.size()) {
                throw new IllegalStateException(backend.name() + " returned " + outcomes.size() + " results for "
                        + pass.size() + " calls");
            }
            for (int i = 0; i < pass.size(); i++) {
                Outcome<?> o = outcomes.get(i);
                pass.get(i).value = o.value();
                pass.get(i).thrown = o.failure();
            }
        } catch (RuntimeException | Error e) {
            for (Call c : pass) {
                c.thrown = e;
            }
        }
    }

    private static <T> List<T> requests(List<Call> pass, Class<T> type) {
        List<T> out = new ArrayList<>(pass.size());
        for (Call c : pass) {
            out.add(type.cast(c.request));
        }
        return out;
    }

    private void leave(Thread owner) {
        lock.lock();
        try {
            members.computeIfPresent(owner, (t, n) -> n > 1 ? n - 1 : null);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** One chain's call; the fields after {@code request} are guarded by the lock. */
    private static final class Call {
        final Shape shape;
        final Thread owner;
        final Object request;
        /** When the call came in, or was last held back: what the straggler wait counts from. */
        long since;
        boolean heldBack;
        boolean taken;
        boolean done;
        Object value;
        Throwable thrown;

        Call(Shape shape, Thread owner, Object request) {
            this.shape = shape;
            this.owner = owner;
            this.request = request;
        }
    }

    /** A workspace of the wrapped backend, in the rounds of its owner thread until closed. */
    private final class Member implements Workspace {
        final Workspace inner;
        final Thread owner;
        volatile boolean closed;

        Member(Workspace inner, Thread owner) {
            this.inner = inner;
            this.owner = owner;
        }

        ChainBatch batch() {
            return ChainBatch.this;
        }

        @Override
        public Resident data() {
            return inner.data();
        }

        @Override
        public int experts() {
            return inner.experts();
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                inner.close();
            } finally {
                leave(owner);
            }
        }
    }
}
