import Foundation
import Testing
@testable import Keyport

/// Bad input is one clear line `keyport: FILE[:LINE]: what is wrong` and no output, as the peers give it.
@Suite struct ErrorLineTests {
    /// The one stderr line of a failed command, checked for the `keyport: FILE[:LINE]: ` form, no
    /// repeated field names and no Swift crash text.
    func expectOneErrorLine(_ r: Tool.Output, file: String, status: Int32? = nil, containing: String? = nil,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status != 0, sourceLocation: sourceLocation)
        if let status { #expect(r.status == status, "\(r.stderr)", sourceLocation: sourceLocation) }
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("keyport: \(file)"), "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("DER: DER") && !r.stderr.contains("line: line"),
                "\(r.stderr)", sourceLocation: sourceLocation)
        if let containing { #expect(r.stderr.contains(containing), "\(r.stderr)", sourceLocation: sourceLocation) }
    }

    /// fingerprint streams line files; its verdict on a file that is no key file is the same single
    /// line inspect gives, and a file of garbage or one endless line is refused after 1 MiB.
    @Test func streamedFingerprintGivesTheWholeFileVerdict() throws {
        let dir = try TempDir()
        let hello = try dir.write("hello", "hello\n")
        var junk = [UInt8](repeating: 0, count: 3 << 20)
        for i in junk.indices { junk[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) | 0x80 }
        for i in stride(from: 100, to: junk.count, by: 100) { junk[i] = 0x0a }
        let binary = dir.path("junk")
        try Data(junk).write(to: URL(fileURLWithPath: binary))
        let endless = dir.path("oneline")
        try Data(repeating: UInt8(ascii: "A"), count: 2 << 20).write(to: URL(fileURLWithPath: endless))
        let manyBad = dir.path("manybad")
        try Data(String(repeating: "ssh-ed25519 AAAA\n", count: 80_000).utf8).write(to: URL(fileURLWithPath: manyBad))
        let smallJunk = dir.path("smalljunk")
        try Data(junk.prefix(4000)).write(to: URL(fileURLWithPath: smallJunk))
        for path in [hello, smallJunk] {
            let inspect = try Tool.keyport(["inspect", path])
            let fingerprint = try Tool.keyport(["fingerprint", path])
            expectOneErrorLine(fingerprint, file: path, status: 65, containing: "not a key file")
            #expect(fingerprint.stderr == inspect.stderr)
        }
        expectOneErrorLine(try Tool.keyport(["fingerprint", binary]), file: binary, containing: "binary data")
        expectOneErrorLine(try Tool.keyport(["fingerprint", endless]), file: endless + ":1", containing: "longer than 1024 KiB")
        expectOneErrorLine(try Tool.keyport(["fingerprint", manyBad]), file: manyBad + ": ", status: 65)
        // Through a shell redirection: keyport stops reading early, and a pipe fed by this process
        // would then raise SIGPIPE here.
        let piped = try Tool.run("/bin/sh", ["-c", "exec \"$0\" fingerprint - < \"$1\"", Tool.keyportPath, binary])
        expectOneErrorLine(piped, file: "(stdin)", status: 65, containing: "binary data")
    }

    /// DER with trailing bytes and a PEM body that is not base64: one clear line, no output file.
    @Test func damagedDERAndPEMAreOneClearLineAndNoOutput() throws {
        let dir = try TempDir()
        let pem = dir.path("k.pem")
        #expect(try Tool.run("openssl", ["genpkey", "-algorithm", "ed25519", "-out", pem]).status == 0)
        let der = dir.path("k.der")
        #expect(try Tool.run("openssl", ["pkey", "-in", pem, "-outform", "DER", "-out", der]).status == 0)
        let trailing = dir.path("trailing.der")
        try Data(try dir.bytes("k.der") + [0]).write(to: URL(fileURLWithPath: trailing))
        for command in [["fingerprint"], ["inspect"], ["convert", "--to", "openssh", "--no-passphrase", "-o", dir.path("out")]] {
            expectOneErrorLine(try Tool.keyport(command + [trailing]), file: trailing, status: 65, containing: "1 trailing byte after")
        }
        #expect(!dir.exists("out"))
        var text = try dir.read("k.pem").split(separator: "\n").map(String.init)
        text[1] = "!!!!" + text[1].dropFirst(4)
        let damaged = try dir.write("damaged.pem", text.joined(separator: "\n") + "\n")
        expectOneErrorLine(try Tool.keyport(["convert", "--to", "ppk", "--no-passphrase", "-o", dir.path("out"), damaged]),
                           file: damaged, status: 65, containing: "base64")
        #expect(!dir.exists("out"))
    }
}
