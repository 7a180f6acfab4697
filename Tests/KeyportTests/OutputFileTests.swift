import Foundation
import Testing
@testable import Keyport

/// Output files: what --force may replace, modes as ssh-keygen makes them, a FILE.pub that is not
/// a regular file, and no leftovers when a run is killed.
@Suite struct OutputFileTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A Unix socket at `path` (kept open while the test runs), made with socket(2) and bind(2).
    static func makeSocket(_ path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
        }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        return fd
    }

    @Test func forceReplacesOnlyRegularFilesAndSymbolicLinks() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519")
        #expect(mkfifo(dir.path("fifo"), 0o644) == 0)
        try FileManager.default.createDirectory(atPath: dir.path("dir"), withIntermediateDirectories: false)
        let socket = Self.makeSocket(dir.path("sock"))
        defer { close(socket) }
        var nodes = ["fifo": "a FIFO", "dir": "a directory", "sock": "a socket"]
        // A copy of /dev/null (root only): replacing it would break every program that writes there.
        if mknod(dir.path("null"), S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0 { nodes["null"] = "a device" }
        for (name, kind) in nodes {
            var before = stat()
            lstat(dir.path(name), &before)
            for force in [true, false] {
                for args in [["convert", "--to", "pem", "--no-passphrase", "-o", dir.path(name), key],
                             ["generate", "-t", "ed25519", "--no-passphrase", "-f", dir.path(name)]] {
                    let r = try Tool.keyport(args + (force ? ["--force"] : []))
                    #expect(r.status == 73, "\(name) \(force): \(r.stderr)")
                    #expect(r.stderr.contains("it is \(kind)"), "\(r.stderr)")
                    #expect(r.stderr.split(separator: "\n").filter { $0.hasPrefix("keyport: \(dir.path(name))") }.count == 1)
                }
            }
            var after = stat()
            lstat(dir.path(name), &after)
            #expect(after.st_mode == before.st_mode && after.st_ino == before.st_ino, "\(name) was replaced")
        }
        // A symbolic link is replaced itself, with --force only; its target is never written.
        let target = try dir.write("target", "target\n")
        #expect(symlink(target, dir.path("link")) == 0)
        #expect(try Tool.keyport(["convert", "--to", "pem", "--no-passphrase", "-o", dir.path("link"), key]).status == 73)
        #expect(try Tool.keyport(["convert", "--to", "pem", "--no-passphrase", "--force", "-o", dir.path("link"), key]).status == 0)
        #expect(try dir.read("target") == "target\n")
        var st = stat()
        lstat(dir.path("link"), &st)
        #expect(st.st_mode & S_IFMT == S_IFREG && st.st_mode & 0o777 == 0o600)
        #expect(RobustnessTests.leftovers(dir.url.path).isEmpty)
    }

    @Test func aFIFOInPlaceOfFILEpubNeverBlocks() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519", comment: "inside@example.com")
        try FileManager.default.removeItem(atPath: key + ".pub")
        #expect(mkfifo(key + ".pub", 0o644) == 0)
        // timeout(1) turns a hang into status 124.
        let r = try Tool.run("/usr/bin/timeout", ["20", Tool.keyportPath, "fingerprint", key])
        #expect(r.status == 0, "\(r.status) \(r.stderr)")
        #expect(r.stdout.hasSuffix(" inside@example.com (ED25519)\n"))
    }

    /// Private outputs 0600 whatever the umask; public ones as ssh-keygen makes its .pub.
    @Test func modesFollowTheUmaskAsSshKeygenDoes() throws {
        let dir = try TempDir()
        let key = try sshKeygen(dir, name: "k", type: "ed25519")
        for mask in ["000", "022", "027", "077", "277"] {
            let script = """
                umask \(mask)
                ssh-keygen -q -t ed25519 -N '' -f "$1/peer\(mask)" && \
                "$0" convert --to openssh --public -o "$1/pub\(mask)" "$2" && \
                "$0" convert --to pem --no-passphrase -o "$1/priv\(mask)" "$2" && \
                "$0" generate -t ed25519 --no-passphrase -C m@example.com -f "$1/gen\(mask)" >/dev/null
                """
            let r = try Tool.run("/bin/sh", ["-c", script, Tool.keyportPath, dir.url.path, key])
            #expect(r.status == 0, "\(r.stderr)")
            let peerPublic = FileIO.mode(dir.path("peer\(mask).pub"))
            #expect(peerPublic != nil)
            #expect(FileIO.mode(dir.path("pub\(mask)")) == peerPublic, "umask \(mask)")
            #expect(FileIO.mode(dir.path("gen\(mask).pub")) == peerPublic, "umask \(mask)")
            for secret in ["priv\(mask)", "gen\(mask)"] { #expect(FileIO.mode(dir.path(secret)) == 0o600, "\(secret)") }
            #expect(FileIO.mode(dir.path("peer\(mask)")) == 0o600)
        }
    }

    /// Both ways of making the temporary file (unnamed, and the named fallback) leave only the output.
    @Test func unnamedAndNamedTemporaryFilesLeaveOnlyTheOutput() throws {
        let dir = try TempDir()
        for unnamed in [true, false] {
            for force in [false, true] {
                let path = dir.path("out-\(unnamed)")
                try FileIO.writeAtomically(path, Array("secret\n".utf8), secret: true, force: force, unnamed: unnamed)
                #expect(try dir.read("out-\(unnamed)") == "secret\n")
                #expect(FileIO.mode(path) == 0o600)
            }
            #expect(throws: KeyportError.outputExists(path: dir.path("out-\(unnamed)"))) {
                try FileIO.writeAtomically(dir.path("out-\(unnamed)"), [1], secret: true, force: false, unnamed: unnamed)
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted() == ["out-false", "out-true"])
    }

    /// scripts/kill-test kills conversions and generations at random moments with SIGKILL, SIGTERM,
    /// SIGINT and SIGHUP; a few dozen runs here (seconds), hundreds by hand.
    @Test func killedRunsLeaveNoTemporaryFileAndNoHalfKey() throws {
        let iterations = ProcessInfo.processInfo.environment["KEYPORT_KILL_TEST_ITERATIONS"] ?? "24"
        let script = Self.repository.appendingPathComponent("scripts/kill-test").path
        let r = try Tool.run("/bin/bash", [script, iterations, Tool.keyportPath])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains(": 0 temporary files left, 0 broken outputs, 0 private keys without .pub"))
    }
}
