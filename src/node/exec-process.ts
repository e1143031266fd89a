// The process behind `kubectl exec`: the runtime says how a command runs in a container (file, args, env,
// cwd); this runs it with the session's streams, with a pseudo-terminal when the client asked for one.
//
// Node has no pty API, so a TTY exec runs under a small Perl helper (Perl is already required by the
// container shim) that opens /dev/ptmx, starts the command as a session leader with the pty's slave as its
// controlling terminal and stdio, copies bytes between its own stdin/stdout and the master, applies
// terminal sizes read from fd 3 ("WIDTH HEIGHT\n" lines) with TIOCSWINSZ, and exits with the command's code.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { ExecIO, ExecResult } from '../apiserver/streaming/exec-session.js';

export interface ExecTarget {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

// Linux's asm-generic ioctl numbers (x86-64 and arm64 alike).
const ptyProgram = String.raw`
use strict;
use POSIX ();
use Fcntl ();
use IO::Select;
my ($TIOCSPTLCK, $TIOCGPTN, $TIOCSCTTY, $TIOCSWINSZ) = (0x40045431, 0x80045430, 0x540E, 0x5414);
my @cmd = @ARGV;
sysopen(my $master, '/dev/ptmx', POSIX::O_RDWR() | POSIX::O_NOCTTY()) or die "open /dev/ptmx: $!\n";
my $unlock = pack('i', 0);
ioctl($master, $TIOCSPTLCK, $unlock) or die "unlock pty: $!\n";
my $ptn = pack('I', 0);
ioctl($master, $TIOCGPTN, $ptn) or die "pty number: $!\n";
my $slavePath = '/dev/pts/' . unpack('I', $ptn);
open(my $sizes, '<&=', 3) or die "resize channel: $!\n";
my $pid = fork();
defined $pid or die "fork: $!\n";
if ($pid == 0) {
  close $master; close $sizes;
  POSIX::setsid();
  sysopen(my $slave, $slavePath, POSIX::O_RDWR()) or die "open $slavePath: $!\n";
  ioctl($slave, $TIOCSCTTY, 0);
  open(STDIN, '<&', $slave); open(STDOUT, '>&', $slave); open(STDERR, '>&', $slave);
  close $slave;
  $SIG{$_} = 'DEFAULT' for qw(TERM INT HUP QUIT PIPE CHLD);
  exec { $cmd[0] } @cmd;
  print STDERR "exec $cmd[0]: $!\n";
  POSIX::_exit(127);
}
$SIG{PIPE} = 'IGNORE';
$SIG{$_} = sub { kill 'KILL', -$pid; POSIX::_exit(137); } for qw(TERM INT HUP);
fcntl($master, Fcntl::F_SETFL(), fcntl($master, Fcntl::F_GETFL(), 0) | Fcntl::O_NONBLOCK());
my ($mfd, $ifd, $sfd) = (fileno($master), fileno(STDIN), fileno($sizes));
my $input = '';
my $sizeBuf = '';
my ($inputOpen, $masterOpen, $status) = (1, 1, undef);
sub writeAll { my ($fh, $data) = @_; for (my $o = 0; $o < length $data; ) { my $k = syswrite($fh, $data, length($data) - $o, $o); return unless defined $k; $o += $k; } }
while ($masterOpen) {
  my ($rin, $win) = ('', '');
  vec($rin, $mfd, 1) = 1;
  vec($rin, $ifd, 1) = 1 if $inputOpen && length($input) < 65536;
  vec($rin, $sfd, 1) = 1 if defined $sizes;
  vec($win, $mfd, 1) = 1 if length $input;
  my ($rout, $wout) = ($rin, $win);
  my $n = select($rout, length($win) ? $wout : undef, undef, defined $status ? 0.05 : 0.2);
  if ($n > 0) {
    if (vec($rout, $mfd, 1)) {
      my $got = sysread($master, my $buf, 65536);
      if ($got) { writeAll(\*STDOUT, $buf); }
      elsif (!defined $got && $!{EAGAIN}) { }
      else { $masterOpen = 0; }  # EIO: every holder of the slave has closed it
    }
    if ($inputOpen && vec($rout, $ifd, 1)) {
      my $got = sysread(STDIN, my $buf, 65536);
      if ($got) { $input .= $buf; } else { $inputOpen = 0; }
    }
    if (defined $sizes && vec($rout, $sfd, 1)) {
      my $got = sysread($sizes, my $buf, 4096);
      if ($got) {
        $sizeBuf .= $buf;
        while ($sizeBuf =~ s/^(\d+) (\d+)\n//) { my $ws = pack('S4', $2, $1, 0, 0); ioctl($master, $TIOCSWINSZ, $ws); }
      } else { close $sizes; undef $sizes; }
    }
    if (length $input && length($win) && vec($wout, $mfd, 1)) {
      my $k = syswrite($master, $input);
      substr($input, 0, $k) = '' if defined $k && $k > 0;
    }
  } elsif (defined $status) {
    last;  # the command is gone and its output drained
  }
  if (!defined $status && waitpid($pid, POSIX::WNOHANG()) == $pid) { $status = $?; }
}
$status = (waitpid($pid, 0) == $pid ? $? : 0) unless defined $status;
POSIX::_exit(($status & 127) ? 128 + ($status & 127) : ($status >> 8));
`;

/** Why the command cannot be started, in the words of Go's exec.LookPath / a runtime's chdir; undefined if it can. */
function startProblem(target: ExecTarget): string | undefined {
  if (target.cwd) {
    try {
      if (!fs.statSync(target.cwd).isDirectory()) return `chdir to cwd (${JSON.stringify(target.cwd)}) set in config failed: not a directory`;
    } catch {
      return `chdir to cwd (${JSON.stringify(target.cwd)}) set in config failed: no such file or directory`;
    }
  }
  const file = target.file;
  const executable = (p: string): 'ok' | 'missing' | 'denied' => {
    try {
      const st = fs.statSync(p);
      if (st.isDirectory()) return 'denied';
      fs.accessSync(p, fs.constants.X_OK);
      return 'ok';
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EACCES' ? 'denied' : 'missing';
    }
  };
  if (file.includes('/')) {
    const full = path.resolve(target.cwd ?? process.cwd(), file);
    const r = executable(full);
    if (r === 'missing') return `exec: ${JSON.stringify(file)}: stat ${file}: no such file or directory`;
    if (r === 'denied') return `exec: ${JSON.stringify(file)}: permission denied`;
    return undefined;
  }
  let denied = false;
  for (const dir of (target.env.PATH ?? '').split(':')) {
    const r = executable(path.resolve(target.cwd ?? process.cwd(), dir || '.', file));
    if (r === 'ok') return undefined;
    if (r === 'denied') denied = true;
  }
  return denied ? `exec: ${JSON.stringify(file)}: permission denied` : `exec: ${JSON.stringify(file)}: executable file not found in $PATH`;
}

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? osConstants.signals[signal] ?? 9 : 9);
}

/**
 * Runs the command for an exec session and reports how it ended. Output is handed to io.stdout/io.stderr
 * until the command's stdio closes; the session's end (io.signal) kills it.
 */
export async function runExecProcess(target: ExecTarget, tty: boolean, io: ExecIO): Promise<ExecResult> {
  const problem = startProblem(target);
  if (problem) return { error: `failed to exec in container: ${problem}` };
  const env = tty ? { ...target.env, TERM: 'xterm' } : target.env;
  let child: ChildProcess;
  if (tty) {
    child = spawn('perl', ['-e', ptyProgram, target.file, ...target.args], {
      cwd: target.cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    const sizes = child.stdio[3] as NodeJS.WritableStream & { on(e: 'error', f: () => void): void };
    sizes.on('error', () => undefined);
    const sendSize = (s: { width: number; height: number }) => sizes.write(`${s.width} ${s.height}\n`);
    if (io.resize?.size) sendSize(io.resize.size);
    io.resize?.on('resize', sendSize);
  } else {
    child = spawn(target.file, target.args, {
      cwd: target.cwd, env, detached: true, stdio: [io.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
  }
  const killer = () => {
    // Without a TTY the command leads its own process group; with one, the helper takes its session down.
    try {
      if (tty) child.kill('SIGTERM');
      else if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const stdin = io.stdin as Readable | undefined;
  if (child.stdin) {
    child.stdin.on('error', () => undefined); // the command may exit without reading all of it
    if (stdin) stdin.pipe(child.stdin);
    else child.stdin.end();
  }
  const forward = (from: Readable, to: NodeJS.WritableStream | undefined) => (to ? from.pipe(to, { end: false }) : from.resume());
  forward(child.stdout!, io.stdout);
  // With a TTY the helper's stderr carries only its own failures; they belong on the terminal.
  forward(child.stderr!, tty ? io.stdout : io.stderr);
  if (io.signal.aborted) killer();
  else io.signal.addEventListener('abort', killer, { once: true });
  try {
    return await new Promise<ExecResult>((resolve) => {
      child.once('error', (e) => resolve({ error: `failed to exec in container: ${e.message}` }));
      child.once('close', (code, signal) => resolve({ exitCode: exitCodeOf(code, signal) }));
    });
  } finally {
    io.signal.removeEventListener('abort', killer);
    if (stdin && child.stdin) stdin.unpipe(child.stdin);
  }
}
