/* syscallmon's arguments, read only for calls that become events, at
 * sys_exit: the six registers from the saved user registers (unchanged by
 * the call, except by a successful execve), then what user space's table
 * asks to read behind them: strings and socket addresses from user memory
 * (the kernel has copied its inputs by then: a thread that rewrites them in
 * between is seen rewritten), and what an fd points to from the task's fd
 * table. Part of syscall.bpf.c, under SYSCALL_READ_ARGS. */
#include <linux/fs.h>
#include <linux/fdtable.h>
#include <linux/dcache.h>
#include <linux/mount.h>
#include <linux/fs_struct.h>
#include <linux/net.h>
#include <net/sock.h>

#include "path.bpf.h"
#include "task_fd.bpf.h"

/* Each capture's data area: twice the power of two >= both --string-bytes
 * and a name, so a name read at any offset below half fits. */
#define SYSCALL_DATA_BYTES (2 * SYSCALL_DATA_POW2)
#define SYSCALL_SOCKADDR_BYTES 128 /* sizeof(struct sockaddr_storage) */

struct syscall_capture_area {
  struct syscall_capture h;
  char data[SYSCALL_DATA_BYTES];
};

/* Captures are read into `captures` one after the other: each takes its
 * header and its data's length padded to 8 (SYSCALL_CAPTURE_BYTES), and one
 * that found nothing takes no room. Its reads may still use a whole area
 * while it is read, hence the room for SYSCALL_CAPTURES areas (and the
 * padding, which the verifier's bounds count per capture). */
struct syscall_record {
  struct syscall_event e;
  char captures[SYSCALL_CAPTURES * (sizeof(struct syscall_capture_area) + 8)];
};

/* Too big for the stack: one per CPU, filled and sent before the next. */
BPF_PERCPU_ARRAY(syscall_records, struct syscall_record, 1);

static __always_inline void syscall_read_registers(const struct pt_regs *regs, u64 *args) {
  /* x86_64's syscall convention: r10 takes the fourth (rcx is clobbered). */
  ebpfmon_read_kernel(args[0], regs, struct pt_regs, di);
  ebpfmon_read_kernel(args[1], regs, struct pt_regs, si);
  ebpfmon_read_kernel(args[2], regs, struct pt_regs, dx);
  ebpfmon_read_kernel(args[3], regs, struct pt_regs, r10);
  ebpfmon_read_kernel(args[4], regs, struct pt_regs, r8);
  ebpfmon_read_kernel(args[5], regs, struct pt_regs, r9);
}

/* Read one byte past --string-bytes plus the NUL, so a string that does not
 * fit is told from one that just does. */
static __always_inline void syscall_read_string(struct syscall_capture_area *c, u64 ptr) {
  long n = bpf_probe_read_user_str(c->data, SYSCALL_STRING_BYTES + 2, (const void *)ptr);
  if (n <= 0)
    return;
  u32 len = (u32)n - 1;
  c->h.found = SYSCALL_FOUND_STRING;
  if (len > SYSCALL_STRING_BYTES) {
    len = SYSCALL_STRING_BYTES;
    c->h.flags |= SYSCALL_CAPTURE_CUT;
  }
  c->h.len = len;
}

static __always_inline void syscall_read_sockaddr(struct syscall_capture_area *c, u64 ptr,
                                                  u64 len_register) {
  u32 n = (u32)len_register; /* an int: the upper half is not the caller's */
  if ((int)n <= 0)
    return;
  if (n > SYSCALL_SOCKADDR_BYTES)
    n = SYSCALL_SOCKADDR_BYTES;
  /* Without the barrier clang passes the whole register, whose upper half
   * the verifier cannot bound (the helper reads a u32). */
  asm volatile("" : "+r"(n));
  n &= 2 * SYSCALL_SOCKADDR_BYTES - 1;
  if (bpf_probe_read_user(c->data, n, (const void *)ptr) != 0)
    return;
  c->h.found = SYSCALL_FOUND_BYTES;
  c->h.len = n;
}

static __always_inline void syscall_read_socket(struct syscall_capture_area *c, struct file *f) {
  c->h.found = SYSCALL_FOUND_SOCKET;
  struct sock *sk = ebpfmon_file_sock(f);
  if (!sk)
    return;
  const char *s = (const char *)sk;
  ebpfmon_read_kernel(c->h.family, sk, struct sock, __sk_common.skc_family);
  ebpfmon_read_kernel(c->h.type, sk, struct sock, sk_type);
  ebpfmon_read_kernel(c->h.protocol, sk, struct sock, sk_protocol);
  if (c->h.family == 2 /* AF_INET */ || c->h.family == 10 /* AF_INET6 */) {
    __be16 dport = 0;
    ebpfmon_read_kernel(c->h.sport, sk, struct sock, __sk_common.skc_num);
    ebpfmon_read_kernel(dport, sk, struct sock, __sk_common.skc_dport);
    c->h.dport = bpf_ntohs(dport);
  }
  if (c->h.family == 2) {
    bpf_probe_read_kernel(c->h.saddr, 4, s + offsetof(struct sock, __sk_common.skc_rcv_saddr));
    bpf_probe_read_kernel(c->h.daddr, 4, s + offsetof(struct sock, __sk_common.skc_daddr));
  }
#if IS_ENABLED(CONFIG_IPV6)
  if (c->h.family == 10) {
    bpf_probe_read_kernel(c->h.saddr, 16, s + offsetof(struct sock, __sk_common.skc_v6_rcv_saddr));
    bpf_probe_read_kernel(c->h.daddr, 16, s + offsetof(struct sock, __sk_common.skc_v6_daddr));
  }
#endif
#ifdef EBPFMON_UNIX_SOCK_ADDR
  /* A bound unix socket's sun_path (abstract ones start with a NUL). */
  if (c->h.family == 1 /* AF_UNIX */) {
    const char *addr = NULL;
    int len = 0;
    bpf_probe_read_kernel(&addr, sizeof(addr), s + EBPFMON_UNIX_SOCK_ADDR);
    if (!addr)
      return;
    bpf_probe_read_kernel(&len, sizeof(len), addr + EBPFMON_UNIX_ADDRESS_LEN);
    if (len <= (int)sizeof(unsigned short) || len > 110 /* sizeof(struct sockaddr_un) */)
      return;
    /* after sun_family; the mask is for the verifier, which loses the bounds */
    u32 path_len = (u32)(len - sizeof(unsigned short)) & 0x7f;
    if (bpf_probe_read_kernel(c->data, path_len,
                              addr + EBPFMON_UNIX_ADDRESS_NAME + sizeof(unsigned short)) == 0)
      c->h.len = path_len;
  }
#endif
}

static __always_inline void syscall_read_fd(struct syscall_capture_area *c, u64 value) {
  struct file *f = ebpfmon_fd_file(value);
  if (!f)
    return;
  const char *path = (const char *)f + offsetof(struct file, f_path);
  struct dentry *dentry = NULL, *parent = NULL;
  struct inode *inode = NULL;
  struct super_block *sb = NULL;
  unsigned long magic = 0;
  ebpfmon_read_kernel(dentry, path, struct path, dentry);
  ebpfmon_read_kernel(inode, f, struct file, f_inode);
  ebpfmon_read_kernel(c->h.ino, inode, struct inode, i_ino);
  ebpfmon_read_kernel(sb, dentry, struct dentry, d_sb);
  ebpfmon_read_kernel(magic, sb, struct super_block, s_magic);
  c->h.magic = (u32)magic;
  if (c->h.magic == SYSCALL_SOCKFS_MAGIC) {
    syscall_read_socket(c, f);
    return;
  }
  /* A file of no mount (a pipe, an anon inode, a memfd) has a dentry that is
   * its own parent; its name is all there is ("[eventfd]", "memfd:x"). */
  ebpfmon_read_kernel(parent, dentry, struct dentry, d_parent);
  if (parent == dentry) {
    const unsigned char *name = NULL;
    c->h.found = SYSCALL_FOUND_PSEUDO;
    ebpfmon_read_kernel(name, dentry, struct dentry, d_name.name);
    long n = bpf_probe_read_kernel_str(c->data, EBPFMON_NAME_BYTES, name);
    c->h.len = n > 0 ? (u32)n - 1 : 0;
    return;
  }
  const void *task = (const void *)bpf_get_current_task();
  struct fs_struct *fs = NULL;
  ebpfmon_read_kernel(fs, task, struct task_struct, fs);
  u32 found = ebpfmon_read_path(c->data, SYSCALL_DATA_POW2 - 1, 0, SYSCALL_STRING_BYTES, &c->h.len,
                                path, (const char *)fs + offsetof(struct fs_struct, root));
  c->h.found = SYSCALL_FOUND_PATH;
  c->h.flags |= (found & EBPFMON_PATH_CUT ? SYSCALL_CAPTURE_CUT : 0) |
                (found & EBPFMON_PATH_DELETED ? SYSCALL_CAPTURE_DELETED : 0);
}

#ifdef SYSCALL_TASK_STORAGE
/* close's fd, resolved at entry: at exit it is gone, and since 6.15 close()
 * frees the file before returning. Only where the call will be written
 * whatever it returns (a call written for an error or its slowness shows
 * the fd's number): so only events pay, as for every other argument. */
BPF_TASK_STORAGE(syscall_entry_captures, struct syscall_capture_area);

static __always_inline bool syscall_written_anyway(const struct syscall_class *cls) {
#ifdef SYSCALL_WRITE_ALL
  return true;
#elif defined(SYSCALL_WRITE_PRIORITY)
  return cls->priority;
#else
  return false;
#endif
}

static __always_inline void syscall_read_at_entry(const struct pt_regs *regs,
                                                  const struct syscall_class *cls) {
  if (cls->capture_kind[0] != SYSCALL_CAPTURE_FD_AT_ENTER || !syscall_written_anyway(cls))
    return;
  struct syscall_capture_area *c = syscall_entry_captures.task_storage_get(
      bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (!c)
    return;
  __builtin_memset(&c->h, 0, sizeof(c->h));
  u64 args[SYSCALL_ARGS] = {};
  syscall_read_registers(regs, args);
  c->h.arg = cls->capture_arg[0];
  if (c->h.arg < SYSCALL_ARGS)
    syscall_read_fd(c, args[c->h.arg]);
  c->h.flags |= SYSCALL_CAPTURE_AT_ENTRY;
}

/* Moves what the entry read into the record: once, so a later call of the
 * task that was not read at entry finds nothing. */
static __always_inline void syscall_take_entry_capture(struct syscall_capture_area *c) {
  struct syscall_capture_area *at_entry =
      syscall_entry_captures.task_storage_get(bpf_get_current_task_btf(), 0, 0);
  if (!at_entry || !(at_entry->h.flags & SYSCALL_CAPTURE_AT_ENTRY))
    return;
  bpf_probe_read_kernel(c, sizeof(*c), at_entry);
  c->h.flags &= ~SYSCALL_CAPTURE_AT_ENTRY;
  at_entry->h.flags = 0;
}
#else
static __always_inline void syscall_read_at_entry(const struct pt_regs *regs,
                                                  const struct syscall_class *cls) {}
static __always_inline void syscall_take_entry_capture(struct syscall_capture_area *c) {}
#endif

static __always_inline void syscall_capture_one(struct syscall_capture_area *c, u8 arg, u8 kind,
                                                const u64 *args, long ret) {
  __builtin_memset(&c->h, 0, sizeof(c->h));
  c->h.arg = arg;
  if (kind == SYSCALL_CAPTURE_FD_AT_ENTER) {
    syscall_take_entry_capture(c);
    return;
  }
  u64 value = arg < SYSCALL_ARGS ? args[arg] : (u64)ret;
  if (kind == SYSCALL_CAPTURE_STRING)
    syscall_read_string(c, value);
  else if (kind == SYSCALL_CAPTURE_SOCKADDR && arg + 1 < SYSCALL_ARGS)
    syscall_read_sockaddr(c, value, args[arg + 1]);
  else if (kind == SYSCALL_CAPTURE_FD)
    syscall_read_fd(c, value);
}

/* Fills r->e.args and r->captures; returns the bytes of captures written. */
static __always_inline u32 syscall_read_args(struct syscall_record *r, const struct pt_regs *regs,
                                             long ret) {
  u32 slot = syscall_slot(r->e.nr);
  struct syscall_class *cls = syscall_table.lookup(&slot);
  __builtin_memset(r->e.args, 0, sizeof(r->e.args));
  if (!cls || (cls->replaces_image && ret == 0))
    return 0;
  syscall_read_registers(regs, r->e.args);
  u32 n = 0, used = 0;
#pragma unroll
  for (int i = 0; i < SYSCALL_CAPTURES; i++) {
    u8 kind = cls->capture_kind[i];
    if (kind == SYSCALL_CAPTURE_NONE)
      break;
    struct syscall_capture_area *c = (struct syscall_capture_area *)(r->captures + used);
    syscall_capture_one(c, cls->capture_arg[i], kind, r->e.args, ret);
    if (c->h.found == SYSCALL_FOUND_NOTHING)
      continue; /* user space shows the register alone */
    /* every capture's len is below SYSCALL_DATA_BYTES; the mask tells the verifier */
    used += SYSCALL_CAPTURE_BYTES(c->h.len & (SYSCALL_DATA_BYTES - 1));
    n++;
  }
  r->e.captures = n;
  return used;
}
