// Second stage of every reduction: out[j] = sum over groups g of partial[g m + j], for j < m.
// Launch: m groups of LOCAL work-items; work-item l adds groups l, l + LOCAL, ... in order, then the
// group adds the LOCAL partial sums by the same fixed tree as group_sum. Only out (m doubles) goes to the host.
__kernel void reducePartials(__global const double *partial, uint groups, uint m, __global double *out,
                             __local double *scratch) {
    uint j = get_group_id(0);
    double s = 0.0;
    for (uint g = get_local_id(0); g < groups; g += LOCAL) {
        s += partial[(ulong) g * m + j];
    }
    double acc[1] = {s};
    group_sum(acc, 1, scratch, out + j);
}
