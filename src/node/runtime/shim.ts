// The container shim: a short Perl program (perl-base is part of every Debian system) that outlives
// the node agent, like conmon. It starts the container process in its own process group (and
// cgroups), records its PID, writes its stdout/stderr as CRI-format log lines
// (`<RFC3339Nano> stdout F <line>`) with size-based rotation, then waits for it and records the
// exit code — so an agent restart loses neither running containers, nor output, nor exit codes.
// Arguments: stateDir logPath maxLogBytes maxLogFiles cgroupProcsFiles(comma-separated or "-")
//            namespaces("-", or "<setns nr>,<n>" then n namespace files to enter)
//            mounts("-", or "<unshare nr>,<mount nr>,<n>" then n × src dst readOnly(0|1) madeNoteFile)
//            workingDir(or "-") command...
export const shimProgram = String.raw`
use strict;
use POSIX ();
use IO::Select;
use Time::HiRes ();
# Package variables, not lexicals: the launcher compiles this program once into a sub that each
# forked shim calls, and named subs would not see a call's lexicals.
our ($dir, $log, $maxBytes, $maxFiles, $cgroups, $nsSpec, @rest) = @ARGV;
our ($sysUnshare, $sysMount, @mounts);
# Its files go in its state directory, never at the root of the node's file system.
$dir =~ m{^/.} or die "state directory $dir";
# The pod's namespaces (network, UTS) first, for the shim and so for the container it starts.
if ($nsSpec ne '-') {
  my ($sysSetns, $n) = split /,/, $nsSpec;
  for my $file (splice(@rest, 0, $n)) {
    open(my $fh, '<', $file) or die "open $file: $!";
    syscall($sysSetns + 0, fileno($fh), 0) == 0 or die "setns $file: $!";
    close $fh;
  }
}
my $mountSpec = shift @rest;
if ($mountSpec ne '-') { my $n; ($sysUnshare, $sysMount, $n) = split /,/, $mountSpec; @mounts = splice(@rest, 0, 4 * $n); }
our ($cwd, @cmd) = @rest;
# In the container's process, before exec: a private mount namespace with each volume bind-mounted at
# its mount point (made, and noted as made, when missing), read-only ones remounted so.
sub fail { print STDERR "nanokube: $_[0]\n"; POSIX::_exit(128); }
sub makePath { my $p = ''; for my $part (grep { length } split m{/}, $_[0]) { $p .= "/$part"; mkdir $p; } }
sub parentOf { my $p = shift; $p =~ s{/[^/]*$}{}; return length $p ? $p : '/'; }
sub mountAll {
  my ($none, $root) = ('none', '/');
  syscall($sysUnshare + 0, 0x20000) == 0 or fail("unshare: $!");
  syscall($sysMount + 0, $none, $root, 0, 16384 | 262144, 0) == 0 or fail("making / private: $!");
  for (my $i = 0; $i < @mounts; $i += 4) {
    my ($src, $dst, $ro, $made) = @mounts[$i .. $i + 3];
    # The last other user of a mount point nanokube made may have just removed it: make it again, noted.
    if (!-e $dst) {
      if (-d $src) { makePath($dst); } else { makePath(parentOf($dst)); open(my $f, '>>', $dst); close $f; }
      makePath(parentOf($made));
      if (open(my $m, '>', $made)) { print $m $dst; close $m; }
    }
    syscall($sysMount + 0, $src, $dst, 0, 4096, 0) == 0 or fail("cannot mount $src at $dst: $!");
    if ($ro) { syscall($sysMount + 0, $none, $dst, 0, 4096 | 32 | 1, 0) == 0 or fail("cannot make $dst read-only: $!"); }
  }
}
our $lf;
sub put { my ($name, $text) = @_; open(my $f, '>', "$dir/$name.tmp") or die; print $f $text; close $f; rename("$dir/$name.tmp", "$dir/$name"); }
pipe(my $outR, my $outW) or die;
pipe(my $errR, my $errW) or die;
my $pid = fork();
defined $pid or die "fork: $!";
if ($pid == 0) {
  setpgrp(0, 0);
  if ($cgroups ne '-') { for my $p (split /,/, $cgroups) { if (open(my $f, '>>', $p)) { print $f "$$\n"; close $f; } } }
  $SIG{$_} = 'DEFAULT' for qw(TERM INT HUP QUIT PIPE CHLD);
  close $outR; close $errR;
  open(STDIN, '<', '/dev/null');
  open(STDOUT, '>&', $outW); open(STDERR, '>&', $errW);
  close $outW; close $errW;
  mountAll() if @mounts;
  if ($cwd ne '-' && !chdir($cwd)) { print STDERR "chdir $cwd: $!\n"; POSIX::_exit(128); }
  exec { $cmd[0] } @cmd;
  print STDERR "exec $cmd[0]: $!\n";
  POSIX::_exit(127);
}
$SIG{$_} = 'IGNORE' for qw(TERM INT HUP QUIT PIPE);
close $outW; close $errW;
put('pid', "$pid $$\n");
# Started by the agent's launcher: tell it at once rather than have it poll for the pid file.
if (defined $main::report) { syswrite($main::report, "{\"started\":$$,\"pid\":$pid}\n"); close $main::report; }
# The log file (and its directories) come with the first output, not before the container starts: on
# some disks each new inode costs a fraction of a millisecond, and a silent container needs none.
sub openLog { return if $lf; if (!open($lf, '>>', $log)) { makePath(parentOf($log)); open($lf, '>>', $log) or die "log $log: $!"; } }
sub stamp { my ($s, $us) = Time::HiRes::gettimeofday(); return POSIX::strftime('%Y-%m-%dT%H:%M:%S', gmtime($s)) . sprintf('.%06d000Z', $us); }
sub rotate {
  close $lf;
  for (my $i = $maxFiles - 1; $i >= 1; $i--) { rename("$log.$i", "$log." . ($i + 1)) if -e "$log.$i"; }
  unlink("$log.$maxFiles");
  rename($log, "$log.1");
  open($lf, '>>', $log) or die;
}
sub emit { my ($stream, $tag, $text) = @_; openLog(); syswrite($lf, stamp() . " $stream $tag $text\n"); rotate() if $maxBytes > 0 && -s $lf > $maxBytes; }
my %name = (fileno($outR) => 'stdout', fileno($errR) => 'stderr');
my %buf = (stdout => '', stderr => '');
my $sel = IO::Select->new($outR, $errR);
while ($sel->count) {
  for my $fh ($sel->can_read) {
    my $s = $name{fileno($fh)};
    my $n = sysread($fh, my $chunk, 65536);
    if (!$n) {
      emit($s, 'F', $buf{$s}) if length $buf{$s};
      $buf{$s} = '';
      $sel->remove($fh); close $fh; next;
    }
    $buf{$s} .= $chunk;
    while ((my $i = index($buf{$s}, "\n")) >= 0) { emit($s, 'F', substr($buf{$s}, 0, $i)); substr($buf{$s}, 0, $i + 1) = ''; }
    while (length($buf{$s}) > 16384) { emit($s, 'P', substr($buf{$s}, 0, 16384)); substr($buf{$s}, 0, 16384) = ''; }
  }
}
waitpid($pid, 0);
my $st = $?;
my $sig = $st & 127;
put('exit', ($sig ? 128 + $sig : ($st >> 8)) . " $sig\n");
`;
