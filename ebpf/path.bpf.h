/* A path read from the kernel's dentries, crossing mounts: exec's cwd and
 * exe, syscallmon's fd targets.
 *
 * The names go into a buffer from the last one up (user space reverses
 * them), each with its NUL. Crossing a mount needs struct mount's layout,
 * which no header exports: EBPFMON_MOUNT_* come from the kernel's BTF
 * (lib/monitors/process_context.cc); without them the walk stops at the
 * first mount point and says the path is cut. */
#ifndef EBPFMON_PATH_BPF_H
#define EBPFMON_PATH_BPF_H

#include "common.bpf.h"

#define EBPFMON_PATH_CUT 0x1     /* did not fit, or a mount could not be crossed */
#define EBPFMON_PATH_DELETED 0x2 /* the file is unlinked */

/* The names of `path` up to `root` go to buf at (start + *size) & mask, at
 * most `limit` bytes in all; buf must hold mask + 1 + EBPFMON_NAME_BYTES.
 * Returns EBPFMON_PATH_* flags.
 *
 * The progress lives in *size (memory), not in a register: loaded back it
 * is an unknown number, so the verifier sees every iteration alike. */
static __always_inline u32 ebpfmon_read_path(char *buf, u32 mask, u32 start, u32 limit, u32 *size,
                                             const char *path, const char *root) {
  struct dentry *dentry = NULL, *root_dentry = NULL, *parent = NULL;
  struct vfsmount *vfsmnt = NULL, *root_mnt = NULL;
  u32 flags = 0;
  ebpfmon_read_kernel(dentry, path, struct path, dentry);
  ebpfmon_read_kernel(vfsmnt, path, struct path, mnt);
  ebpfmon_read_kernel(root_dentry, root, struct path, dentry);
  ebpfmon_read_kernel(root_mnt, root, struct path, mnt);
  *size = 0;
  if (!dentry || !vfsmnt)
    return EBPFMON_PATH_CUT;
  /* d_unlinked(): unhashed, and not the root of its tree */
  void *pprev = NULL;
  bpf_probe_read_kernel(&pprev, sizeof(pprev),
                        (const char *)dentry + offsetof(struct dentry, d_hash) +
                            offsetof(struct hlist_bl_node, pprev));
  ebpfmon_read_kernel(parent, dentry, struct dentry, d_parent);
  if (!pprev && parent != dentry)
    flags |= EBPFMON_PATH_DELETED;

  /* One pass per name or mount crossed, and one more to see the root. */
  EBPFMON_LOOP
  for (int i = 0; i <= EBPFMON_PATH_DEPTH; i++) {
    if (dentry == root_dentry && vfsmnt == root_mnt)
      return flags;
    struct dentry *mnt_root = NULL;
    ebpfmon_read_kernel(mnt_root, vfsmnt, struct vfsmount, mnt_root);
    if (dentry == mnt_root) {
#ifdef EBPFMON_MOUNT_MNT
      const char *mnt = (const char *)vfsmnt - EBPFMON_MOUNT_MNT;
      const char *up = NULL;
      bpf_probe_read_kernel(&up, sizeof(up), mnt + EBPFMON_MOUNT_PARENT);
      if (!up || up == mnt)
        return flags; /* the root of everything */
      bpf_probe_read_kernel(&dentry, sizeof(dentry), mnt + EBPFMON_MOUNT_MOUNTPOINT);
      vfsmnt = (struct vfsmount *)(up + EBPFMON_MOUNT_MNT);
      continue;
#else
      break;
#endif
    }
    ebpfmon_read_kernel(parent, dentry, struct dentry, d_parent);
    if (!parent || parent == dentry)
      return flags; /* the root of a tree outside the task's root */
    if (i == EBPFMON_PATH_DEPTH)
      break;
    const unsigned char *name = NULL;
    u32 len = 0;
    ebpfmon_read_kernel(name, dentry, struct dentry, d_name.name);
    ebpfmon_read_kernel(len, dentry, struct dentry, d_name.len);
    u32 used = *size;
    if (used + len + 1 > limit)
      break;
    u32 off = (start + used) & mask;
    long n = bpf_probe_read_kernel_str(&buf[off], EBPFMON_NAME_BYTES, name);
    if (n <= 0)
      break;
    *size = used + (u32)n;
    dentry = parent;
  }
  return flags | EBPFMON_PATH_CUT;
}

#endif
