/* What a task's fd points to: its struct file, and a socket file's struct
 * sock. Shared by syscall's fd targets and net's accept. */
#ifndef EBPFMON_TASK_FD_BPF_H
#define EBPFMON_TASK_FD_BPF_H

#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/net.h>
#include <linux/sched.h>
#include <net/sock.h>

#include "common.bpf.h"

/* The current task's struct file for fd, or NULL. */
static __always_inline struct file *ebpfmon_fd_file(u64 value) {
  int fd = (int)value; /* an int in every syscall: the upper half is not the caller's */
  if (fd < 0)
    return NULL;
  const void *task = (const void *)bpf_get_current_task();
  struct files_struct *files = NULL;
  struct fdtable *fdt = NULL;
  struct file **fds = NULL;
  struct file *f = NULL;
  unsigned int max_fds = 0;
  ebpfmon_read_kernel(files, task, struct task_struct, files);
  ebpfmon_read_kernel(fdt, files, struct files_struct, fdt);
  ebpfmon_read_kernel(max_fds, fdt, struct fdtable, max_fds);
  if ((unsigned int)fd >= max_fds)
    return NULL;
  ebpfmon_read_kernel(fds, fdt, struct fdtable, fd);
  bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
  return f;
}

/* A socket file's struct sock (the caller knows f is a socket's). */
static __always_inline struct sock *ebpfmon_file_sock(struct file *f) {
  struct socket *sock = NULL;
  struct sock *sk = NULL;
  bpf_probe_read_kernel(&sock, sizeof(sock), (const char *)f + offsetof(struct file, private_data));
  ebpfmon_read_kernel(sk, sock, struct socket, sk);
  return sk;
}

#endif
