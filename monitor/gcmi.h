// Gaussian-copula mutual information (Ince, Giordano, Kayser, Rousselet, Gross
// & Schyns 2017, "A statistical framework for neuroimaging data analysis based
// on mutual information estimated via a Gaussian copula", Hum. Brain Mapp. 38,
// 1541). Each function matches the function of the same name in the reference
// implementation robince/gcmi (python/gcmi), which reports bits; here every
// result is in nats.
//
// Copula normalisation ranks each column (ties broken by sample order, as the
// reference's stable argsort does) and maps rank r of N to Phi^-1(r / (N + 1)).
// The Gaussian entropies subtract the analytic bias of the log-determinant
// (Ince et al. eq. 12-13): d/2 (log 2 - log(N-1)) + sum_{i=1..d} psi((N - i)/2)/2.
// GCMI is a lower bound on the MI of the original variables: it is exact when
// the copula is Gaussian, and invariant to monotone transforms of each column.
#ifndef SPARSELAB_MONITOR_GCMI_H_
#define SPARSELAB_MONITOR_GCMI_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "monitor/samples.h"

namespace sparselab {
namespace monitor {

// Inverse of the standard normal CDF (scipy.special.ndtri).
double Ndtri(double p);
// Copula normalisation of each column (gcmi `copnorm`): ranks by one radix
// sort per column (monitor/sorted_order.h), normal scores from one table per
// N, columns and the table on all hardware threads.
Samples Copnorm(const Samples& x);
// Copnorm of several variables with the same number of samples, all columns
// in parallel, sharing one table of normal scores.
std::vector<Samples> CopnormEach(const std::vector<const Samples*>& variables);

// Entropy of a Gaussian fitted to x (gcmi `ent_g`).
absl::StatusOr<double> GaussianEntropy(const Samples& x, bool bias_correct = true);
// MI of Gaussians fitted to (x, y) (gcmi `mi_gg`); `demeaned` skips the mean.
absl::StatusOr<double> GaussianMutualInformation(const Samples& x, const Samples& y,
                                                 bool bias_correct = true,
                                                 bool demeaned = false);
// I(x; y | z) of Gaussians (gcmi `cmi_ggg`).
absl::StatusOr<double> GaussianConditionalMutualInformation(const Samples& x, const Samples& y,
                                                            const Samples& z,
                                                            bool bias_correct = true,
                                                            bool demeaned = false);
// MI of a Gaussian x and a discrete y in [0, num_classes), one Gaussian per
// class (gcmi `mi_model_gd`).
absl::StatusOr<double> GaussianModelDiscreteMutualInformation(
    const Samples& x, const std::vector<int64_t>& labels, int num_classes,
    bool bias_correct = true, bool demeaned = false);
// The same with the mixture entropy approximated by the unscented transform
// (gcmi `mi_mixture_gd`; no bias correction).
absl::StatusOr<double> GaussianMixtureDiscreteMutualInformation(
    const Samples& x, const std::vector<int64_t>& labels, int num_classes);

// Continuous-continuous GCMI (gcmi `gcmi_cc`).
absl::StatusOr<double> GcmiCc(const Samples& x, const Samples& y);
// Continuous-discrete GCMI, Gaussian model per class (gcmi `gcmi_model_cd`).
absl::StatusOr<double> GcmiModelCd(const Samples& x, const std::vector<int64_t>& labels,
                                   int num_classes);
// Continuous-discrete GCMI, Gaussian mixture (gcmi `gcmi_mixture_cd`).
absl::StatusOr<double> GcmiMixtureCd(const Samples& x, const std::vector<int64_t>& labels,
                                     int num_classes);
// Conditional GCMI I(x; y | z) of three continuous variables (gcmi `gccmi_ccc`).
absl::StatusOr<double> GccmiCcc(const Samples& x, const Samples& y, const Samples& z);

}  // namespace monitor
}  // namespace sparselab

#endif  // SPARSELAB_MONITOR_GCMI_H_
