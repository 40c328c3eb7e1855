// Second stage of every reduction: out[c m + j] = sum over row groups g of partial[(g chains + c) m + j], for
// chain c < chains and component j < m (the first stage's layout, common.clh). Launch: chains x m groups of
// LOCAL work-items, group c m + j for (c, j); work-item l adds row groups l, l + LOCAL, ... in order, then the
// group adds the LOCAL partial sums by the same fixed tree as group_sum. A chain's totals are thus those of a
// launch of its own. Only out (chains x m doubles) goes to the host.
__kernel void reducePartials(__global const double *partial, uint groups, uint m, uint chains,
                             __global double *out, __local double *scratch) {
    uint c = get_group_id(0) / m;
    uint j = get_group_id(0) % m;
    double s = 0.0;
    for (uint g = get_local_id(0); g < groups; g += LOCAL) {
        s += partial[((ulong) g * chains + c) * m + j];
    }
    double acc[1] = {s};
    group_sum(acc, 1, scratch, out + (ulong) c * m + j);
}
