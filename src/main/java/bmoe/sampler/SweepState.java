package bmoe.sampler;

import bmoe.model.Params;

/** What the next sweep needs: the parameters and the number of the last completed sweep (0 = initial). */
public record SweepState(Params params, int sweep) {}
