// Starts detached processes through one small long-lived Perl process. Node's spawn forks the agent
// itself: with a ~90 MiB heap that blocks the event loop for 7–15 ms per container on these machines,
// which for 100 pods created at once is most of the create→Running latency. Forking the launcher
// costs well under a millisecond, and the agent only writes a line to a pipe.
//
// A `perl -e PROGRAM ARGS` request (the container shim) is not exec'd at all: the forked launcher runs
// PROGRAM itself, with the modules the shim uses already loaded (loading POSIX alone takes a fresh perl
// ~18 ms, five times its bare start-up).
//
// Protocol (one JSON line each way): {"id":N,"argv":[...],"env":{...}} → {"id":N,"pid":P} or
// {"id":N,"error":"..."}; {"exit":P} when a child ends. A long argument (the shim's program, a few KiB)
// is sent once as {"define":K,"text":"..."} and then by reference, "refs":{"<argv index>":K}: the
// launcher decodes every request in turn with the pure-Perl JSON::PP, about a millisecond per shim
// program, which for 100 pods at once was a queue of its own. Children start in their own session with
// stdio on /dev/null, as spawn(..., {detached: true, stdio: 'ignore'}) would start them. When the agent
// goes away the launcher's stdin closes and it exits; its children carry on, reparented to init.
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

const launcherProgram = String.raw`
use strict; use warnings; use POSIX (); use JSON::PP (); use IO::Select (); use Time::HiRes ();
$| = 1;
my $json = JSON::PP->new->utf8;
my %mine;
my %strings;
$SIG{CHLD} = sub {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    print $json->encode({ exit => $pid + 0 }), "\n" if delete $mine{$pid};
  }
};
while (defined(my $line = <STDIN>)) {
  my $req = eval { $json->decode($line) } or next;
  if (defined $req->{define}) { $strings{$req->{define}} = $req->{text}; next; }
  my @argv = @{ $req->{argv} };
  my $refs = $req->{refs} || {};
  $argv[$_] = $strings{$refs->{$_}} for keys %$refs;
  my $pid = fork();
  if (!defined $pid) { print $json->encode({ id => $req->{id}, error => "fork: $!" }), "\n"; next; }
  if ($pid == 0) {
    $SIG{CHLD} = 'DEFAULT';
    POSIX::setsid();
    open(STDIN, '<', '/dev/null'); open(STDOUT, '>', '/dev/null'); open(STDERR, '>', '/dev/null');
    %ENV = %{ $req->{env} };
    if (@argv >= 3 && $argv[0] eq 'perl' && $argv[1] eq '-e') {
      my $program = $argv[2];
      @ARGV = @argv[3 .. $#argv];
      $0 = join(' ', 'perl', '-e', '(nanokube)', @ARGV);
      local $@;
      eval "no strict; no warnings; $program; 1" or POSIX::_exit(255);
      POSIX::_exit(0);
    }
    exec { $argv[0] } @argv or POSIX::_exit(127);
  }
  $mine{$pid} = 1;
  print $json->encode({ id => $req->{id}, pid => $pid + 0 }), "\n";
}
`;

/** Arguments this long are sent to the launcher once and then by reference (at most maxStrings of them). */
const longArgument = 512;
const maxStrings = 64;

interface Pending {
  resolve(started: { pid: number; exited: Promise<void> }): void;
  reject(err: Error): void;
}

export class Spawner {
  private proc?: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly exits = new Map<number, () => void>();
  /** Exits reported before the start reply was read (a process that ends at once). */
  private readonly earlyExits = new Set<number>();
  /** Long arguments the current launcher has been given once (text → key). */
  private readonly strings = new Map<string, number>();

  /** Starts argv detached, with exactly env; resolves with its pid and a promise of its exit. */
  spawn(argv: string[], env: Record<string, string>): Promise<{ pid: number; exited: Promise<void> }> {
    const proc = this.launcher();
    const id = this.nextId++;
    const refs: Record<number, number> = {};
    const sent = argv.map((arg, i) => {
      if (arg.length < longArgument) return arg;
      let key = this.strings.get(arg);
      if (key === undefined && this.strings.size >= maxStrings) return arg; // many distinct ones (user scripts): inline
      if (key === undefined) {
        key = this.strings.size + 1;
        this.strings.set(arg, key);
        proc.stdin!.write(`${JSON.stringify({ define: key, text: arg })}\n`);
      }
      refs[i] = key;
      return '';
    });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      proc.stdin!.write(`${JSON.stringify({ id, argv: sent, refs, env })}\n`);
    });
  }

  private launcher(): ChildProcess {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) return this.proc;
    const proc = spawn('perl', ['-e', launcherProgram], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.proc = proc;
    this.strings.clear(); // a new launcher knows none
    // The launcher must not keep an otherwise finished process (a test, a CLI run) alive.
    proc.unref();
    (proc.stdin as unknown as { unref?: () => void }).unref?.();
    (proc.stdout as unknown as { unref?: () => void }).unref?.();
    proc.stdin!.on('error', () => undefined);
    readline.createInterface({ input: proc.stdout! }).on('line', (line) => this.onLine(line));
    proc.once('exit', () => {
      if (this.proc === proc) this.proc = undefined;
      for (const p of this.pending.values()) p.reject(new Error('the process launcher exited'));
      this.pending.clear();
    });
    proc.once('error', (e) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    });
    return proc;
  }

  private onLine(line: string): void {
    let msg: { id?: number; pid?: number; error?: string; exit?: number };
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    if (msg.exit !== undefined) {
      const done = this.exits.get(msg.exit);
      if (done) {
        this.exits.delete(msg.exit);
        done();
      } else this.earlyExits.add(msg.exit);
      return;
    }
    const p = msg.id === undefined ? undefined : this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id!);
    if (msg.error || !msg.pid) {
      p.reject(new Error(msg.error ?? 'the process launcher did not start the process'));
      return;
    }
    const pid = msg.pid;
    const exited = new Promise<void>((resolve) => {
      if (this.earlyExits.delete(pid)) resolve();
      else this.exits.set(pid, resolve);
    });
    p.resolve({ pid, exited });
  }
}
