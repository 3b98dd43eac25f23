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

}  // namespace sparselab

#endif  // SPARSELAB_LIB_BASE_CPU_COUNT_H_
