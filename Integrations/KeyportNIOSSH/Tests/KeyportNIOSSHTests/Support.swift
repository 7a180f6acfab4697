// Test support: running the real tools, a temporary directory, and a real OpenSSH server.

import Foundation
import Testing

/// Runs programs without a shell and collects their output.
enum Tool {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a program (no shell), its output to files read back afterwards: no pipe to fill up.
    /// posix_spawn rather than Foundation's Process, which loses track of children once sshd (which
    /// closes every inherited descriptor) runs beside them; see `spawn`.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> Output {
        let dir = try TempDir("keyport-run")
        let pid = try spawn(executable, arguments, stdout: dir.path("out"), stderr: dir.path("err"))
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let exited = status & 0x7f == 0
        return Output(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f),
                      stdout: (try? dir.read("out")) ?? "", stderr: (try? dir.read("err")) ?? "")
    }

    /// Starts a program with posix_spawn: standard input from /dev/null, output to the given files.
    static func spawn(_ path: String, _ arguments: [String], stdout: String, stderr: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard rc == 0 else { throw TestFailure("posix_spawn \(path): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// Runs a tool that must succeed; its failure fails the test with its stderr.
    @discardableResult
    static func must(_ executable: String, _ arguments: [String]) throws -> Output {
        let output = try run(executable, arguments)
        guard output.status == 0 else {
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) exited \(output.status): \(output.stderr)")
        }
        return output
    }

    /// The NIOSSHExec example built next to the test bundle.
    static var nioSSHExec: String {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("NIOSSHExec").path
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh temporary directory, removed when the value goes away.
final class TempDir: @unchecked Sendable {
    let url: URL

    init(_ prefix: String = "keyport-niossh") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
        // Created with its mode (sshd refuses keys and authorized_keys that others may read).
        let p = path(name)
        try? FileManager.default.removeItem(atPath: p)
        guard FileManager.default.createFile(atPath: p, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: p])
        }
        return p
    }

    func read(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }
}

/// Daemons still running when the test process exits (the shared lab's sshd is never released)
/// are stopped by an atexit handler, so no sshd outlives the run.
enum Daemons {
    nonisolated(unsafe) static var pids: [pid_t] = []
    static let lock = NSLock()

    static func started(_ pid: pid_t) {
        lock.lock()
        defer { lock.unlock() }
        if pids.isEmpty { atexit { Daemons.pids.forEach { kill($0, SIGTERM) } } }
        pids.append(pid)
    }
}

/// A real OpenSSH server on 127.0.0.1 with its own configuration, host key and authorized_keys in a
/// temporary directory; nothing of the system's configuration is read or touched.
final class SSHServer: @unchecked Sendable {
    let dir: TempDir
    let port: Int
    let user: String
    /// The server's host key line (`ssh-ed25519 AAAA...`).
    let hostKeyLine: String
    /// A known_hosts file that names this server (`[127.0.0.1]:PORT key`).
    let knownHosts: String
    private var pid: pid_t = 0

    /// Starts sshd with `authorizedKeys` as the only authorized_keys file.
    init(authorizedKeys: String) throws {
        dir = try TempDir("keyport-sshd")
        user = ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 }
            ?? getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "root"
        try Tool.must("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "test host key", "-f", dir.path("host_ed25519")])
        hostKeyLine = try dir.read("host_ed25519.pub").split(separator: " ").prefix(2).joined(separator: " ")
        try dir.write("authorized_keys", authorizedKeys, mode: 0o600)
        // sshd started by root insists on its privilege-separation directory.
        if getuid() == 0, !FileManager.default.fileExists(atPath: "/run/sshd") {
            try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
        }
        // StrictModes would refuse an authorized_keys file below /tmp (world-writable); the test
        // directory is private to this run, so the check has nothing to protect here.
        let config = """
            ListenAddress 127.0.0.1
            HostKey \(dir.path("host_ed25519"))
            AuthorizedKeysFile \(dir.path("authorized_keys"))
            PidFile none
            StrictModes no
            UsePAM no
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            MaxStartups 100
            MaxAuthTries 10
            LogLevel VERBOSE

            """
        try dir.write("sshd_config", config)
        var lastError = ""
        for _ in 0..<5 {
            let port = try Self.freePort()
            // Not Foundation's Process: it notices a child's exit by an inherited descriptor closing,
            // and sshd closes every inherited descriptor at start.
            let pid = try Tool.spawn("/usr/sbin/sshd", ["-D", "-e", "-f", dir.path("sshd_config"), "-p", String(port)],
                                     stdout: "/dev/null", stderr: dir.path("sshd.log"))
            Daemons.started(pid)
            if Self.waitForListener(port: port, pid: pid) {
                self.port = port
                self.pid = pid
                knownHosts = try dir.write("known_hosts", "[127.0.0.1]:\(port) \(hostKeyLine)\n", mode: 0o644)
                return
            }
            kill(pid, SIGTERM)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            lastError = (try? dir.read("sshd.log")) ?? ""
        }
        throw TestFailure("sshd did not start: \(lastError)")
    }

    deinit {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// What sshd logged so far (to check why it refused something).
    var log: String { (try? dir.read("sshd.log")) ?? "" }

    /// A port nobody listens on now (the kernel picks it; sshd binds it right after).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("bind failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Waits until something accepts connections on the port, or sshd exits.
    static func waitForListener(port: Int, pid: pid_t) -> Bool {
        for _ in 0..<100 {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return false }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            close(fd)
            if connected { return true }
            usleep(50_000)
        }
        return false
    }

    /// Runs the example client against this server.
    func exec(key: String, passphraseFile: String? = nil, knownHosts: String? = nil, user: String? = nil, _ command: [String]) throws -> Tool.Output {
        var arguments = ["--key", key, "--port", String(port), "--user", user ?? self.user, "--known-hosts", knownHosts ?? self.knownHosts]
        if let passphraseFile { arguments += ["--passphrase-file", passphraseFile] }
        return try Tool.run(Tool.nioSSHExec, arguments + ["127.0.0.1"] + command)
    }
}
