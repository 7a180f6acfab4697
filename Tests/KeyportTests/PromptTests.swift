import Foundation
import Testing
@testable import Keyport

/// The passphrase prompt on a real terminal (a pty driven by python3's pty module): the terminal's
/// echo comes back whatever signal arrives at the prompt, and an empty new passphrase for an
/// encrypted input is asked again.
@Suite struct PromptTests {
    /// Runs keyport on a pty as the foreground job of a session whose leader waits for it (so
    /// Ctrl-Z really stops it), then plays `steps`. Prints one line per `check` step: `echo on` or
    /// `echo off`, and at the end `exit N` or `signal N`.
    static let driver = #"""
    import os, pty, select, signal, sys, termios, time
    keyport, steps, args = sys.argv[1], sys.argv[2].split(','), sys.argv[3:]
    pid, master = pty.fork()
    if pid != 0:
        signal.alarm(120)  # a hung keyport fails the test instead of hanging the suite
    if pid == 0:
        k = os.fork()
        if k == 0:
            os.setpgid(0, 0)
            signal.signal(signal.SIGTTOU, signal.SIG_IGN)
            os.tcsetpgrp(0, os.getpgrp())
            signal.signal(signal.SIGTTOU, signal.SIG_DFL)
            # As a shell starts a command: nothing blocked (a test runner's worker thread blocks
            # SIGINT/SIGTERM, and the mask survives fork and exec).
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            os.execv(keyport, [keyport] + args)
        os.write(1, b'PID %d\n' % k)
        while True:
            _, st = os.waitpid(k, os.WUNTRACED)
            if os.WIFSTOPPED(st):
                os.write(1, b'STOPPED\n')
                continue
            break
        os._exit(os.WEXITSTATUS(st) if os.WIFEXITED(st) else 128 + os.WTERMSIG(st))
    seen = b''
    def wait_for(text, timeout=30):
        global seen
        end = time.time() + timeout
        while text not in seen:
            r, _, _ = select.select([master], [], [], max(0, end - time.time()))
            if not r:
                sys.exit('timeout waiting for %r; got %r' % (text, seen))
            try:
                chunk = os.read(master, 4096)
            except OSError:
                chunk = b''
            if not chunk:
                sys.exit('end of output waiting for %r; got %r' % (text, seen))
            seen += chunk
        before, seen = seen[:seen.index(text)], seen[seen.index(text) + len(text):]
        return before
    wait_for(b'PID ')
    child = int(wait_for(b'\n').strip())
    for step in steps:
        verb, _, arg = step.partition('=')
        if verb == 'prompt': wait_for(b'passphrase')
        elif verb == 'again': wait_for(b'Try again')
        elif verb == 'stopped': wait_for(b'STOPPED')
        elif verb == 'type': os.write(master, arg.encode() + b'\r')
        elif verb == 'ctrl': os.write(master, bytes([ord(arg) & 0x1f]))
        elif verb == 'kill': os.kill(child, getattr(signal, 'SIG' + arg))
        elif verb == 'check': print('echo', 'on' if termios.tcgetattr(master)[3] & termios.ECHO else 'off')
        time.sleep(0.05)
    _, st = os.waitpid(pid, 0)
    print('echo', 'on' if termios.tcgetattr(master)[3] & termios.ECHO else 'off')
    print('exit', os.WEXITSTATUS(st))
    """#

    static func drive(_ steps: [String], _ args: [String]) throws -> Tool.Output {
        let child = try Tool.run("/usr/bin/python3", ["-c", driver, Tool.keyportPath, steps.joined(separator: ",")] + args)
        return child
    }

    static func encryptedKey(_ dir: TempDir) throws -> String {
        try sshKeygen(dir, name: "k", type: "ed25519", passphrase: "old secret", extra: ["-a", "2"])
    }

    @Test(arguments: [(["ctrl=C"], 130), (["kill=TERM"], 143), (["kill=HUP"], 129), (["ctrl=\\"], 131)])
    func aSignalAtThePromptRestoresEchoFirst(steps: [String], status: Int) throws {
        let dir = try TempDir()
        let key = try Self.encryptedKey(dir)
        let r = try Self.drive(["prompt", "check"] + steps, ["convert", "--to", "openssh", "--no-passphrase", "-o", dir.path("out"), key])
        #expect(r.stdout == "echo off\necho on\nexit \(status)\n", "\(r.stdout) \(r.stderr)")
        #expect(!dir.exists("out"))
    }

    @Test func ctrlZAtThePromptRestoresEchoWhileStoppedAndHidesItAgainOnContinue() throws {
        let dir = try TempDir()
        let key = try Self.encryptedKey(dir)
        let r = try Self.drive(["prompt", "check", "ctrl=Z", "stopped", "check", "kill=CONT", "prompt", "check", "type=old secret"],
                               ["convert", "--to", "openssh", "--no-passphrase", "-o", dir.path("out"), key])
        #expect(r.stdout == "echo off\necho on\necho off\necho on\nexit 0\n", "\(r.stdout) \(r.stderr)")
        #expect(dir.exists("out"))
    }

    @Test func anEmptyNewPassphraseForAnEncryptedInputIsAskedAgain() throws {
        let dir = try TempDir()
        let key = try Self.encryptedKey(dir)
        // The old passphrase, then Enter at the new one: refused, asked again; then a real one.
        let r = try Self.drive(["prompt", "type=old secret", "prompt", "type=", "again", "prompt", "type=new secret", "prompt", "type=new secret"],
                               ["convert", "--to", "openssh", "-o", dir.path("out"), key])
        #expect(r.stdout.hasSuffix("exit 0\n"), "\(r.stdout) \(r.stderr)")
        let inspect = try Tool.keyport(["inspect", dir.path("out")])
        // The column width of inspect's rows is not this test's subject.
        #expect(inspectRow("encrypted", of: inspect.stdout) == "yes", "\(inspect.stdout)")
        let pass = try dir.write("pass", "new secret\n")
        #expect(try Tool.keyport(["convert", "--to", "openssh", "--public", "--passphrase-file", pass, dir.path("out")]).status == 0)
        // Enter three times: no passphrase, a usage error, no file.
        let empty = try Self.drive(["prompt", "type=old secret", "prompt", "type=", "prompt", "type=", "prompt", "type="],
                                   ["convert", "--to", "openssh", "-o", dir.path("out2"), key])
        #expect(empty.stdout.hasSuffix("exit 64\n"), "\(empty.stdout)")
        #expect(!dir.exists("out2"))
        // With --no-passphrase no new passphrase is asked for at all.
        let plain = try Self.drive(["prompt", "type=old secret"], ["convert", "--to", "openssh", "--no-passphrase", "-o", dir.path("out3"), key])
        #expect(plain.stdout.hasSuffix("exit 0\n"))
        #expect(inspectRow("encrypted", of: try Tool.keyport(["inspect", dir.path("out3")]).stdout) == "no")
    }

    @Test func standardInputFeedsOnlyOneOfTheKeyAndThePassphrase() throws {
        let dir = try TempDir()
        let key = try Self.encryptedKey(dir)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: key))
        for args in [["convert", "--to", "openssh", "--no-passphrase", "--passphrase-file", "-", "-"],
                     ["convert", "--to", "openssh", "--new-passphrase-file", "-", "--passphrase-file", "-", key],
                     ["fingerprint", "--passphrase-file", "-", "-"], ["inspect", "--passphrase-file", "-", "-"],
                     ["lint", "--passphrase-file", "-", "-"]] {
            let r = try Tool.keyport(args, stdin: bytes)
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(r.stderr.contains("cannot both read standard input"), "\(args): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
        }
    }
}
