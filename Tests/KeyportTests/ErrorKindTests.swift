import Testing
#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
@testable import Keyport
@testable import KeyportCLI

// Errors carry a kind programs branch on; the CLI turns kinds into exit codes in one place and adds
// its own option hints to library messages, which name none.

@Suite struct ErrorKindTests {
    @Test func kindsGiveTheDocumentedExitCodes() {
        let cases: [(KeyportError, Int32)] = [
            (.malformed(format: "PPK", field: "x", reason: "y"), 65), (.truncated(format: "t", field: "f"), 65),
            (.unrecognizedFormat(seen: "text"), 65), (.integrityCheckFailed("mac"), 65), (.keyMismatch("n"), 65),
            (.unsupported("SSH-1 key", reason: .ssh1), 65), (.unsupported("too costly", reason: .costAboveLimit), 65),
            (.passphraseRequired("encrypted"), 77), (.wrongPassphrase, 77),
            (.cannotEncode("no"), 64), (.usage("no"), 64), (.crypto("boom"), 70),
            (.outputExists(path: "out"), 73), (.io(path: "d", reason: "cannot create", cause: .create(errno: EACCES)), 73),
            (.io(path: "f", reason: "no such file", cause: .read(errno: ENOENT)), 66),
            (.io(path: "f", reason: "permission denied", cause: .read(errno: EACCES)), 66),
            (.io(path: "f", reason: "is a directory", cause: .read(errno: EISDIR)), 66),
            (.io(path: "f", reason: "input/output error", cause: .read(errno: EIO)), 74),
            (.io(path: "f", reason: "larger than 1024 KiB", cause: .tooLarge), 74),
            (.io(path: "f", reason: "write failed", cause: .write(errno: ENOSPC)), 74),
        ]
        for (error, code) in cases {
            #expect(ExitCode.of(error).rawValue == code, "\(error)")
        }
    }

    @Test func costAndReasonsAreKinds() {
        #expect(KeyportError.unsupported("x", reason: .costAboveLimit).kind == .costRefused)
        #expect(KeyportError.unsupported("x", reason: .ppkVersion1).kind == .unsupported(.ppkVersion1))
        #expect(KeyportError.outputExists(path: "o").kind == .io(.exists))
    }

    @Test func libraryMessagesNameNoOptionsAndTheCLIAddsThem() throws {
        let key = try ed25519Private()
        do {
            _ = try KeyFile.encode(key, to: .rfc4716, options: EncodeOptions())
            Issue.record("RFC 4716 private key written")
        } catch let error as KeyportError {
            #expect(!error.description.contains("--"))
            #expect(error.message == "RFC 4716 holds public keys only; use --public, or --to openssh|ppk|pem|pkcs8")
        }
        #expect(KeyportError.outputExists(path: "o").description == "o exists")
        #expect(KeyportError.outputExists(path: "o").message == "o exists; use --force to replace it")
    }

    @Test func ssh1AndPPKv1AreReasonsNotText() throws {
        let ppk1 = Array("PuTTY-User-Key-File-1: ssh-rsa\nEncryption: none\nComment: old\nPublic-Lines: 0\nPrivate-Lines: 0\n".utf8)
        #expect(throws: KeyportError.self) { try KeyFile.read(ppk1) }
        do { _ = try KeyFile.read(ppk1) } catch let error as KeyportError { #expect(error.kind == .unsupported(.ppkVersion1)) }
        let good = OpenSSHPublicFormat.encode(try ed25519Private().publicKey, comment: "new@host")
        let entries = try KeyFile.read(Array((good + "1024 35 1234567 old@host\n").utf8))
        guard entries.count == 2, case let .failure(error) = entries[1].result else { Issue.record("\(entries)"); return }
        #expect(error.kind == .unsupported(.ssh1))
    }
}
