import Foundation
import Testing
@testable import Keyport

/// Secrets at exit (issue 14 item 10): keyport runs under gdb, which stops it in `_exit` (after
/// `exit`'s handlers, OpenSSL's cleanup included) and writes a core file with `gcore`; the core must
/// hold no copy of the key's secret values nor of the passphrase. The values are known from
/// `openssl pkey -text` of keys made by openssl (or of keyport's output, read by openssl after the
/// run), searched big-endian and little-endian (OpenSSL BIGNUMs are little-endian words), any 16
/// consecutive bytes. And a crash prints one line, never the Swift runtime's register and memory dump.
@Suite struct SecretsAtExitTests {
    static let passphrase = "gcore test passphrase 5d0e83b1c7"
    /// Any copy this long of a secret counts.
    static let window = 16

    /// A named secret value (big-endian magnitude, or raw bytes for seeds and passphrases).
    struct Secret {
        var name: String
        var bytes: [UInt8]
    }

    /// The secret values `openssl pkey -text` shows for a private key file (PEM, PKCS#1, SEC1,
    /// PKCS#8, encrypted ones with the test passphrase): RSA d, p, q, dmp1, dmq1, iqmp; the EC
    /// scalar; the Ed25519/Ed448 seed.
    static func secrets(of path: String, _ label: String, dir: TempDir) throws -> [Secret] {
        let result = try Tool.run("/usr/bin/openssl", ["pkey", "-in", path, "-text", "-noout", "-passin", "file:" + dir.path("pass")])
        try #require(result.status == 0, "openssl cannot read \(path): \(result.stderr)")
        let wanted = ["privateExponent": "d", "prime1": "p", "prime2": "q", "exponent1": "dmp1", "exponent2": "dmq1",
                      "coefficient": "iqmp", "priv": "private value"]
        var found: [Secret] = []
        var current: Int?
        for line in result.stdout.split(separator: "\n") {
            if !line.hasPrefix(" "), line.hasSuffix(":") {
                let name = String(line.dropLast())
                current = wanted[name].map { found.append(Secret(name: "\(label) \($0)", bytes: [])); return found.count - 1 }
            } else if let index = current, line.hasPrefix(" ") {
                let hex = line.filter { $0.isHexDigit }
                var bytes: [UInt8] = []
                var i = hex.startIndex
                while i < hex.endIndex {
                    let j = hex.index(i, offsetBy: 2)
                    bytes.append(UInt8(hex[i..<j], radix: 16)!)
                    i = j
                }
                found[index].bytes += bytes
            } else {
                current = nil
            }
        }
        found = found.map { Secret(name: $0.name, bytes: Array($0.bytes.drop(while: { $0 == 0 }))) }
        try #require(!found.isEmpty && found.allSatisfy { $0.bytes.count >= window }, "no secret values in openssl's text for \(path)")
        return found
    }

    /// Runs keyport under gdb, stopped in `_exit`, and returns gdb's output (with keyport's) and the
    /// core. keyport marks itself not dumpable; gdb sets it dumpable again just before `gcore` (as
    /// root this changes nothing; as another user gdb could not read /proc/PID/maps otherwise).
    static func dump(_ arguments: [String], dir: TempDir) throws -> (output: Tool.Output, core: [UInt8]) {
        let core = dir.path("core")
        let script = """
        set pagination off
        set confirm off
        set breakpoint pending on
        break _exit
        run
        call (int)prctl(4, 1, 0, 0, 0)
        gcore \(core)
        continue
        quit
        """
        let scriptPath = try dir.write("gdb-script", script)
        // The test runner's worker thread blocks most signals and the mask survives exec: gdb would
        // never see SIGCHLD. Cleared first (and SIGPIPE back to default, Python ignores it), with an
        // alarm so that a hung gdb fails the test instead of hanging the suite.
        let unmasked = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); "
            + "signal.signal(signal.SIGPIPE, signal.SIG_DFL); signal.alarm(300); os.execv(sys.argv[1], sys.argv[1:])"
        let output = try Tool.run("/usr/bin/python3", ["-c", unmasked, "/usr/bin/gdb", "-batch", "-nx", "-x", scriptPath, "--args", Tool.keyportPath] + arguments,
                                  cwd: dir.url)
        let bytes = try dir.bytes("core")
        try FileManager.default.removeItem(atPath: core)
        return (output, bytes)
    }

    /// Every copy of at least `window` bytes of a secret in `core`, as "NAME (ORDER, N bytes) at ADDRESS".
    /// An 8-byte-aligned scan finds every copy of 15 bytes or more: such a copy holds an aligned
    /// 8-byte block, which is looked up among all 8-byte pieces of the secrets and then extended.
    static func copies(of secrets: [Secret], in core: [UInt8]) -> [String] {
        var pieces: [UInt64: [(secret: Int, bytes: [UInt8], offset: Int)]] = [:]
        var orders: [(name: String, bytes: [UInt8])] = []
        for secret in secrets {
            orders.append(("\(secret.name) (big-endian)", secret.bytes))
            if secret.bytes.count > 1 { orders.append(("\(secret.name) (little-endian)", secret.bytes.reversed())) }
        }
        for (index, order) in orders.enumerated() where order.bytes.count >= 8 {
            for offset in 0...(order.bytes.count - 8) {
                pieces[load(order.bytes, offset), default: []].append((index, order.bytes, offset))
            }
        }
        var found: [String: Int] = [:]
        let segments = loadSegments(core)
        var position = 0
        while position + 8 <= core.count {
            if let candidates = pieces[load(core, position)] {
                for candidate in candidates {
                    var start = 0
                    while candidate.offset - start > 0, position - start > 0,
                          core[position - start - 1] == candidate.bytes[candidate.offset - start - 1] { start += 1 }
                    var end = 8
                    while candidate.offset + end < candidate.bytes.count, position + end < core.count,
                          core[position + end] == candidate.bytes[candidate.offset + end] { end += 1 }
                    let length = start + end
                    guard length >= window else { continue }
                    let at = position - start
                    let address = segments.first { at >= $0.offset && at < $0.offset + $0.size }
                        .map { "0x" + String($0.address + UInt64(at - $0.offset), radix: 16) } ?? "core offset \(at)"
                    found["\(orders[candidate.secret].name): \(length) of \(candidate.bytes.count) bytes at \(address)"] = at
                }
            }
            position += 8
        }
        return found.sorted { $0.value < $1.value }.map(\.key)
    }

    private static func load(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | UInt64(bytes[offset + i]) }
        return value
    }

    /// The PT_LOAD segments of an ELF64 little-endian core: file offset, size in the file, address.
    private static func loadSegments(_ core: [UInt8]) -> [(offset: Int, size: Int, address: UInt64)] {
        func le(_ at: Int, _ count: Int) -> UInt64 {
            guard at >= 0, at + count <= core.count else { return 0 }
            return (0..<count).reversed().reduce(0) { $0 << 8 | UInt64(core[at + $1]) }
        }
        guard core.count > 64, core[0..<4] == [0x7F, 0x45, 0x4C, 0x46] else { return [] }
        let table = Int(le(32, 8)), entrySize = Int(le(54, 2)), count = Int(le(56, 2))
        return (0..<count).compactMap { i in
            let entry = table + i * entrySize
            guard le(entry, 4) == 1 else { return nil }
            return (Int(le(entry + 8, 8)), Int(le(entry + 32, 8)), le(entry + 16, 8))
        }
    }

    /// Keys made by openssl (PKCS#8), the passphrase file, and the same keys in the other formats.
    static func makeKeys(_ dir: TempDir) throws {
        _ = try dir.write("pass", passphrase + "\n")
        let specs = [("rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
                     ("ec", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]),
                     ("ed25519", ["-algorithm", "ED25519"]), ("ed448", ["-algorithm", "ED448"])]
        for (name, args) in specs {
            let made = try Tool.run("/usr/bin/openssl", ["genpkey"] + args + ["-out", dir.path(name + ".pem")])
            try #require(made.status == 0, "openssl genpkey: \(made.stderr)")
        }
        func peer(_ tool: String, _ args: [String]) throws {
            let out = try Tool.run(tool, args, cwd: dir.url)
            try #require(out.status == 0, "\(tool) \(args.joined(separator: " ")): \(out.stderr)")
        }
        // OpenSSH files from ssh-keygen (it rewrites a PEM RSA or EC key as openssh-key-v1), PPK from puttygen.
        for name in ["rsa", "ec"] {
            try FileManager.default.copyItem(atPath: dir.path(name + ".pem"), toPath: dir.path(name + ".openssh"))
            try peer("/usr/bin/ssh-keygen", ["-q", "-p", "-P", "", "-N", "", "-f", name + ".openssh"])
            try FileManager.default.copyItem(atPath: dir.path(name + ".pem"), toPath: dir.path(name + "-enc.openssh"))
            try peer("/usr/bin/ssh-keygen", ["-q", "-p", "-P", "", "-N", passphrase, "-a", "4", "-f", name + "-enc.openssh"])
            try peer("/usr/bin/puttygen", [name + ".openssh", "-O", "private", "-o", name + ".ppk"])
            try peer("/usr/bin/puttygen", [name + ".openssh", "-O", "private", "--new-passphrase", "pass", "-o", name + "-enc.ppk"])
        }
        // Neither peer imports EdDSA PKCS#8: keyport converts them (the values are known from openssl).
        for name in ["ed25519", "ed448"] {
            try peer(Tool.keyportPath, ["convert", "--to", "openssh", "-o", name + ".openssh", name + ".pem"])
            try peer(Tool.keyportPath, ["convert", "--to", "ppk", "--new-passphrase-file", "pass", "--ppk-param", "memory=1024,passes=2",
                                        "-o", name + "-enc.ppk", name + ".pem"])
        }
        // Encrypted PKCS#8 (PBES2, AES-256-CBC) and legacy encrypted PEM, from openssl.
        for name in ["rsa", "ec", "ed25519"] {
            try peer("/usr/bin/openssl", ["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", name + ".pem", "-passout", "file:pass", "-out", name + "-enc.p8"])
        }
        try peer("/usr/bin/openssl", ["rsa", "-traditional", "-aes256", "-in", "rsa.pem", "-passout", "file:pass", "-out", "rsa-legacy.pem"])
        try peer("/usr/bin/openssl", ["ec", "-in", "ec.pem", "-out", "ec-sec1.pem"])
    }

    /// One run to dump: keyport's arguments, and where the secrets come from afterwards (files
    /// openssl reads: the inputs, or what keyport wrote).
    struct Run: CustomTestStringConvertible, Sendable {
        var arguments: [String]
        /// Files openssl reads for the secret values, with a label for each.
        var keys: [(label: String, file: String)]
        /// After the run, turns a written file into one openssl reads (e.g. with ssh-keygen), if needed.
        var prepare: [[String]] = []
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let runs: [Run] = [
        // inspect, plain: every algorithm in each format family.
        Run(arguments: ["inspect", "rsa.pem", "ec-sec1.pem", "ed25519.pem", "ed448.pem"],
            keys: [("RSA", "rsa.pem"), ("EC", "ec.pem"), ("Ed25519", "ed25519.pem"), ("Ed448", "ed448.pem")]),
        Run(arguments: ["inspect", "rsa.openssh", "ec.openssh", "ed25519.openssh", "ed448.openssh"],
            keys: [("RSA", "rsa.pem"), ("EC", "ec.pem"), ("Ed25519", "ed25519.pem"), ("Ed448", "ed448.pem")]),
        Run(arguments: ["inspect", "--json", "rsa.ppk", "ec.ppk"], keys: [("RSA", "rsa.pem"), ("EC", "ec.pem")]),
        // inspect with a passphrase: bcrypt + AES-CTR, PBES2, legacy PEM, PPK v3 (Argon2) and PPK v2.
        Run(arguments: ["inspect", "--passphrase-file", "pass", "rsa-enc.openssh", "ec-enc.p8", "rsa-legacy.pem", "ed25519-enc.ppk", "ec-enc.ppk"],
            keys: [("RSA", "rsa.pem"), ("EC", "ec.pem"), ("Ed25519", "ed25519.pem")]),
        // convert between the families, encrypted and not.
        Run(arguments: ["convert", "--to", "pkcs8", "--passphrase-file", "pass", "--no-passphrase", "-o", "out", "rsa-enc.openssh"],
            keys: [("RSA", "rsa.pem")]),
        Run(arguments: ["convert", "--to", "openssh", "--new-passphrase-file", "pass", "-o", "out", "ed25519.pem"],
            keys: [("Ed25519", "ed25519.pem")]),
        Run(arguments: ["convert", "--to", "pem", "--passphrase-file", "pass", "--no-passphrase", "-o", "out", "ec-enc.ppk"],
            keys: [("EC", "ec.pem")]),
        Run(arguments: ["convert", "--to", "ppk", "--passphrase-file", "pass", "--new-passphrase-file", "pass", "--ppk-param", "memory=1024,passes=2",
                        "-o", "out", "ed25519-enc.p8"],
            keys: [("Ed25519", "ed25519.pem")]),
        Run(arguments: ["convert", "--to", "ppk", "--ppk-version", "2", "-o", "out", "ed448.openssh"], keys: [("Ed448", "ed448.pem")]),
        Run(arguments: ["convert", "--to", "pkcs8", "--new-passphrase-file", "pass", "-o", "out", "rsa.ppk"], keys: [("RSA", "rsa.pem")]),
        Run(arguments: ["convert", "--to", "openssh", "ec-sec1.pem"], keys: [("EC", "ec.pem")]),
        Run(arguments: ["convert", "--to", "openssh", "--passphrase-file", "pass", "--no-passphrase", "-o", "out", "rsa-legacy.pem"],
            keys: [("RSA", "rsa.pem")]),
        // generate: the secret is known only afterwards, from the file written.
        Run(arguments: ["generate", "-t", "ed25519", "--format", "pkcs8", "--no-passphrase", "-q", "-f", "gen"], keys: [("Ed25519", "gen")]),
        Run(arguments: ["generate", "-t", "rsa", "--passphrase-file", "pass", "--kdf-rounds", "4", "-q", "-f", "gen"], keys: [("RSA", "gen")],
            prepare: [["/usr/bin/ssh-keygen", "-q", "-p", "-P", passphrase, "-N", "", "-m", "PEM", "-f", "gen"]]),
        Run(arguments: ["generate", "-t", "ecdsa", "-b", "521", "--format", "ppk", "--no-passphrase", "-q", "-f", "gen"], keys: [("EC", "gen.pem")],
            prepare: [["/usr/bin/puttygen", "gen", "-O", "private-openssh", "-o", "gen.pem"]]),
    ]

    @Test(arguments: runs)
    func noSecretLeftInTheCore(_ run: Run) throws {
        try #require(Tool.available("gdb"), "gdb is needed (scripts/dev installs it)")
        let dir = try TempDir()
        try Self.makeKeys(dir)
        let (output, core) = try Self.dump(run.arguments, dir: dir)
        try #require(output.stdout.contains("exited normally"), "keyport \(run.testDescription) failed under gdb:\n\(output.stdout)\n\(output.stderr)")
        try #require(core.count > 1 << 20, "gcore wrote no usable core:\n\(output.stderr)")
        for command in run.prepare {
            let out = try Tool.run(command[0], Array(command.dropFirst()), cwd: dir.url)
            try #require(out.status == 0, "\(command.joined(separator: " ")): \(out.stderr)")
        }
        var secrets = try run.keys.flatMap { try Self.secrets(of: dir.path($0.file), $0.label, dir: dir) }
        if run.arguments.contains(where: { $0.contains("passphrase-file") }) {
            secrets.append(Secret(name: "passphrase", bytes: Array(Self.passphrase.utf8)))
        }
        let found = Self.copies(of: secrets, in: core)
        #expect(found.isEmpty, "keyport \(run.testDescription): secrets left in memory at exit:\n\(found.joined(separator: "\n"))")
    }

    /// The search itself finds what is there: a core that holds the values (as the test writes them
    /// into a buffer) is reported, whole and in part.
    @Test func theSearchFindsCopies() throws {
        let secret = Secret(name: "d", bytes: (0..<40).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
        var core = [UInt8](repeating: 0xAA, count: 4096)
        core.replaceSubrange(101..<141, with: secret.bytes)
        core.replaceSubrange(1003..<1020, with: secret.bytes.reversed()[5..<22])
        core.replaceSubrange(2000..<2015, with: secret.bytes[0..<15])
        let found = Self.copies(of: [secret], in: core)
        #expect(found.count == 2, "\(found)")
        #expect(found.first?.hasPrefix("d (big-endian): 40 of 40 bytes") == true)
        #expect(found.last?.hasPrefix("d (little-endian): 17 of 40 bytes") == true)
    }

    /// A crash (SIGSEGV, SIGBUS, SIGILL, SIGABRT... sent to a keyport blocked opening a FIFO) prints one
    /// line and exits 70: no Swift backtrace with registers and the memory they point to.
    @Test(arguments: [SIGSEGV, SIGBUS, SIGILL, SIGABRT, SIGFPE, SIGTRAP])
    func aCrashPrintsOneLine(_ signal: Int32) throws {
        let dir = try TempDir()
        let fifo = dir.path("fifo")
        try #require(mkfifo(fifo, 0o600) == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Tool.keyportPath)
        process.arguments = ["inspect", fifo]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Wait until it is blocked opening the FIFO (main has run, its handlers are in place).
        var waited = 0
        while (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/wchan", encoding: .utf8)) != "wait_for_partner", waited < 3000 {
            usleep(10_000)
            waited += 10
        }
        kill(process.processIdentifier, signal)
        waited = 0
        while process.isRunning, waited < 10_000 {
            usleep(10_000)
            waited += 10
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("keyport did not end on signal \(signal)")
        }
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 70, "status \(process.terminationStatus)")
        #expect(stderr == "keyport: internal error (signal \(signal))\n", "\(stderr)")
    }
}
