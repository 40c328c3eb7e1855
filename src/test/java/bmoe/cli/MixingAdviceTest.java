package bmoe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bmoe.io.DrawsFile;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The remedy a run's R-hat and ESS warnings come with depends on what the run already does. */
class MixingAdviceTest {
    private static Map<String, String> run(String experts, String gates, String joint) {
        Map<String, String> c = new HashMap<>(Map.of("experts", experts, "gates", gates, "joint_steps", joint,
                "draws", "1000"));
        return c;
    }

    @Test
    void aFixedKRunWithoutTheJointMoveIsToldToAddIt() {
        String a = MixingAdvice.of(run("3", "mala", "0"));
        assertTrue(a.startsWith("add the joint move of gates and experts (--joint-steps 64: about 64 more passes "
                + "over the data a sweep; --joint-steps auto takes it only up to n = 1024)"), a);
        assertTrue(a.endsWith(", or run longer chains (--draws 4000)"), a);
        assertTrue(MixingAdvice.of(run("3", "pg", "0")).startsWith("add the joint move of gates and experts "
                + "(--gates mala --joint-steps 64"), "the joint move needs mala gates");
    }

    @Test
    void aRunWithShortTrajectoriesIsToldToLengthenThem() {
        assertEquals("lengthen the joint move's trajectories (--joint-steps 64), or run longer chains (--draws 4000)",
                MixingAdvice.of(run("3", "mala", "32")));
        assertEquals("run longer chains (--draws 4000)", MixingAdvice.of(run("3", "mala", "128")),
                "at the auto maximum only longer chains are left");
    }

    @Test
    void oneExpertOrKAParameterNeedsLongerChains() {
        assertEquals("run longer chains (--draws 4000)", MixingAdvice.of(run("1", "mala", "0")));
        Map<String, String> variable = run("6", "mala", "0");
        variable.put(DrawsFile.EXPERTS_PRIOR, "poisson:1");
        assertTrue(MixingAdvice.of(variable).startsWith("run longer chains (--draws 4000) and warm-up (--warmup): "
                + "K changes only by its moves"), MixingAdvice.of(variable));
    }

    @Test
    void linesThatDoNotSayEnoughGiveTheGeneralRemedy() {
        assertEquals("run longer chains (--draws N)", MixingAdvice.of(Map.of()));
        assertEquals("run longer chains (--draws 4000)", MixingAdvice.of(run("2", "mala", "x")));
    }
}
