// Numbers of the Linux system calls the container shim makes itself (Perl's syscall), per Node
// architecture: making a container's namespaces this way costs nothing next to starting nsenter(1),
// unshare(1) and mount(8) for each container. Unknown architectures use those programs instead.
export interface ShimSyscalls {
  unshare: number;
  mount: number;
  setns: number;
}

const byArch: Partial<Record<string, ShimSyscalls>> = {
  x64: { unshare: 272, mount: 165, setns: 308 },
  // The generic table (asm-generic/unistd.h).
  arm64: { unshare: 97, mount: 40, setns: 268 },
  riscv64: { unshare: 97, mount: 40, setns: 268 },
};

export function shimSyscalls(arch: string = process.arch): ShimSyscalls | undefined {
  return byArch[arch];
}
