// How many CPUs this process may run on. std::thread::hardware_concurrency()
// counts the machine's; a process started under taskset, in a cpuset (a
// container, or a Slurm job with --cpus-per-task) may use fewer, and a thread
// pool sized to the machine then oversubscribes its CPUs.
#ifndef SPARSELAB_LIB_BASE_CPU_COUNT_H_
#define SPARSELAB_LIB_BASE_CPU_COUNT_H_

namespace sparselab {

// The CPUs in this process's affinity mask (sched_getaffinity), else
// std::thread::hardware_concurrency(); at least 1.
int UsableCpuCount();

// OpenBLAS (Debian's libopenblas0-pthread, which LibTorch's matrix products
// call) keeps its own thread pool, sized to the machine, which
// at::set_num_threads does not reach: a "one thread" run then still multiplies
// matrices on every core, and on a loaded machine waits for them (a 1024x512
// product at batch 1 took 1.4 ms instead of 0.14 ms). Sets that pool to `n`
// threads and returns true when OpenBLAS is in the process (found by symbol,
// so nothing links against it); false otherwise.
bool SetBlasThreads(int n);
// OpenBLAS's thread count, or 0 when it is not in the process.
int BlasThreads();

}  // namespace sparselab

#endif  // SPARSELAB_LIB_BASE_CPU_COUNT_H_
