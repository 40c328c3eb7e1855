package bmoe.backend;

/**
 * What kernel (a) returns: the data log-likelihood at the parameters it allocated with, and the sufficient
 * statistics of the allocations it drew (summed in the same pass over the data).
 *
 * @param logLikelihood sum_i log p(y_i | x_i, params) (label invariant)
 * @param stats n_k, S_k, r_k, q_k of the new allocations
 */
public record Allocation(double logLikelihood, ExpertStats stats) {}
