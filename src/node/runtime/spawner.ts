// Starts detached processes through one small long-lived Perl process. Node's spawn forks the agent
// itself: with a ~90 MiB heap that blocks the event loop for 7–15 ms per container on these machines,
// which for 100 pods created at once is most of the create→Running latency. Forking the launcher
// costs well under a millisecond, and the agent only writes a line to a pipe.
//
// A `perl -e PROGRAM ARGS` request (the container shim) is not exec'd at all: the forked launcher runs
// PROGRAM itself, with the modules the shim uses already loaded (loading POSIX alone takes a fresh perl
// ~18 ms, five times its bare start-up).
//
// Protocol. Requests: `R <id> <bytes>\n` and a NUL-separated payload (argc, argv…, refc, "index:key"…,
// envc, name, value…); a long argument (the shim's program, a few KiB) is sent once as
// `D <key> <bytes>\n<text>` and then by reference. The launcher compiles a referenced `perl -e` program
// once, before forking, so each shim runs it without parsing it (parsing in the child also copied the
// pages it touched). Decoding JSON in pure Perl (JSON::PP) took a quarter of a millisecond per request,
// a queue of its own for 100 pods at once. Replies are JSON lines: {"id":N,"pid":P} or
// {"id":N,"error":"..."}; {"exit":P} when a child ends; and a shim reports the container it started as
// {"started":SHIM,"pid":P} on a copy of the launcher's stdout, so the agent need not poll for its pid
// file. Children start in their own session with stdio on /dev/null, as spawn(..., {detached: true,
// stdio: 'ignore'}) would start them. When the agent goes away the launcher's stdin closes and it
// exits; its children carry on, reparented to init.
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

const launcherProgram = String.raw`
use strict; use warnings; use POSIX (); use JSON::PP (); use IO::Select (); use Time::HiRes ();
$| = 1;
my $json = JSON::PP->new->utf8;
my %mine;
my %early;
my %strings;
my %compiled;
our $report;
$SIG{CHLD} = sub {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    if (delete $mine{$pid}) { print $json->encode({ exit => $pid + 0 }), "\n"; } else { $early{$pid} = 1; }
  }
};
sub fields { my $n = shift @{ $_[0] }; return splice(@{ $_[0] }, 0, $n); }
while (defined(my $line = <STDIN>)) {
  my ($kind, $key, $len) = $line =~ /^([DR]) (\d+) (\d+)$/ or next;
  my $payload = '';
  while (length($payload) < $len) { my $n = read(STDIN, $payload, $len - length($payload), length($payload)); last if !$n; }
  if ($kind eq 'D') { utf8::decode($payload); $strings{$key} = $payload; next; }
  utf8::decode($payload);
  my @f = split /\0/, $payload, -1;
  my $id = $key + 0;
  my @argv = fields(\@f);
  my %refs = map { split /:/ } fields(\@f);
  my %env = fields(\@f);
  $argv[$_] = $strings{$refs{$_}} for keys %refs;
  my ($inline, $run) = (@argv >= 3 && $argv[0] eq 'perl' && $argv[1] eq '-e');
  # A program sent by reference (the shim) is compiled once into a sub; it must read @ARGV by name,
  # since a bare "shift" in a sub means @_ (given a copy of the arguments).
  if ($inline && defined $refs{2}) { $run = $compiled{$refs{2}} //= (eval "sub { no strict; no warnings; $argv[2]\n; }" || sub { POSIX::_exit(255) }); }
  my $pid = fork();
  if (!defined $pid) { print $json->encode({ id => $id, error => "fork: $!" }), "\n"; next; }
  if ($pid == 0) {
    $SIG{CHLD} = 'DEFAULT';
    POSIX::setsid();
    open($report, '>&', \*STDOUT);
    open(STDIN, '<', '/dev/null'); open(STDOUT, '>', '/dev/null'); open(STDERR, '>', '/dev/null');
    %ENV = %env;
    if ($inline) {
      @ARGV = @argv[3 .. $#argv];
      $0 = join(' ', 'perl', '-e', '(nanokube)', @ARGV);
      if ($run) { eval { $run->(@ARGV); 1 } or POSIX::_exit(255); }
      else { local $@; eval "no strict; no warnings; $argv[2]; 1" or POSIX::_exit(255); }
      POSIX::_exit(0);
    }
    close $report;
    exec { $argv[0] } @argv or POSIX::_exit(127);
  }
  $mine{$pid} = 1;
  print $json->encode({ id => $id, pid => $pid + 0 }), "\n";
  # A child that ended before it was recorded as ours (the signal came between fork and here).
  if (delete $early{$pid}) { delete $mine{$pid}; print $json->encode({ exit => $pid + 0 }), "\n"; }
}
`;

/** Arguments this long are sent to the launcher once and then by reference (at most maxStrings of them). */
const longArgument = 512;
const maxStrings = 64;

export interface Spawned {
  pid: number;
  exited: Promise<void>;
  /** A shim's report of the container process it started (never settles for other programs). */
  reported: Promise<number>;
}

interface Pending {
  resolve(started: Spawned): void;
  reject(err: Error): void;
}

export class Spawner {
  private proc?: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly exits = new Map<number, () => void>();
  /** Exits reported before the start reply was read (a process that ends at once). */
  private readonly earlyExits = new Set<number>();
  private readonly reports = new Map<number, (pid: number) => void>();
  /** Shims' reports read before the start reply was. */
  private readonly earlyReports = new Map<number, number>();
  /** Long arguments the current launcher has been given once (text → key). */
  private readonly strings = new Map<string, number>();

  /** Starts argv detached, with exactly env; resolves with its pid and a promise of its exit. */
  spawn(argv: string[], env: Record<string, string>): Promise<Spawned> {
    if ([...argv, ...Object.entries(env).flat()].some((s) => s.includes('\0'))) {
      return Promise.reject(new Error('an argument or environment variable contains a NUL byte'));
    }
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
        proc.stdin!.write(`D ${key} ${Buffer.byteLength(arg)}\n${arg}`);
      }
      refs[i] = key;
      return '';
    });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const refList = Object.entries(refs).map(([i, k]) => `${i}:${k}`);
      const envList = Object.entries(env).flat();
      const payload = [sent.length, ...sent, refList.length, ...refList, envList.length, ...envList].join('\0');
      proc.stdin!.write(`R ${id} ${Buffer.byteLength(payload)}\n${payload}`);
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
    let msg: { id?: number; pid?: number; error?: string; exit?: number; started?: number };
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    if (msg.started !== undefined) {
      const report = this.reports.get(msg.started);
      if (report) report(msg.pid!);
      else this.earlyReports.set(msg.started, msg.pid!);
      return;
    }
    if (msg.exit !== undefined) {
      this.reports.delete(msg.exit);
      this.earlyReports.delete(msg.exit);
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
    const reported = new Promise<number>((resolve) => {
      const early = this.earlyReports.get(pid);
      if (early !== undefined) {
        this.earlyReports.delete(pid);
        resolve(early);
      } else {
        this.reports.set(pid, (child) => {
          this.reports.delete(pid);
          resolve(child);
        });
      }
    });
    p.resolve({ pid, exited, reported });
  }
}
