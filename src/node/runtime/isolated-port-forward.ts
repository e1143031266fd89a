// Port-forward into a pod's network namespace, as the kubelet does: the connection is made to
// localhost:PORT inside the namespace, so servers listening on the pod's loopback are reachable too.
// Node cannot enter a namespace itself, so a small Perl relay runs there (nsenter) and copies bytes
// between its stdin/stdout and the connection; it writes "+" once connected, or the error and exits.
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';

const relayProgram = String.raw`
use strict;
use IO::Socket::INET;
use IO::Select;
my $port = shift;
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp');
if (!$s) { print STDERR lc("$!"); exit 1; }
binmode STDIN; binmode STDOUT;
syswrite(STDOUT, '+');
my $in = fileno(STDIN);
my $sel = IO::Select->new(\*STDIN, $s);
while ($sel->count) {
  for my $fh ($sel->can_read) {
    my $n = sysread($fh, my $buf, 65536);
    my $fromPod = fileno($fh) != $in;
    if (!$n) {
      exit 0 if $fromPod;
      $sel->remove($fh);
      shutdown($s, 1);
      next;
    }
    my $out = $fromPod ? \*STDOUT : $s;
    for (my $off = 0; $off < $n; ) {
      my $w = syswrite($out, $buf, $n - $off, $off);
      exit 0 unless defined $w;
      $off += $w;
    }
  }
}
`;

/** Connects to 127.0.0.1:port inside the network namespace; errors read as Go's net.Dial errors. */
export function dialInNetns(netnsPath: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${netnsPath}`, '--', 'perl', '-e', relayProgram, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let connected = false;
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => undefined);
    const fail = () => {
      if (!connected) reject(new Error(`dial tcp 127.0.0.1:${port}: connect: ${stderr.trim() || 'relay failed'}`));
    };
    child.on('error', fail);
    child.on('close', fail);
    child.stdout.once('data', (chunk: Buffer) => {
      child.stdout.pause();
      if (chunk[0] !== 0x2b) return; // "+" or nothing: the close handler reports it
      connected = true;
      // Like a socket (allowHalfOpen false): when the pod side ends, so does the whole connection.
      const conn = new Duplex({
        allowHalfOpen: false,
        read: () => void child.stdout.resume(),
        write: (data, _enc, cb) => void child.stdin.write(data, () => cb()),
        final: (cb) => {
          child.stdin.end();
          cb();
        },
        destroy: (err, cb) => {
          child.kill('SIGKILL');
          cb(err);
        },
      });
      if (chunk.length > 1) conn.push(chunk.subarray(1));
      child.stdout.on('data', (d: Buffer) => {
        if (!conn.push(d)) child.stdout.pause();
      });
      child.stdout.on('end', () => conn.push(null));
      resolve(conn);
    });
  });
}
