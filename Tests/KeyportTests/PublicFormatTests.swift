import Foundation
import Testing
@testable import Keyport

@Suite struct PublicFormatTests {
    let ed25519Line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK4OYqfdDq5sHUENLPm9MZmpwBVVFzS/kuOWhYEx6h1v"

    func parse(_ text: String) -> PublicLine { OpenSSHPublicFormat.parseLine(ArraySlice(Array(text.utf8)), lineNumber: 1) }

    @Test func bareLineWithComment() throws {
        guard case let .key(doc) = parse(ed25519Line + " me@host") else { Issue.record("not parsed"); return }
        #expect(doc.comment == "me@host")
        #expect(doc.format == .opensshPublic)
        #expect(doc.publicKey?.bits == 256)
        #expect(doc.publicKey?.fingerprint() == "SHA256:" + Base64.encode(Digest.sha256.hash(doc.publicKey!.blob)).replacingOccurrences(of: "=", with: ""))
    }

    @Test func authorizedKeysOptionsWithQuotedSpaces() throws {
        guard case let .key(doc) = parse(#"command="echo \"hi there\"",no-pty,from="10.0.0.0/8" "# + ed25519Line + " c") else {
            Issue.record("not parsed"); return
        }
        #expect(doc.format == .authorizedKeys)
        #expect(doc.options == #"command="echo \"hi there\"",no-pty,from="10.0.0.0/8""#)
        #expect(doc.comment == "c")
    }

    @Test func knownHostsMarkersAndHashedNames() throws {
        guard case let .key(doc) = parse("@cert-authority *.example.org " + ed25519Line) else { Issue.record("not parsed"); return }
        #expect(doc.marker == "@cert-authority")
        #expect(doc.hosts == "*.example.org")
        #expect(doc.format == .knownHosts)
        guard case let .key(hashed) = parse("|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg= " + ed25519Line) else { Issue.record("not parsed"); return }
        #expect(hashed.hosts?.hasPrefix("|1|") == true)
        guard case .failure = parse("@bogus host " + ed25519Line) else { Issue.record("unknown marker accepted"); return }
    }

    @Test func skipsBlankAndCommentLines() {
        for text in ["", "   ", "# comment", "  # indented", "\r"] {
            guard case .skip = parse(text) else { Issue.record("\(text) not skipped"); return }
        }
    }

    @Test func typeMismatchAndBadBase64AreErrors() {
        guard case .failure = parse("ssh-rsa " + ed25519Line.dropFirst(12)) else { Issue.record("mismatch accepted"); return }
        guard case .failure = parse("ssh-ed25519 AAAA!!!!") else { Issue.record("bad base64 accepted"); return }
        guard case .failure = parse("ssh-ed25519") else { Issue.record("lone type accepted"); return }
        guard case let .failure(e) = parse("2048 65537 12345 old@key") else { Issue.record("ssh-1 accepted"); return }
        #expect(e.description.contains("SSH-1"))
    }

    @Test func fileWithManyKeysKeepsLineNumbersAndGoodKeys() throws {
        let text = "# header\n\(ed25519Line) a\r\nnot a key line at all\n\n\(ed25519Line)"
        let entries = try KeyFile.read(Array(text.utf8))
        #expect(entries.map(\.line) == [2, 3, 5])
        #expect(entries.filter { (try? $0.result.get()) != nil }.count == 2)
        if case let .success(doc) = entries[0].result { #expect(doc.comment == "a") }
    }

    @Test func unrecognizedContentSaysWhatWasSeen() {
        #expect(throws: KeyportError.unrecognizedFormat(seen: "text starting \"hello world\"")) {
            try KeyFile.read(Array("hello world\nsecond line\n".utf8))
        }
        #expect(throws: KeyportError.unrecognizedFormat(seen: "an empty file")) { try KeyFile.read([]) }
    }

    @Test func rfc4716ReadsContinuationsQuotesAndOtherHeaders() throws {
        let blob = Base64.decode(String(ed25519Line.split(separator: " ")[1]))!
        let body = Base64.encode(blob, lineLength: 20)
        let text = "---- BEGIN SSH2 PUBLIC KEY ----\r\nSubject: me\r\nComment: \"a long \\\r\ncomment\"\r\nx-private: yes\r\n\(body.replacingOccurrences(of: "\n", with: "\r\n"))\r\n---- END SSH2 PUBLIC KEY ----\r\n"
        let docs = try RFC4716Format.decode(Array(text.utf8))
        #expect(docs.count == 1)
        #expect(docs[0].comment == "a long comment")
        #expect(docs[0].publicKey?.blob == blob)
        let unquoted = "---- BEGIN SSH2 PUBLIC KEY ----\nComment: plain words\n\(body)\n---- END SSH2 PUBLIC KEY ----\n"
        #expect(try RFC4716Format.decode(Array(unquoted.utf8))[0].comment == "plain words")
    }

    @Test func rfc4716WritesCommentAnd72ColumnLines() throws {
        let key = try PublicKey(blob: Base64.decode(String(ed25519Line.split(separator: " ")[1]))!)
        let long = String(repeating: "x", count: 100) + " \"quoted\""
        let text = RFC4716Format.encode(key, comment: long)
        for line in text.split(separator: "\n") { #expect(line.utf8.count <= 72) }
        let back = try RFC4716Format.decode(Array(text.utf8))
        #expect(back[0].comment == long)
        #expect(back[0].publicKey == key)
    }

    @Test func randomartMatchesPublishedVector() throws {
        // FORMATS.md §7.3: ssh-keygen -lv on the §3.6 key.
        let key = try PublicKey(blob: Hex.decode("0000000b7373682d6564323535313900000020e30cce9f278fce211f120d6fbb9851d289a6a0c99eed1e15c1b398c03252dca5")!)
        #expect(key.fingerprint() == "SHA256:szqZELaBLw2pqR9eAkL2/YVXUtBrzjIFrbeI4vj5xrI")
        #expect(key.fingerprint(.md5) == "MD5:00:2a:fd:b6:ad:85:58:0c:a8:72:d5:1e:49:0b:ca:b0")
        let expected = """
        +--[ED25519 256]--+
        |         .+.     |
        |         ..o     |
        | o o     .o..    |
        |o = =   ..o=     |
        |oo * = .SoB .    |
        |+.. =...o* +     |
        |. o.+.o+. o      |
        |.. = o=+         |
        | .o .E*o         |
        +----[SHA256]-----+
        """
        #expect(Randomart.render(key, hash: .sha256) == expected)
        #expect(Randomart.frame("[ED25519-SK-CERT 256]".count > 17 ? "[ED25519-SK-CERT]" : "") == "+[ED25519-SK-CERT-+")
        #expect(Randomart.frame("[ED25519-CERT]") == "+-[ED25519-CERT]--+")
    }

    @Test func certificateFieldsFromFixture() throws {
        let bytes = try Array(Data(contentsOf: fixturesURL.appendingPathComponent("public/ecdsa-cert.pub")))
        let doc = try KeyFile.read(bytes)[0].result.get()
        let cert = try #require(doc.publicKey?.certificate)
        #expect(cert.keyID == "fixture-id")
        #expect(cert.serial == 42)
        #expect(cert.principals == ["alice", "bob"])
        #expect(cert.criticalOptions.map(\.name) == ["force-command"])
        #expect(cert.criticalOptions.first?.value == "/bin/true")
        #expect(cert.extensions.count == 5)
        #expect(cert.signatureKey.algorithm == .ed25519)
        #expect(doc.publicKey?.displayType == "ECDSA-CERT")
    }

    @Test func bitsCountedAsSshKeygen() throws {
        let expected = ["rsa-2048.pub": 2048, "rsa-1024.pub": 1024, "dsa-1024.pub": 1024, "ecdsa-256.pub": 256,
                        "ecdsa-384.pub": 384, "ecdsa-521.pub": 521, "ed25519.pub": 256]
        for (file, bits) in expected {
            let bytes = try Array(Data(contentsOf: fixturesURL.appendingPathComponent("public/\(file)")))
            #expect(try KeyFile.read(bytes)[0].result.get().publicKey?.bits == bits, "\(file)")
        }
    }
}
