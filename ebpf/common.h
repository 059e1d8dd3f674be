/* Shared by every BPF program and libebpfmon: loss stages and limits. */
#ifndef EBPFMON_COMMON_H
#define EBPFMON_COMMON_H

#ifndef __BPF__
#include <linux/types.h> /* user space; BPF programs get these from the kernel */
#endif

/* Indexes of the per-CPU "ebpfmon_losses" array: each place in the kernel
 * where an event can be dropped has its own counter. */
enum ebpfmon_loss_stage {
  EBPFMON_LOSS_KERNEL_BUFFER = 0, /* ring buffer full: reserve/output failed */
  EBPFMON_LOSS_KERNEL_MAP = 1,    /* a map tracking in-flight calls was full */
  EBPFMON_LOSS_RATE_LIMIT = 2,    /* max_events_per_second exceeded */
  EBPFMON_LOSS_STAGES = 3,
};

#define EBPFMON_COMM_LEN 16

/* Key of the comm filter map: the kernel's comm is exactly 16 bytes. */
struct ebpfmon_comm {
  char name[EBPFMON_COMM_LEN];
};

#endif
